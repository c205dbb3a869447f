package io.diffexit.harness.features;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * The Fashion-MNIST feature network: a small CNN classifier whose penultimate layer gives FID/KID features.
 *
 * <p>Layout (input (B, 1, 28, 28) in [0, 1], mapped to [−1, 1] inside): conv3×3·16 → ReLU → maxpool2 (14×14) →
 * conv3×3·32 → ReLU → maxpool2 (7×7) → conv3×3·64 → ReLU → maxpool2 (3×3) → flatten 576 → fc 128 → [features] →
 * ReLU → fc 10 (logits). The features are the fc-128 outputs <em>before</em> the ReLU: a ReLU output has units that are
 * exactly zero for whole sets of images, which makes the covariance rank-deficient; the pre-activation is full rank.
 * About 9.8 × 10⁴ parameters and 2.0 MMACs per image (kept small so it trains in minutes on 2 shared cores).
 */
public final class FmnistNet extends AbstractBlock {

  /** Feature dimension (width of the penultimate layer). */
  public static final int FEATURE_DIM = 128;
  /** Number of classes. */
  public static final int CLASSES = 10;
  /** Input shape of one image. */
  public static final Shape IMAGE_SHAPE = new Shape(1, 28, 28);

  private static final byte VERSION = 1;

  private final SequentialBlock trunk;
  private final Linear classifier;

  /** A fresh, uninitialized network. */
  public FmnistNet() {
    super(VERSION);
    trunk = addChildBlock("trunk", new SequentialBlock()
        .add(conv(16)).add(Activation.reluBlock()).add(Pool.maxPool2dBlock(new Shape(2, 2)))
        .add(conv(32)).add(Activation.reluBlock()).add(Pool.maxPool2dBlock(new Shape(2, 2)))
        .add(conv(64)).add(Activation.reluBlock()).add(Pool.maxPool2dBlock(new Shape(2, 2)))
        .add(Blocks.batchFlattenBlock())
        .add(Linear.builder().setUnits(FEATURE_DIM).build()));
    classifier = addChildBlock("classifier", Linear.builder().setUnits(CLASSES).build());
  }

  private static Conv2d conv(int filters) {
    return Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(filters).build();
  }

  /**
   * @param ps the parameter store
   * @param images (B, 1, 28, 28) in [0, 1]
   * @param training whether this is a training pass
   * @return (B, 128) penultimate pre-activation features
   */
  public NDArray features(ParameterStore ps, NDArray images, boolean training) {
    NDArray x = images.mul(2f).subi(1f);
    return trunk.forward(ps, new NDList(x), training).head();
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray f = features(ps, inputs.head(), training);
    return classifier.forward(ps, new NDList(Activation.relu(f)), training);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {new Shape(inputShapes[0].get(0), CLASSES)};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    trunk.initialize(manager, dataType, inputShapes[0]);
    classifier.initialize(manager, dataType, new Shape(inputShapes[0].get(0), FEATURE_DIM));
  }
}
