package io.diffexit.harness.bench;

import java.nio.file.Path;
import java.util.List;

/** Experiments shared by the bench tests. */
final class Fixtures {

  private Fixtures() {}

  /** Two samplers × (none + 2 fixed + 2 deediff) on one backbone: 10 cells. */
  static final String SMALL = """
      name: small
      samples: 4
      seed: 7
      batch: {large: 8}
      reference: {stats: stats.npz, extractor: synthetic}
      backbones:
        uvit: {type: uvit, checkpoint: ckpt/uvit}
      strategies:
        none: {type: none}
        fixed: {type: fixed, layer: [7, 11]}
        uem: {type: deediff, checkpoint: ckpt/uem, threshold: [0.5, 0.9]}
      samplers:
        ddim10: {type: ddim, steps: 10}
        dpm5: {type: dpm-solver-2m, steps: 5}
      """;

  static Experiment parse(String yaml, String... overrides) {
    return ExperimentParser.parse(yaml, "test.yaml", Path.of("/exp"), List.of(overrides));
  }
}
