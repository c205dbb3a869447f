package io.diffexit.harness.bench.inprocess;

import static org.assertj.core.api.Assertions.assertThat;

import io.diffexit.harness.bench.Component;
import io.diffexit.harness.bench.Experiment;
import io.diffexit.harness.bench.ExperimentParser;
import io.diffexit.harness.bench.Latency;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SamplingBenchWiringTest {

  @Test
  void largeBatchLatencyComesFromTheFullSamplingBatchesAfterTheFirst() {
    // 10 samples at batch 4: two full batches (0.8 s, 0.4 s) and a partial one that must not count; with one
    // warm-up batch only the second full batch remains: 0.4 s / 4 images = 100 ms per image.
    List<Double> seconds = List.of(0.8, 0.4, 0.1);
    Latency l = SamplingBenchWiring.fromSamplingBatches(seconds, List.of(), 10, 4, 1, 1).orElseThrow();
    assertThat(l.batchSize()).isEqualTo(4);
    assertThat(l.warmup()).isEqualTo(1);
    assertThat(l.repeats()).isEqualTo(1);
    assertThat(l.medianMs()).isCloseTo(100.0, org.assertj.core.data.Offset.offset(1e-9));
  }

  @Test
  void largeBatchLatencyUsesQuartilesOverTheRemainingBatches() {
    // 6 full batches of 2; skip 2 warm-ups; per-image times 10, 20, 30, 40 ms -> median 25, q1 17.5, q3 32.5 (type 7)
    List<Double> seconds = List.of(9.0, 9.0, 0.02, 0.04, 0.06, 0.08);
    Latency l = SamplingBenchWiring.fromSamplingBatches(seconds, List.of(), 12, 2, 2, 4).orElseThrow();
    assertThat(l.repeats()).isEqualTo(4);
    assertThat(l.medianMs()).isCloseTo(25.0, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(l.q1Ms()).isCloseTo(17.5, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(l.q3Ms()).isCloseTo(32.5, org.assertj.core.data.Offset.offset(1e-9));
  }

  @Test
  void largeBatchLatencyIsPacedByTheFullPassAfterEachBatch() {
    // 3 full batches of 2 and a partial one; the first is skipped. Batches of 0.2 s and 0.6 s, full passes after
    // them of 0.01 s and 0.02 s: 20 and 30 full passes per run -> median 25; full-pass median 15 ms.
    List<Double> seconds = List.of(9.0, 0.2, 0.6, 0.1);
    List<Double> passes = List.of(1.0, 0.01, 0.02, 0.005);
    Latency l = SamplingBenchWiring.fromSamplingBatches(seconds, passes, 7, 2, 1, 2).orElseThrow();
    assertThat(l.repeats()).isEqualTo(2);
    assertThat(l.paced().median()).isCloseTo(25.0, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(l.paced().q1()).isCloseTo(22.5, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(l.paced().fullPassMs()).isCloseTo(15.0, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(SamplingBenchWiring.fromSamplingBatches(seconds, List.of(), 7, 2, 1, 2).orElseThrow().paced()).isNull();
  }

  @Test
  void tooFewFullBatchesFallBackToSeparateRuns() {
    // 5 full batches, 1 skipped: 4 < 5 repeats asked for
    List<Double> seconds = List.of(1.0, 1.0, 1.0, 1.0, 1.0);
    assertThat(SamplingBenchWiring.fromSamplingBatches(seconds, List.of(), 20, 4, 1, 5)).isEmpty();
    // warm-up 0 still skips the first batch (it records the certainty maps)
    assertThat(SamplingBenchWiring.fromSamplingBatches(seconds, List.of(), 20, 4, 0, 4).orElseThrow().warmup()).isEqualTo(1);
  }

  @Test
  void dotRelativeParamsAreResolvedAgainstTheExperimentFolderAndTheCheckpointIsDropped() {
    Experiment e = ExperimentParser.parse("""
        name: paths
        samples: 4
        backbones: {b: {type: uvit, checkpoint: ck}}
        strategies: {s: {type: schedule, from: ./schedules/a.json}}
        samplers: {d: {type: ddim, steps: 2}}
        """, "paths.yaml", Path.of("/exp/dir"), List.of());
    Component c = new Component("strategy", "s", "schedule",
        Map.of("from", "./schedules/a.json", "checkpoint", "../ck", "table", "0-1000:3", "up", "../x"), List.of());
    var spec = SamplingBenchWiring.spec(c, e);
    assertThat(spec.name()).isEqualTo("schedule");
    assertThat(spec.params().asMap()).containsOnly(
        Map.entry("from", "/exp/dir/schedules/a.json"), Map.entry("table", "0-1000:3"), Map.entry("up", "/exp/x"));
  }
}
