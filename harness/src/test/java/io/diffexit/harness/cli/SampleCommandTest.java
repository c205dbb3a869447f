package io.diffexit.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.diffexit.api.BackboneContext;
import io.diffexit.api.BackboneSpec;
import io.diffexit.api.Params;
import io.diffexit.harness.plugins.Registries;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sample} and {@code demo} end to end on a real (tiny) U-ViT checkpoint made by {@code train} through the CLI:
 * the figures in the JSON summary are checked against the analytic cost model.
 */
class SampleCommandTest {

  private static final String BACKBONE = "uvit:dim=16,depth=3,heads=2,patch=7";

  @TempDir static Path dir;
  private static Path checkpoint;

  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    var cl = DiffexitCli.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return new Run(cl.execute(args), out.toString(), err.toString());
  }

  @BeforeAll
  static void trainTinyCheckpoint() {
    checkpoint = dir.resolve("tiny-uvit");
    Run r = run("train", "--backbone", BACKBONE, "--limit", "32", "--batch", "8", "--steps", "3", "--warmup", "1",
        "--threads", "1", "--out", checkpoint.toString());
    assertThat(r.code()).as(r.err()).isZero();
  }

  @Test
  void headErrorsPrintsEveryExitByTimestepAndWritesTheCsv() throws Exception {
    Path csv = dir.resolve("head-errors.csv");
    Run r = run("head-errors", checkpoint.toString(), "--timesteps", "0,999", "-n", "8", "--batch", "4",
        "--csv", csv.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).startsWith("eps-MSE by exit head, 8 test images of fashion-mnist/test, eps seed 0, ema weights");
    assertThat(r.out().lines().toList()).hasSize(4); // title, header, two timesteps
    assertThat(r.out().lines().toList().get(1)).contains("in0@1").contains("mid@2").contains("out0@3")
        .contains("x0-MSE last");
    List<String> rows = java.nio.file.Files.readAllLines(csv);
    assertThat(rows).hasSize(1 + 2 * 3);
    assertThat(rows.get(0)).isEqualTo("timestep,alpha_bar,exit,layer,eps_mse,eps_mse_ci95,x0_mse,against");
    assertThat(rows.get(1)).startsWith("0,").endsWith(",noise");
    Run fin = run("head-errors", checkpoint.toString(), "--timesteps", "500", "-n", "8", "--against", "final",
        "--csv", csv.toString());
    assertThat(fin.code()).as(fin.err()).isZero();
    assertThat(fin.out()).startsWith("mean square difference from the last head's eps by exit head, 8 test images");
    assertThat(fin.out().lines().toList().get(1)).contains("out0@3").doesNotContain("x0-MSE last");
    assertThat(fin.out().lines().toList().get(2)).contains(" 0.0000 ±0.0000"); // the last head against itself
    assertThat(java.nio.file.Files.readAllLines(csv)).hasSize(1 + 3).last().asString().endsWith(",final");
    Run badTarget = run("head-errors", checkpoint.toString(), "--against", "truth");
    assertThat(badTarget.code()).isNotZero();
    assertThat(badTarget.err()).isEqualTo("diffexit: --against must be noise or final, got 'truth'\n");
    Run bad = run("head-errors", checkpoint.toString(), "--weights", "best");
    assertThat(bad.code()).isNotZero();
    assertThat(bad.err()).contains("--weights must be ema or training, got 'best'");
  }

  @Test
  void sampleWritesGridSummaryAndExitStatisticsWithAnalyticCosts() throws Exception {
    Path out = dir.resolve("fixed");
    Run r = run("sample", checkpoint.toString(), "--strategy", "fixed:layer=2", "--sampler", "ddim:steps=3", "-n", "5",
        "--batch", "2", "--seed", "4", "--out", out.toString(), "--json");
    assertThat(r.code()).as(r.err()).isZero();
    JsonNode json = new ObjectMapper().readTree(r.out());
    BackboneSpec spec;
    try (var m = ai.djl.ndarray.NDManager.newBaseManager();
        var b = Registries.create(dir.resolve("none")).backbone("uvit")
            .create(Params.parse("dim=16,depth=3,heads=2,patch=7"), new BackboneContext(m, 0))) {
      spec = b.spec();
    }
    // fixed:layer=2 runs the embedding, the first two blocks and one head at each of the 3 steps.
    double expected = 3.0 * (spec.macsThrough(1) + spec.exitPoints().get(1).headMacs());
    assertThat(json.get("macsPerImage").asDouble()).isEqualTo(expected);
    assertThat(json.get("flopsPerImage").asDouble()).isEqualTo(2 * expected);
    assertThat(json.get("meanExitLayer").asDouble()).isEqualTo(2.0);
    assertThat(json.get("fullDepthMacsPerImage").asDouble()).isEqualTo(3.0 * spec.fullMacs());
    assertThat(json.get("samples").asInt()).isEqualTo(5);
    assertThat(json.get("batchSize").asInt()).isEqualTo(2);
    assertThat(json.get("seed").asLong()).isEqualTo(4);
    assertThat(json.get("decisionMode").asText()).isEqualTo("per-sample");
    assertThat(json.get("strategy").asText()).contains("fixed");
    assertThat(json.get("convention").asText()).contains("FLOPs = 2 x MACs");
    assertThat(out.resolve("samples.png")).exists();
    assertThat(out.resolve("summary.json")).exists();
    assertThat(Files.readAllLines(out.resolve("exit-stats.csv"))).hasSize(1 + 3);
  }

  @Test
  void theSameSeedGivesTheSameImagesWhateverTheBatchSize() throws Exception {
    Run a = run("sample", checkpoint.toString(), "--sampler", "ddim:steps=2", "-n", "3", "--batch", "3", "--out",
        dir.resolve("a").toString(), "--images");
    Run b = run("sample", checkpoint.toString(), "--sampler", "ddim:steps=2", "-n", "3", "--batch", "1", "--out",
        dir.resolve("b").toString(), "--images");
    assertThat(a.code()).as(a.err()).isZero();
    assertThat(b.code()).as(b.err()).isZero();
    for (int i = 0; i < 3; i++) {
      String name = String.format("images/sample-%05d.png", i);
      assertThat(Files.readAllBytes(dir.resolve("a").resolve(name)))
          .isEqualTo(Files.readAllBytes(dir.resolve("b").resolve(name)));
    }
  }

  @Test
  void aStrategyThatNeedsTrainingIsRefusedOnABaseCheckpoint() {
    Run r = run("sample", checkpoint.toString(), "--strategy", "deediff", "--out", dir.resolve("x").toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).isEqualTo("diffexit: exit strategy 'deediff' needs trained parameters, but checkpoint "
        + checkpoint + " was not fine-tuned for it; run `diffexit finetune " + checkpoint
        + " --strategy deediff` first\n");
  }

  @Test
  void unknownStrategyAndBadParametersAreOneLine() {
    Run unknown = run("sample", checkpoint.toString(), "--strategy", "fast");
    assertThat(unknown.code()).isEqualTo(2);
    assertThat(unknown.err()).startsWith("diffexit: Unknown exit strategy 'fast'; known: [")
        .contains("deediff", "fixed", "none").doesNotContain("\tat ");
    Run beyond = run("sample", checkpoint.toString(), "--strategy", "fixed:layer=9");
    assertThat(beyond.code()).isEqualTo(2);
    assertThat(beyond.err()).startsWith("diffexit: exit strategy 'fixed': parameter 'layer' must be in [1, 3]");
    Run device = run("sample", checkpoint.toString(), "--device", "tpu");
    assertThat(device.code()).isEqualTo(2);
    assertThat(device.err()).isEqualTo("diffexit: --device must be auto, cpu, gpu or gpuN, got 'tpu'\n");
    Run gpu = run("sample", checkpoint.toString(), "--device", "gpu7");
    assertThat(gpu.code()).isEqualTo(2);
    assertThat(gpu.err()).startsWith("diffexit: --device gpu7: the engine sees 0 GPU(s);");
    Run missing = run("sample", dir.resolve("nowhere").toString());
    assertThat(missing.code()).isEqualTo(2);
    assertThat(missing.err()).startsWith("diffexit: ").contains("nowhere").hasLineCount(1);
    Run maps = run("sample", checkpoint.toString(), "--uncertainty-maps", "-1");
    assertThat(maps.code()).isEqualTo(2);
    assertThat(maps.err()).isEqualTo(
        "diffexit: --uncertainty-maps must be 0 (none) or a number of samples, got -1\n");
    Path blocked = dir.resolve("a-file-not-a-folder");
    Run unwritable;
    try {
      java.nio.file.Files.writeString(blocked, "x");
      unwritable = run("sample", checkpoint.toString(), "--out", blocked.resolve("out").toString());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    assertThat(unwritable.code()).isEqualTo(2);
    assertThat(unwritable.err()).startsWith("diffexit: cannot write to --out " + blocked.resolve("out") + " (")
        .endsWith("); choose a writable folder\n").hasLineCount(1);
    Run plugins = run("sample", checkpoint.toString(), "--plugins", dir.resolve("no-plugins").toString());
    assertThat(plugins.err()).isEqualTo("diffexit: plugins folder " + dir.resolve("no-plugins") + " (--plugins) not"
        + " found; point --plugins at the folder holding the plugin jars\n");
  }

  @Test
  void demoPrintsNoneAndFixedExitsSideBySide() {
    Run r = run("demo", "--checkpoint", checkpoint.toString(), "-n", "2", "--batch", "2", "--sampler",
        "ddim:steps=2", "--out", dir.resolve("demo").toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("strategy", "GMACs/img", "GFLOPs/img", "MACs saved", "ms/img", "MSE vs none");
    assertThat(r.out()).containsPattern("none\\(full depth\\)\\s+3\\.00/3 ");
    assertThat(r.out()).containsPattern("fixed\\(layer=2\\)\\s+2\\.00/3 ");
    assertThat(r.out()).contains("FLOPs = 2 x MACs");
    assertThat(dir.resolve("demo").resolve("none").resolve("samples.png")).exists();
  }

  @Test
  void aDeeDiffFineTuneIsFoundAgainBySampleWithItsTrainedUemAndAnotherThreshold() throws Exception {
    Path tuned = dir.resolve("tiny-deediff");
    Run f = run("finetune", checkpoint.toString(), "--strategy", "deediff:threshold=0.9", "--limit", "32", "--batch",
        "8", "--steps", "2", "--warmup", "1", "--threads", "1", "--out", tuned.toString());
    assertThat(f.code()).as(f.err()).isZero();
    assertThat(tuned.resolve("strategy.params")).exists();
    // Threshold 0 exits every sample at its first eligible exit point; patience=0 makes that the first one.
    Run r = run("sample", tuned.toString(), "--strategy", "deediff:threshold=0,patience=0", "--sampler",
        "ddim:steps=2", "-n", "2", "--batch", "2", "--out", dir.resolve("tuned").toString(), "--json",
        "--uncertainty-maps", "1");
    assertThat(r.code()).as(r.err()).isZero();
    JsonNode json = new ObjectMapper().readTree(r.out());
    assertThat(json.get("strategy").asText()).contains("deediff").contains("threshold=0.0");
    assertThat(json.get("meanExitLayer").asDouble()).isEqualTo(1.0);
    assertThat(json.get("macsPerImageByCategory").get("strategy").asDouble()).isPositive();
    assertThat(dir.resolve("tuned").resolve("maps").resolve("sample-000.png")).exists();
  }

  @Test
  void demoWithoutAReferenceCheckpointTrainsAQuickOneWithinItsTimeBudget() {
    Path out = dir.resolve("demo-quick");
    String home = System.getProperty("diffexit.home");
    System.setProperty("diffexit.home", dir.resolve("empty-home").toString());
    try {
      Run r = run("demo", "--train-minutes", "0.1", "-n", "2", "--batch", "2", "--sampler", "ddim:steps=2", "--out",
          out.toString());
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.out()).contains("no checkpoint in").contains("training uvit:dim=64,depth=7")
          .containsPattern("trained \\d+ steps in").contains("none(full depth)", "fixed(layer=6)", "fixed(layer=5)");
      assertThat(out.resolve("uvit-quick").resolve("model-card.json")).exists();
      Run again = run("demo", "-n", "1", "--batch", "1", "--sampler", "ddim:steps=1", "--out", out.toString());
      assertThat(again.out()).contains("using the quick checkpoint of an earlier demo run");
    } finally {
      if (home == null) {
        System.clearProperty("diffexit.home");
      } else {
        System.setProperty("diffexit.home", home);
      }
    }
  }

  @Test
  void benchRunsRealCellsWithFidAndLatencyAndReportsThem() throws Exception {
    Path experiment = dir.resolve("tiny.yaml");
    Files.writeString(experiment, """
        name: tiny
        samples: 6
        seed: 1
        batch: {large: 3, sample: 3}
        latency: {warmup: 1, repeats: 5}
        reference: {stats: ref-test.npz, extractor: fmnist-net, split: test}
        backbones: {uvit: {type: uvit, checkpoint: tiny-uvit}}
        strategies:
          none: {type: none}
          fixed: {type: fixed, layer: 2}
          oops: {type: fixed, layer: 7}
        samplers: {ddim: {type: ddim, steps: 2}}
        """);
    Path results = dir.resolve("bench-out");
    Path stats = dir.resolve("ref-test.npz");
    Run bad = run("bench", experiment.toString(), "--out", results.toString());
    assertThat(bad.code()).as("checked before any cell runs").isEqualTo(2);
    assertThat(bad.err()).isEqualTo("diffexit: cannot run the experiment: reference: reference statistics " + stats
        + " not found; make them with `diffexit fid-stats --split test --extractor fmnist-net --out " + stats + "` or"
        + " fix reference.stats in the experiment\n"
        + "diffexit: cannot run cell uvit/ddim/oops: strategies.oops: exit strategy 'fixed': parameter 'layer' must be"
        + " in [1, 3], got 7\n"
        + "diffexit: the reference is unusable and 1 of 3 cells cannot run as written (listed above); fix the"
        + " experiment and run again (nothing was run)\n");
    assertThat(stats).as("missing reference statistics are not computed behind the user's back").doesNotExist();
    assertThat(results).doesNotExist();

    Run made = run("fid-stats", "--split", "test", "--limit", "500", "--out", stats.toString());
    assertThat(made.code()).as(made.err()).isZero();
    Files.writeString(experiment, Files.readString(experiment).replace("  oops: {type: fixed, layer: 7}\n", ""));
    Run r = run("bench", experiment.toString(), "--out", results.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("2 cells finished, 0 failed");
    List<String> lines = Files.readAllLines(results.resolve("results.jsonl"));
    assertThat(lines).hasSize(2);
    ObjectMapper json = new ObjectMapper();
    JsonNode fixed = lines.stream().map(l -> { try { return json.readTree(l); } catch (Exception e) {
      throw new IllegalStateException(e); } }).filter(n -> n.toString().contains("fixed[layer=2]") || n.toString()
        .contains("\"fixed\"")).findFirst().orElseThrow();
    assertThat(fixed.toString()).contains("fid", "fmnist-net", "latencyBatch1", "meanExitLayer");
    assertThat(results.resolve("report.md")).exists();
    assertThat(Files.readString(results.resolve("report.md"))).contains("fixed", "none");
  }
}
