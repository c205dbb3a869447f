package io.diffexit.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.diffexit.harness.bench.CellRecord;
import io.diffexit.harness.bench.CellResult;
import io.diffexit.harness.bench.Manifest;
import io.diffexit.harness.bench.ResultStore;
import io.diffexit.harness.cli.DiffexitCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code diffexit bench --engine spark} on an embedded {@code local[2]} against the in-process engine, on a tiny U-ViT
 * trained here: the same FID/KID (1e-9 relative), MACs, exits and sample grids; a failed shard retried; a missing
 * checkpoint failing with the same one-line error.
 */
class SparkBenchTest {

  @TempDir static Path dir;
  private static Path experiment;

  record Run(int code, String out, String err) {}

  static Run cli(String... args) {
    var cl = DiffexitCli.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return new Run(cl.execute(args), out.toString(), err.toString());
  }

  @BeforeAll
  static void tinyCheckpointAndExperiment() throws Exception {
    Path checkpoint = dir.resolve("tiny-uvit");
    Run r = cli("train", "--backbone", "uvit:dim=16,depth=3,heads=2,patch=7", "--limit", "32", "--batch", "8",
        "--steps", "3", "--warmup", "1", "--threads", "1", "--out", checkpoint.toString());
    assertThat(r.code()).as(r.err()).isZero();
    Path home = io.diffexit.harness.features.FeatureExtractors.home();
    // 160 samples in batches of 32: more samples than fmnist-net's 128 features, so the covariance has full rank;
    // shards of 40 samples round up to 64, giving shards [0, 64), [64, 128), [128, 160).
    experiment = dir.resolve("four.yaml");
    Files.writeString(experiment, """
        name: four
        samples: 160
        seed: 3
        batch: {large: 4, sample: 32}
        latency: {warmup: 1, repeats: 5}
        reference: {stats: %s, extractor: fmnist-net, split: test}
        backbones: {tiny: {type: uvit, checkpoint: tiny-uvit}}
        strategies:
          none: {type: none}
          fixed: {type: fixed, layer: [1, 2]}
          similarity: {type: similarity, threshold: 0.5}
        samplers: {ddim: {type: ddim, steps: 3}}
        """.formatted(home.resolve("models/fmnist-net/fashion-mnist-test-stats.npz")));
  }

  private static Map<String, CellRecord> records(Path results) {
    Map<String, CellRecord> m = new LinkedHashMap<>();
    for (CellRecord r : ResultStore.readLatest(results)) {
      m.put(r.cellId(), r);
    }
    return m;
  }

  @Test
  void fourCellsOnLocal2GiveTheLocalEnginesFidMacsAndExits() throws Exception {
    Path local = dir.resolve("local");
    Path spark = dir.resolve("spark");
    long t0 = System.nanoTime();
    Run a = cli("bench", experiment.toString(), "--out", local.toString());
    long t1 = System.nanoTime();
    Run b = cli("bench", experiment.toString(), "--out", spark.toString(), "--engine", "spark", "--master",
        "local[2]", "--shard-samples", "40");
    long t2 = System.nanoTime();
    assertThat(a.code()).as(a.err()).isZero();
    assertThat(b.code()).as(b.err()).isZero();
    assertThat(b.out()).startsWith("4 cells finished, 0 failed");
    Map<String, CellRecord> in = records(local);
    Map<String, CellRecord> out = records(spark);
    assertThat(out.keySet()).containsExactlyElementsOf(in.keySet()).hasSize(4);
    double worstFid = 0;
    double worstKid = 0;
    for (String id : in.keySet()) {
      CellResult x = in.get(id).result();
      CellResult y = out.get(id).result();
      assertThat(y.macsPerImage()).as(id).isEqualTo(x.macsPerImage());
      assertThat(y.macsByStep()).as(id).containsExactly(x.macsByStep());
      assertThat(y.macsByCategory()).as(id).isEqualTo(x.macsByCategory());
      assertThat(y.exitHistogram()).as(id).isDeepEqualTo(x.exitHistogram());
      assertThat(y.meanExitLayer()).as(id).isEqualTo(x.meanExitLayer());
      assertThat(y.modelTimes()).as(id).containsExactly(x.modelTimes());
      assertThat(y.quality().samples()).isEqualTo(160);
      double fid = Math.abs(y.quality().fid() - x.quality().fid()) / x.quality().fid();
      double kid = Math.abs(y.quality().kid() - x.quality().kid()) / Math.abs(x.quality().kid());
      assertThat(fid).as(id + " FID " + x.quality().fid() + " vs " + y.quality().fid()).isLessThan(1e-9);
      assertThat(kid).as(id + " KID " + x.quality().kid() + " vs " + y.quality().kid()).isLessThan(1e-9);
      worstFid = Math.max(worstFid, fid);
      worstKid = Math.max(worstKid, kid);
      // the grids show the same 64 images, and the exit statistics are the same file
      assertThat(Files.readAllBytes(spark.resolve(y.sampleGrid()))).as(id)
          .isEqualTo(Files.readAllBytes(local.resolve(x.sampleGrid())));
      Path cell = Path.of(x.sampleGrid()).getParent();
      assertThat(Files.readAllLines(spark.resolve(cell).resolve("exit-stats.csv")))
          .isEqualTo(Files.readAllLines(local.resolve(cell).resolve("exit-stats.csv")));
      assertThat(y.latencyBatch1().paced()).isNotNull();
      assertThat(y.latencyLarge().batchSize()).isEqualTo(4);
    }
    Manifest m = ResultStore.readManifest(spark).orElseThrow();
    assertThat(m.engine()).startsWith("spark local[2,4]: 1 executor(s)");
    assertThat(ResultStore.readManifest(local).orElseThrow().engine()).isEqualTo("in-process");
    assertThat(Files.readString(spark.resolve("report.md"))).contains("Engine: spark local[2,4]");
    System.out.printf("local vs spark local[2]: max relative FID difference %.3g, KID %.3g over 4 cells; wall %.1f s "
        + "local, %.1f s spark%n", worstFid, worstKid, (t1 - t0) / 1e9, (t2 - t1) / 1e9);

    // resume: a second spark run finds every cell finished and runs nothing
    Run again = cli("bench", experiment.toString(), "--out", spark.toString(), "--engine", "spark", "--master",
        "local[2]");
    assertThat(again.code()).as(again.err()).isZero();
    assertThat(again.out()).startsWith("0 cells finished, 0 failed, 4 already done");
  }

