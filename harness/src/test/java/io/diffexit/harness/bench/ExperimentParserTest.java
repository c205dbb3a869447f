package io.diffexit.harness.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExperimentParserTest {

  private static final String MINIMAL = """
      name: m
      samples: 10
      backbones: {uvit: {type: uvit}}
      strategies: {none: {type: none}}
      samplers: {ddim: {type: ddim}}
      """;

  @Test
  void readsInstancesSettingsAndDefaults() {
    Experiment e = Fixtures.parse(Fixtures.SMALL);
    assertThat(e.name()).isEqualTo("small");
    assertThat(e.samples()).isEqualTo(4);
    assertThat(e.seed()).isEqualTo(7);
    assertThat(e.largeBatch()).isEqualTo(8);
    assertThat(e.sampleBatch()).as("sample batch defaults to the large batch").isEqualTo(8);
    assertThat(e.latencyWarmup()).isEqualTo(2);
    assertThat(e.latencyRepeats()).isEqualTo(5);
    assertThat(e.reference()).isEqualTo(new Reference("stats.npz", "synthetic", "test"));
    assertThat(e.strategies()).extracting(InstanceSpec::id).containsExactly("none", "fixed", "uem");
    InstanceSpec uem = e.strategies().get(2);
    assertThat(uem.type()).isEqualTo("deediff");
    assertThat(uem.params()).containsExactly(
        Map.entry("checkpoint", List.of("ckpt/uem")), Map.entry("threshold", List.of("0.5", "0.9")));
    assertThat(uem.listKeys()).containsExactly("threshold");
    assertThat(e.resolve("ckpt/uem")).isEqualTo(Path.of("/exp/ckpt/uem"));
  }

  @Test
  void minimalExperimentHasNoReferenceAndDefaultSeed() {
    Experiment e = Fixtures.parse(MINIMAL);
    assertThat(e.reference()).isNull();
    assertThat(e.seed()).isZero();
    assertThat(e.largeBatch()).isEqualTo(64);
  }

  @Test
  void unknownTopLevelKeyNamesItAndTheKnownKeys() {
    assertThatThrownBy(() -> Fixtures.parse(MINIMAL + "sampels: 3\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("test.yaml: unknown key 'sampels'; known: [backbones, batch, description, latency, name, "
            + "reference, samplers, samples, seed, strategies]");
  }

  @Test
  void unknownNestedKeyNamesItsPath() {
    assertThatThrownBy(() -> Fixtures.parse(MINIMAL + "batch: {larg: 3}\n"))
        .hasMessage("test.yaml: unknown key 'batch.larg'; known: [large, sample]");
    assertThatThrownBy(() -> Fixtures.parse(MINIMAL + "reference: {stats: a.npz, extractor: x, splt: test}\n"))
        .hasMessage("test.yaml: unknown key 'reference.splt'; known: [extractor, split, stats]");
    assertThatThrownBy(() -> Fixtures.parse(MINIMAL.replace("{type: none}", "{type: none, requires: {backbon: [uvit]}}")))
        .hasMessage("test.yaml: unknown key 'strategies.none.requires.backbon'; known: [backbone, sampler, strategy]");
  }

  @Test
  void instanceWithoutTypeFails() {
    assertThatThrownBy(() -> Fixtures.parse(MINIMAL.replace("{type: none}", "{layer: 3}")))
        .hasMessage("test.yaml: strategies.none: 'type' is required");
  }

  @Test
  void missingGroupAndMissingRequiredValuesFail() {
    assertThatThrownBy(() -> Fixtures.parse(MINIMAL.replace("samplers: {ddim: {type: ddim}}\n", "")))
        .hasMessage("test.yaml: samplers: is required: write samplers: {ID: {type: NAME, ...}}");
    assertThatThrownBy(() -> Fixtures.parse(MINIMAL.replace("samples: 10\n", "")))
        .hasMessage("test.yaml: samples: is required");
    assertThatThrownBy(() -> Fixtures.parse(MINIMAL.replace("name: m\n", "")))
        .hasMessage("test.yaml: name: is required");
    assertThatThrownBy(() -> Fixtures.parse(MINIMAL.replace("{uvit: {type: uvit}}", "{}")))
        .hasMessage("test.yaml: backbones: is empty: give at least one instance");
  }

  @Test
  void badValuesNameTheirPath() {
    assertThatThrownBy(() -> Fixtures.parse(MINIMAL.replace("samples: 10", "samples: 0")))
        .hasMessage("test.yaml: samples: must be at least 1, got 0");
    assertThatThrownBy(() -> Fixtures.parse(MINIMAL.replace("samples: 10", "samples: many")))
        .hasMessage("test.yaml: samples: must be an integer, got 'many'");
    assertThatThrownBy(() -> Fixtures.parse(MINIMAL + "latency: {repeats: 3}\n"))
        .hasMessage("test.yaml: latency.repeats: must be at least 5, got 3");
    assertThatThrownBy(() -> Fixtures.parse(MINIMAL.replace("{type: none}", "{type: none, table: {a: 1}}")))
        .hasMessage("test.yaml: strategies.none.table: must be a single value or a list of values, got a map");
    assertThatThrownBy(() -> Fixtures.parse(MINIMAL.replace("{type: none}", "{type: none, layer: []}")))
        .hasMessage("test.yaml: strategies.none.layer: the list is empty; give at least one value");
    assertThatThrownBy(() -> Fixtures.parse(MINIMAL.replace("{type: none}", "{type: none, decision: per-image}")))
        .hasMessage("test.yaml: strategies.none.decision: must be per-sample or per-batch, got 'per-image'");
    assertThatThrownBy(() -> Fixtures.parse(MINIMAL.replace("{type: ddim}", "{type: ddim, decision: per-batch}")))
        .hasMessage("test.yaml: samplers.ddim.decision: 'decision' belongs to strategies, not samplers");
    assertThatThrownBy(() -> Fixtures.parse(MINIMAL.replace("uvit: {type", "u.vit: {type")))
        .hasMessage("test.yaml: backbones.u.vit: the id 'u.vit' must match [A-Za-z0-9][A-Za-z0-9_-]*");
    assertThatThrownBy(() -> Fixtures.parse(MINIMAL.replace("{type: none}", "{type: none, requires: {backbone: unet}}")))
        .hasMessage("test.yaml: strategies.none.requires.backbone: no backbone 'unet'; known: [uvit]");
  }

  @Test
  void unreadableInputFailsWithTheFileName(@TempDir Path dir) {
    assertThatThrownBy(() -> ExperimentParser.parse(dir.resolve("nope.yaml"), List.of()))
        .hasMessage("experiment file " + dir.resolve("nope.yaml") + " does not exist");
    assertThatThrownBy(() -> Fixtures.parse("name: [unclosed"))
        .hasMessageStartingWith("test.yaml: not valid YAML at line 1, column 16: ");
    assertThatThrownBy(() -> Fixtures.parse(""))
        .hasMessage("test.yaml: empty experiment; it needs at least name, samples, backbones, strategies and samplers");
  }

  @Test
  void readsAFileAndResolvesPathsAgainstItsFolder(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("e.yaml");
    Files.writeString(file, MINIMAL);
    Experiment e = ExperimentParser.parse(file, List.of());
    assertThat(e.resolve("ckpt")).isEqualTo(dir.toAbsolutePath().resolve("ckpt"));
  }

  @Test
  void setOverridesAnInstanceParameterWithAList() {
    Experiment e = Fixtures.parse(Fixtures.SMALL, "strategy.uem.threshold=0.90,0.95");
    InstanceSpec uem = e.strategies().get(2);
    assertThat(uem.params().get("threshold")).as("0.90 reads as YAML does").containsExactly("0.9", "0.95");
    assertThat(uem.listKeys()).containsExactly("threshold");
  }

  @Test
  void setWithOneValueKeepsAListAListAndAddsNewScalars() {
    Experiment e = Fixtures.parse(Fixtures.SMALL, "strategies.uem.threshold=0.8", "sampler.ddim10.eta=0");
    assertThat(e.strategies().get(2).params().get("threshold")).containsExactly("0.8");
    assertThat(e.strategies().get(2).listKeys()).containsExactly("threshold");
    assertThat(e.samplers().get(0).params().get("eta")).containsExactly("0");
    assertThat(e.samplers().get(0).listKeys()).isEmpty();
  }

  @Test
  void setOverridesTopLevelAndNestedSettings() {
    Experiment e = Fixtures.parse(Fixtures.SMALL, "samples=100", "batch.large=32", "latency.repeats=7");
    assertThat(e.samples()).isEqualTo(100);
    assertThat(e.largeBatch()).isEqualTo(32);
    assertThat(e.latencyRepeats()).isEqualTo(7);
  }

  @Test
  void setErrorsNameTheOverride() {
    assertThatThrownBy(() -> Fixtures.parse(Fixtures.SMALL, "strategy.uemm.threshold=0.9"))
        .hasMessage("--set strategy.uemm.threshold=0.9: no strategy 'uemm'; known: [fixed, none, uem]");
    assertThatThrownBy(() -> Fixtures.parse(Fixtures.SMALL, "strategy.uem"))
        .hasMessage("--set strategy.uem: write PATH=VALUE, e.g. strategy.uem.threshold=0.90,0.95");
    assertThatThrownBy(() -> Fixtures.parse(Fixtures.SMALL, "strategy.uem=0.9"))
        .hasMessage("--set strategy.uem=0.9: write strategy.ID.KEY=VALUE, e.g. strategy.uem.threshold=0.9");
    assertThatThrownBy(() -> Fixtures.parse(Fixtures.SMALL, "samples="))
        .hasMessage("--set samples=: the value is empty");
    assertThatThrownBy(() -> Fixtures.parse(Fixtures.SMALL, "sampels=3"))
        .hasMessageStartingWith("test.yaml: unknown key 'sampels'; known: [");
    assertThatThrownBy(() -> Fixtures.parse(Fixtures.SMALL, "samples.x=3"))
        .hasMessage("--set samples.x=3: 'samples' is not a map");
  }

  @Test
  void configHashIgnoresKeyOrderAndFollowsOverrides() {
    String reordered = """
        seed: 7
        name: small
        samples: 4
        batch: {large: 8}
        reference: {extractor: synthetic, stats: stats.npz}
        backbones:
          uvit: {checkpoint: ckpt/uvit, type: uvit}
        strategies:
          none: {type: none}
          fixed: {type: fixed, layer: [7, 11]}
          uem: {type: deediff, threshold: [0.5, 0.9], checkpoint: ckpt/uem}
        samplers:
          ddim10: {type: ddim, steps: 10}
          dpm5: {type: dpm-solver-2m, steps: 5}
        """;
    String hash = Fixtures.parse(Fixtures.SMALL).configHash();
    assertThat(hash).hasSize(64);
    assertThat(Fixtures.parse(reordered).configHash()).isEqualTo(hash);
    assertThat(Fixtures.parse(Fixtures.SMALL, "seed=8").configHash()).isNotEqualTo(hash);
  }

  @Test
  void shippedFashionMnistExperimentParsesIntoFortyCells() {
    Experiment e = ExperimentParser.parse(Path.of("../experiments/fmnist-compare.yaml"), List.of());
    Grid grid = Fixtures.grid(e);
    // 20 U-ViT DDIM-50 + 13 U-ViT DPM-20 + 7 U-Net DDIM-50 (the U-Net is limited to DDIM-50 by `requires`)
    assertThat(grid.cells()).hasSize(40);
    assertThat(grid.rejected()).allMatch(r -> r.reason().contains(" requires "));
    assertThat(grid.cells()).extracting(Cell::id).contains(
        "uvit/ddim50/uem[threshold=0.7]", "uvit/ddim50/uem-batch@per-batch", "unet/ddim50/unet-uem[threshold=0.3]");
    assertThat(e.samples()).isEqualTo(448);
    assertThat(e.sampleBatch()).isEqualTo(e.largeBatch());
  }
}
