package io.diffexit.harness.fid;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.pooling.Pool;
import io.diffexit.api.FeatureExtractor;
import io.diffexit.harness.data.FashionMnist;
import io.diffexit.harness.data.ImageSet;
import io.diffexit.harness.features.FeatureExtractors;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** FID with the committed fmnist-net weights on real Fashion-MNIST images (1000 per set, so it stays fast). */
class FmnistNetFidTest {

  static final int N = 1000;
  static NDManager manager;
  static FeatureExtractor fx;
  static ImageSet test;
  static FeatureStats reference;
  static Features referenceFeatures;

  @BeforeAll
  static void start() {
    manager = NDManager.newBaseManager();
    fx = FeatureExtractors.create("fmnist-net", manager, FeatureExtractors.home());
    test = FashionMnist.load(null, FashionMnist.Split.TEST);
    // the reference is a disjoint part of the test split: images 5000..5999
    referenceFeatures = features(test, 5000, UnaryOperator.identity());
    reference = FeatureStats.of(referenceFeatures);
  }

  @AfterAll
  static void stop() {
    fx.close();
    manager.close();
  }

  /** Features of images [from, from + N) of {@code set}, each batch passed through {@code corrupt} first. */
  static Features features(ImageSet set, int from, UnaryOperator<NDArray> corrupt) {
    float[] out = new float[N * fx.dimension()];
    for (int start = 0; start < N; start += 250) {
      int[] idx = new int[250];
      for (int k = 0; k < idx.length; k++) {
        idx[k] = from + start + k;
      }
      try (NDManager sm = manager.newSubManager()) {
        NDArray f = fx.features(corrupt.apply(set.batchUnit(sm, idx)));
        System.arraycopy(f.toFloatArray(), 0, out, start * fx.dimension(), idx.length * fx.dimension());
      }
    }
    return new Features(out, N, fx.dimension(), set.name() + "@" + from);
  }

  /** FID of test images 0..999, corrupted as {@code key} names it, against the reference; features are cached. */
  static double fid(String key, UnaryOperator<NDArray> corrupt) {
    return FrechetDistance.of(FeatureStats.of(cached(key, corrupt)), reference);
  }

  static Features cached(String key, UnaryOperator<NDArray> corrupt) {
    return CACHE.computeIfAbsent(key, k -> features(test, 0, corrupt));
  }

  static final java.util.Map<String, Features> CACHE = new java.util.concurrent.ConcurrentHashMap<>();

  /** Adds N(0, σ²) noise (seeded) and clips to [0, 1]. */
  static UnaryOperator<NDArray> noise(double sigma) {
    return x -> {
      Random r = new Random(11);
      float[] z = new float[(int) x.size()];
      for (int i = 0; i < z.length; i++) {
        z[i] = (float) (sigma * r.nextGaussian());
      }
      return x.add(x.getManager().create(z, x.getShape())).clip(0f, 1f);
    };
  }

  /** Applies a 3×3 mean filter {@code times} times (a growing, roughly Gaussian blur). */
  static UnaryOperator<NDArray> blur(int times) {
    return x -> {
      NDArray y = x;
      for (int t = 0; t < times; t++) {
        y = Pool.avgPool2d(y, new Shape(3, 3), new Shape(1, 1), new Shape(1, 1), false, false);
      }
      return y;
    };
  }

  @Test
  void fidGrowsMonotonicallyWithGaussianNoise() {
    List<Double> f = new ArrayList<>();
    for (double sigma : new double[] {0, 0.1, 0.2, 0.4}) {
      f.add(fid(sigma == 0 ? "clean" : "noise" + sigma, noise(sigma)));
    }
    assertThat(f).isSortedAccordingTo(Double::compare).doesNotHaveDuplicates();
    assertThat(f.get(3)).isGreaterThan(5 * f.get(0));
  }

  @Test
  void fidGrowsMonotonicallyWithBlur() {
    List<Double> f = new ArrayList<>();
    for (int times : new int[] {0, 1, 3}) {
      f.add(fid(times == 0 ? "clean" : "blur" + times, blur(times)));
    }
    assertThat(f).isSortedAccordingTo(Double::compare).doesNotHaveDuplicates();
    assertThat(f.get(2)).isGreaterThan(2 * f.get(0));
  }

  @Test
  void trainImagesAreFarCloserToTestImagesThanNoiseIs() {
    ImageSet train = FashionMnist.load(null, FashionMnist.Split.TRAIN);
    double trainVsTest = FrechetDistance.of(FeatureStats.of(features(train, 0, UnaryOperator.identity())), reference);
    ImageSet noiseImages = FidSource.gaussianNoise(N, 0);
    double noiseVsTest =
        FrechetDistance.of(FeatureStats.of(features(noiseImages, 0, UnaryOperator.identity())), reference);
    assertThat(trainVsTest).isPositive();
    assertThat(trainVsTest).isLessThan(noiseVsTest / 20);
  }

  @Test
  void kidOfTwoHalvesOfTheTestSplitIsNearZeroAndOfNoisyImagesClearlyPositive() {
    Features clean = cached("clean", UnaryOperator.identity());
    Features other = referenceFeatures;
    Features noisy = cached("noise0.2", noise(0.2));
    KernelDistance.Estimate same = KernelDistance.compute(clean, other, 10, 500, 0);
    KernelDistance.Estimate far = KernelDistance.compute(noisy, other, 10, 500, 0);
    assertThat(Math.abs(same.mean())).isLessThan(3 * same.std() + 0.01 * far.mean());
    assertThat(far.mean()).isGreaterThan(10 * far.std());
  }
}
