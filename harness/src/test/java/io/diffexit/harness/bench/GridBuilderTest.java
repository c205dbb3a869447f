package io.diffexit.harness.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.diffexit.api.BackboneFactory;
import io.diffexit.api.DecisionMode;
import io.diffexit.api.ExitStrategyFactory;
import io.diffexit.api.FeatureExtractorFactory;
import io.diffexit.api.ParamSpec;
import io.diffexit.api.SamplerFactory;
import io.diffexit.harness.plugins.ComponentInfo;
import io.diffexit.harness.plugins.PluginProblem;
import io.diffexit.harness.plugins.Registry;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class GridBuilderTest {

  @Test
  void gridIsTheProductInWrittenOrderWithVariedValuesInIds() {
    Grid grid = Fixtures.grid(Fixtures.parse(Fixtures.SMALL));
    assertThat(grid.rejected()).isEmpty();
    assertThat(grid.cells()).extracting(Cell::id).containsExactly(
        "uvit/ddim10/none",
        "uvit/ddim10/fixed[layer=7]",
        "uvit/ddim10/fixed[layer=11]",
        "uvit/ddim10/uem[threshold=0.5]",
        "uvit/ddim10/uem[threshold=0.9]",
        "uvit/dpm5/none",
        "uvit/dpm5/fixed[layer=7]",
        "uvit/dpm5/fixed[layer=11]",
        "uvit/dpm5/uem[threshold=0.5]",
        "uvit/dpm5/uem[threshold=0.9]");
    Cell uem = grid.cells().get(4);
    assertThat(uem.strategy().params()).containsExactly(
        Map.entry("checkpoint", "ckpt/uem"), Map.entry("threshold", "0.9"));
    assertThat(uem.strategy().describe()).isEqualTo("deediff:checkpoint=ckpt/uem,threshold=0.9");
    assertThat(uem.strategy().toParams().owner()).isEqualTo("strategy 'uem' (deediff)");
    assertThat(uem.decision()).isEqualTo(DecisionMode.PER_SAMPLE);
    assertThat(uem.fileName()).as("sanitised id + sha256(id)[0:8]").isEqualTo("uvit_ddim10_uem_threshold=0.9_-2f53763f");
  }

  @Test
  void severalListParametersExpandFirstKeySlowest() {
    Experiment e = Fixtures.parse(Fixtures.SMALL.replace("threshold: [0.5, 0.9]", "threshold: [0.5, 0.9], patience: [0, 1]"));
    List<String> ids = Fixtures.grid(e).cells().stream().map(Cell::id).filter(i -> i.startsWith("uvit/ddim10/uem"))
        .toList();
    assertThat(ids).containsExactly(
        "uvit/ddim10/uem[threshold=0.5,patience=0]",
        "uvit/ddim10/uem[threshold=0.5,patience=1]",
        "uvit/ddim10/uem[threshold=0.9,patience=0]",
        "uvit/ddim10/uem[threshold=0.9,patience=1]");
  }

  @Test
  void requiresRejectsOtherCombinationsWithTheReason() {
    Experiment e = Fixtures.parse(Fixtures.SMALL.replace("{type: deediff,", "{type: deediff, requires: {sampler: [ddim10]},"));
    Grid grid = Fixtures.grid(e);
    assertThat(grid.cells()).hasSize(8);
    assertThat(grid.rejected()).containsExactly(
        new RejectedCell("uvit/dpm5/uem[threshold=0.5]", "strategy 'uem' requires sampler [ddim10], not 'dpm5'"),
        new RejectedCell("uvit/dpm5/uem[threshold=0.9]", "strategy 'uem' requires sampler [ddim10], not 'dpm5'"));
  }

  @Test
  void strategyCheckpointOfAnotherBackboneIsRejected() {
    String twoBackbones = Fixtures.SMALL.replace("uvit: {type: uvit, checkpoint: ckpt/uvit}",
        "uvit: {type: uvit, checkpoint: ckpt/uvit}\n  unet: {type: unet, checkpoint: ckpt/unet}");
    Experiment e = Fixtures.parse(twoBackbones);
    CheckpointProbe probe = p -> p.equals(Path.of("/exp/ckpt/uem")) ? Optional.of(Path.of("/exp/ckpt/uvit"))
        : Optional.empty();
    Grid grid = GridBuilder.build(e, probe, Fixtures.BUILT_IN);
    assertThat(grid.cells()).as("2 backbones x 2 samplers x 5 strategies, minus 4").hasSize(16);
    assertThat(grid.rejected()).hasSize(4).first().isEqualTo(new RejectedCell("unet/ddim10/uem[threshold=0.5]",
        "strategy 'uem' checkpoint ckpt/uem was trained on backbone checkpoint /exp/ckpt/uvit, not on backbone "
            + "'unet' (ckpt/unet)"));
  }

  @Test
  void aFinetuneOfAFinetuneFitsTheBackboneItsChainStartsFromAndTheRejectionNamesTheChain() {
    String twoBackbones = Fixtures.SMALL.replace("uvit: {type: uvit, checkpoint: ckpt/uvit}",
        "uvit: {type: uvit, checkpoint: ckpt/uvit}\n  unet: {type: unet, checkpoint: ckpt/unet}");
    Experiment e = Fixtures.parse(twoBackbones);
    // ckpt/uem continues ckpt/uem-heads (a frozen-trunk fine-tune), which was fine-tuned from ckpt/uvit
    Map<Path, Path> parents = Map.of(Path.of("/exp/ckpt/uem"), Path.of("/exp/ckpt/uem-heads"),
        Path.of("/exp/ckpt/uem-heads"), Path.of("/exp/ckpt/uvit"));
    CheckpointProbe probe = p -> Optional.ofNullable(parents.get(p));
    Grid grid = GridBuilder.build(e, probe, Fixtures.BUILT_IN);
    assertThat(grid.cells()).extracting(Cell::id).contains("uvit/ddim10/uem[threshold=0.5]");
    assertThat(grid.rejected()).hasSize(4).first().isEqualTo(new RejectedCell("unet/ddim10/uem[threshold=0.5]",
        "strategy 'uem' checkpoint ckpt/uem was trained on backbone checkpoint /exp/ckpt/uem-heads (fine-tuned from"
            + " /exp/ckpt/uvit), not on backbone 'unet' (ckpt/unet)"));
  }

  @Test
  void aParentChainThatLoopsEndsWithARejection() {
    Experiment e = Fixtures.parse(Fixtures.SMALL);
    Map<Path, Path> parents = Map.of(Path.of("/exp/ckpt/uem"), Path.of("/exp/ckpt/a"),
        Path.of("/exp/ckpt/a"), Path.of("/exp/ckpt/uem"));
    Grid grid = GridBuilder.build(e, p -> Optional.ofNullable(parents.get(p)), Fixtures.BUILT_IN);
    assertThat(grid.rejected()).first().isEqualTo(new RejectedCell("uvit/ddim10/uem[threshold=0.5]",
        "strategy 'uem' checkpoint ckpt/uem was trained on backbone checkpoint /exp/ckpt/a (fine-tuned from"
            + " /exp/ckpt/uem), not on backbone 'uvit' (ckpt/uvit)"));
  }

  @Test
  void perBatchDecisionIsRejectedWhereItEqualsPerSample() {
    Experiment e = Fixtures.parse(Fixtures.SMALL
        .replace("{type: fixed, layer: [7, 11]}", "{type: fixed, layer: 7, decision: [per-sample, per-batch]}")
        .replace("threshold: [0.5, 0.9]", "threshold: 0.9, decision: [per-sample, per-batch]"));
    Grid grid = Fixtures.grid(e);
    assertThat(grid.cells()).extracting(Cell::id).contains(
        "uvit/ddim10/fixed@per-sample", "uvit/ddim10/uem@per-sample", "uvit/ddim10/uem@per-batch");
    assertThat(grid.cells().stream().filter(c -> c.id().equals("uvit/ddim10/uem@per-batch")).findFirst().orElseThrow()
        .strategy().params()).doesNotContainKey("decision");
    assertThat(grid.rejected()).contains(new RejectedCell("uvit/ddim10/fixed@per-batch",
        "decision per-batch equals per-sample for strategy type 'fixed' (its exits do not depend on the sample)"));
  }

  @Test
  void baselinesAndDuplicatesFollowDeclaredTraitsNotNames() {
    // a plugin strategy "full" that declares it runs the full model, and "frozen" whose exits ignore the samples
    Experiment e = Fixtures.parse(Fixtures.SMALL
        .replace("none: {type: none}", "full: {type: full}\n  frozen: {type: frozen, decision: [per-sample, per-batch]}"));
    Grid grid = GridBuilder.build(e, CheckpointProbe.UNKNOWN, StrategyTraits.of(Set.of("full"), Set.of("frozen")));
    Cell uem = grid.cells().stream().filter(c -> c.id().equals("uvit/dpm5/uem[threshold=0.9]")).findFirst()
        .orElseThrow();
    assertThat(grid.baselineOf(uem).id()).isEqualTo("uvit/dpm5/full");
    assertThat(grid.rejected()).contains(new RejectedCell("uvit/ddim10/frozen@per-batch",
        "decision per-batch equals per-sample for strategy type 'frozen' (its exits do not depend on the sample)"));
    // without the declarations, a strategy named "none" is no baseline
    Grid unknown = GridBuilder.build(Fixtures.parse(Fixtures.SMALL), CheckpointProbe.UNKNOWN, StrategyTraits.UNKNOWN);
    assertThat(unknown.baselines()).isEmpty();
  }

  @Test
  void builtInFactoriesDeclareTheirTraits() {
    assertThat(List.of("none", "fixed", "schedule", "deediff", "similarity", "berxit", "oracle", "block-cache",
            "deepcache", "step-skip", "block-cache+deediff"))
        .filteredOn(Fixtures.BUILT_IN::runsFullModel).containsExactly("none");
    assertThat(List.of("none", "fixed", "schedule", "deediff", "similarity", "berxit", "oracle", "block-cache",
            "deepcache", "step-skip", "block-cache+deediff"))
        .filteredOn(Fixtures.BUILT_IN::decidesIndependentlyOfSamples).containsExactly("none", "fixed", "schedule");
  }

  @Test
  void duplicateCellIdsFail() {
    Experiment e = Fixtures.parse(Fixtures.SMALL.replace("layer: [7, 11]", "layer: [7, 7]"));
    assertThatThrownBy(() -> Fixtures.grid(e)).hasMessage("two cells have the id 'uvit/ddim10/fixed[layer=7]'; "
        + "give the instances distinct ids or write the differing parameter as a list");
  }

  @Test
  void cellHashChangesWithTheCellAndSharedSettingsOnly() {
    Experiment e = Fixtures.parse(Fixtures.SMALL);
    Cell none = Fixtures.grid(e).cells().get(0);
    String h = e.cellHash(none);
    Experiment otherStrategy = Fixtures.parse(Fixtures.SMALL, "strategy.uem.threshold=0.7");
    assertThat(otherStrategy.cellHash(Fixtures.grid(otherStrategy).cells().get(0)))
        .as("editing another instance keeps this cell's results valid").isEqualTo(h);
    Experiment moreSamples = Fixtures.parse(Fixtures.SMALL, "samples=5");
    assertThat(moreSamples.cellHash(Fixtures.grid(moreSamples).cells().get(0))).isNotEqualTo(h);
    Experiment otherSteps = Fixtures.parse(Fixtures.SMALL, "sampler.ddim10.steps=20");
    assertThat(otherSteps.cellHash(Fixtures.grid(otherSteps).cells().get(0))).isNotEqualTo(h);
  }

  @Test
  void checkAgainstRegistryRejectsUnknownTypesAndParameters() {
    Registry registry = new FakeRegistry();
    Experiment ok = Fixtures.parse(Fixtures.SMALL.replace("threshold: [0.5, 0.9]", "threshold: 0.9, decision: per-batch"));
    GridBuilder.checkAgainst(ok, registry);
    Experiment typo = Fixtures.parse(Fixtures.SMALL, "strategy.uem.treshold=0.9");
    assertThatThrownBy(() -> GridBuilder.checkAgainst(typo, registry))
        .hasMessage("strategies.uem: unknown parameter 'treshold' of exit strategy 'deediff'; known: "
            + "[checkpoint, patience, threshold]");
    Experiment unknownType = Fixtures.parse(Fixtures.SMALL, "sampler.dpm5.type=heun");
    assertThatThrownBy(() -> GridBuilder.checkAgainst(unknownType, registry))
        .hasMessage("samplers.dpm5: Unknown sampler 'heun'; known: [ddim, dpm-solver-2m]");
  }

  /** A registry of factories that only declare their parameters (creating them is not part of these tests). */
  private static final class FakeRegistry implements Registry {
    private static final Map<String, List<String>> STRATEGIES = Map.of(
        "none", List.of(), "fixed", List.of("layer"), "deediff", List.of("checkpoint", "threshold", "patience"));
    private static final Map<String, List<String>> SAMPLERS = Map.of(
        "ddim", List.of("steps", "eta"), "dpm-solver-2m", List.of("steps"));

    private static List<ParamSpec> specs(List<String> names) {
      return names.stream().map(n -> ParamSpec.required(n, n)).toList();
    }

    private static <T> T lookup(String kind, String name, Map<String, List<String>> known, T factory) {
      if (!known.containsKey(name)) {
        throw new IllegalArgumentException("Unknown " + kind + " '" + name + "'; known: " + new TreeSet<>(known.keySet()));
      }
      return factory;
    }

    @Override
    public BackboneFactory backbone(String name) {
      return lookup("backbone", name, Map.of("uvit", List.of()), new BackboneFactory() {
        @Override public String name() { return name; }
        @Override public String description() { return "fake"; }
        @Override public List<ParamSpec> params() { return specs(List.of("checkpoint")); }
        @Override public io.diffexit.api.Backbone create(io.diffexit.api.Params p, io.diffexit.api.BackboneContext c) {
          throw new UnsupportedOperationException("not used by these tests");
        }
      });
    }

    @Override
    public ExitStrategyFactory strategy(String name) {
      return lookup("exit strategy", name, STRATEGIES, new ExitStrategyFactory() {
        @Override public String name() { return name; }
        @Override public String description() { return "fake"; }
        @Override public List<ParamSpec> params() { return specs(STRATEGIES.get(name)); }
        @Override public io.diffexit.api.ExitStrategy create(io.diffexit.api.Params p, io.diffexit.api.StrategyContext c) {
          throw new UnsupportedOperationException("not used by these tests");
        }
      });
    }

    @Override
    public SamplerFactory sampler(String name) {
      return lookup("sampler", name, SAMPLERS, new SamplerFactory() {
        @Override public String name() { return name; }
        @Override public String description() { return "fake"; }
        @Override public List<ParamSpec> params() { return specs(SAMPLERS.get(name)); }
        @Override public io.diffexit.api.Sampler create(io.diffexit.api.Params p, io.diffexit.api.NoiseSchedule s) {
          throw new UnsupportedOperationException("not used by these tests");
        }
      });
    }

    @Override
    public FeatureExtractorFactory featureExtractor(String name) {
      throw new IllegalArgumentException("Unknown feature extractor '" + name + "'; known: []");
    }

    @Override
    public List<ComponentInfo> components() {
      return List.of();
    }

    @Override
    public List<PluginProblem> problems() {
      return List.of();
    }
  }
}
