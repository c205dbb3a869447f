package io.diffexit.harness.train.testkit;

import io.diffexit.harness.data.FashionMnist;
import io.diffexit.harness.data.ImageSet;
import io.diffexit.harness.checkpoint.TrainingConfig;
import io.diffexit.harness.train.TrainingData;

/** Shared test inputs: real Fashion-MNIST (read once), small configs. */
public final class Fixtures {

  private static ImageSet train;

  private Fixtures() {}

  /** @return the first {@code n} Fashion-MNIST training images from Debian's folder */
  public static synchronized TrainingData fashionMnist(int n) {
    if (train == null) {
      train = FashionMnist.load(null, FashionMnist.Split.TRAIN);
    }
    return new TrainingData(train.head(n), FashionMnist.DEFAULT_DIR, "train");
  }

  /** @return a config for a few quick steps: batch 8, lr 2e-3, warm-up 2, no periodic checkpoints */
  public static TrainingConfig quick(int steps) {
    return TrainingConfig.defaults().withSteps(steps).withBatch(8).withLr(2e-3).withWarmup(2)
        .withCheckpointEvery(0).withSeed(7);
  }

  /** @return every parameter of {@code block} by name, as float values */
  public static java.util.Map<String, float[]> parameters(ai.djl.nn.Block block) {
    java.util.Map<String, float[]> out = new java.util.TreeMap<>();
    block.getParameters().forEach(p -> out.put(p.getKey(), p.getValue().getArray().toFloatArray()));
    return out;
  }
}