  @Test
  void aShardThatFailsIsRetriedAndTheCellStillCompletes() throws Exception {
    Path out = dir.resolve("retry");
    int before = FailsOncePlugin.FAILURES.get();
    Path yaml = dir.resolve("flaky.yaml");
    Files.writeString(yaml, Files.readString(experiment).replace(
        "  fixed: {type: fixed, layer: [1, 2]}\n  similarity: {type: similarity, threshold: 0.5}\n",
        "  flaky: {type: fails-once}\n"));
    Run r = cli("bench", yaml.toString(), "--out", out.toString(), "--engine", "spark", "--master", "local[2]",
        "--shard-samples", "64");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(FailsOncePlugin.FAILURES.get() - before).as("shard 1 failed once").isEqualTo(1);
    Map<String, CellRecord> rec = records(out);
    CellResult flaky = rec.get("tiny/ddim/flaky").result();
    CellResult none = rec.get("tiny/ddim/none").result();
    // never exiting, it costs what `none` costs, sample for sample
    assertThat(flaky.macsPerImage()).isEqualTo(none.macsPerImage());
    assertThat(flaky.exitHistogram()).isDeepEqualTo(none.exitHistogram());
    assertThat(flaky.quality().fid()).isCloseTo(none.quality().fid(), within(1e-9 * none.quality().fid()));
  }

  @Test
  void aMissingCheckpointIsRefusedBeforeAnyCellRunsWithTheSameLineAsLocally() throws Exception {
    Path yaml = dir.resolve("missing.yaml");
    Files.writeString(yaml, Files.readString(experiment).replace("checkpoint: tiny-uvit", "checkpoint: nowhere")
        .replace("  fixed: {type: fixed, layer: [1, 2]}\n  similarity: {type: similarity, threshold: 0.5}\n", ""));
    Run a = cli("bench", yaml.toString(), "--out", dir.resolve("missing-local").toString());
    Run b = cli("bench", yaml.toString(), "--out", dir.resolve("missing-spark").toString(), "--engine", "spark",
        "--master", "local[2]");
    // both engines check every cell before any runs: the same one-line refusal, nothing run, nothing recorded
    assertThat(a.code()).isEqualTo(2);
    assertThat(b.code()).isEqualTo(2);
    assertThat(a.err()).contains("diffexit: cannot run cell tiny/ddim/none: ").contains("nowhere");
    assertThat(b.err()).isEqualTo(a.err());
    assertThat(dir.resolve("missing-spark").resolve("results.jsonl")).doesNotExist();
  }

  @Test
  void unknownOptionsAndBadShardSizesAreOneLineErrors() {
    Run local = cli("bench", experiment.toString(), "--out", dir.resolve("x").toString(), "--master", "local[2]");
    assertThat(local.code()).isEqualTo(2);
    assertThat(local.err()).isEqualTo("diffexit: --master needs a distributed engine (--engine spark); the local "
        + "engine runs the cells in this process\n");
    Run shard = cli("bench", experiment.toString(), "--out", dir.resolve("y").toString(), "--engine", "spark",
        "--shard-samples", "0");
    assertThat(shard.code()).isEqualTo(2);
    assertThat(shard.err()).isEqualTo("diffexit: --shard-samples must be a whole number of at least 1, got '0'\n");
    Run unknown = cli("bench", experiment.toString(), "--engine", "ray");
    assertThat(unknown.code()).isEqualTo(2);
    assertThat(unknown.err()).isEqualTo("diffexit: unknown --engine 'ray'; known: [local, spark]\n");
  }

  @Test
  void localMastersGetTheClusterRetryCountAndShardsAreWholeBatches() {
    assertThat(SparkBenchWiring.withRetries("local[2]", 4)).isEqualTo("local[2,4]");
    assertThat(SparkBenchWiring.withRetries("local[*]", 3)).isEqualTo("local[*,3]");
    assertThat(SparkBenchWiring.withRetries("local", 4)).isEqualTo("local[1,4]");
    assertThat(SparkBenchWiring.withRetries("local[2,1]", 4)).isEqualTo("local[2,1]");
    assertThat(SparkBenchWiring.withRetries("spark://h:7077", 4)).isEqualTo("spark://h:7077");
    // 10 samples in batches of 3, shards of 4 wanted -> 6 (two batches): [0, 6), [6, 10)
    List<int[]> s = WorkUnits.shards(10, 3, 4);
    assertThat(s).hasSize(2);
    assertThat(s.get(0)).containsExactly(0, 6);
    assertThat(s.get(1)).containsExactly(6, 4);
    assertThat(WorkUnits.shards(5, 8, 256)).singleElement().satisfies(r -> assertThat(r).containsExactly(0, 5));
  }
}
