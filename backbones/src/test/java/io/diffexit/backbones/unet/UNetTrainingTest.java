package io.diffexit.backbones.unet;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import io.diffexit.api.Pass;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Training through the Pass API: autograd reaches every parameter and Adam steps reduce L_simple. */
class UNetTrainingTest {

  private static final int BATCH = 8;
  private static final int T = 1000;

  /** @return ᾱ_t for DDPM's linear betas linspace(1e-4, 0.02, 1000) */
  private static float alphaBar(int t) {
    double prod = 1;
    for (int s = 0; s <= t; s++) {
      prod *= 1 - (1e-4 + (0.02 - 1e-4) * s / (T - 1));
    }
    return (float) prod;
  }

  /** A fixed noisy batch: x_t = sqrt(ᾱ) x0 + sqrt(1 − ᾱ) ε for timesteps spread over [0, 999]. */
  private record Batch(NDArray xt, NDArray t, NDArray eps) {}

  private static Batch batch(NDManager m, UNetConfig c) {
    NDArray x0 = UNetFixtures.images(m, c, BATCH, 1).tanh();
    NDArray eps = UNetFixtures.images(m, c, BATCH, 2);
    float[] t = new float[BATCH];
    float[] a = new float[BATCH];
    float[] s = new float[BATCH];
    for (int i = 0; i < BATCH; i++) {
      int step = i * (T - 1) / (BATCH - 1);
      t[i] = step;
      a[i] = (float) Math.sqrt(alphaBar(step));
      s[i] = (float) Math.sqrt(1 - alphaBar(step));
    }
    Shape col = new Shape(BATCH, 1, 1, 1);
    NDArray xt = x0.mul(m.create(a, col)).add(eps.mul(m.create(s, col)));
    return new Batch(xt, m.create(t), eps);
  }

  /** @return the ε-prediction MSE of every exit head, in the order of the exit points */
  private static List<NDArray> losses(UNetBackbone b, NDManager m, Batch data, boolean training) {
    Pass pass = b.begin(new ParameterStore(m, false), data.xt(), data.t(), training);
    List<NDArray> out = new ArrayList<>();
    while (pass.position() < pass.exitPoints() - 1) {
      pass.advance();
      out.add(pass.head().sub(data.eps()).square().mean());
    }
    return out;
  }

  @Test
  void everyParameterReceivesAFiniteNonZeroGradientFromTheLayerwiseLoss() {
    UNetConfig c = UNetConfig.fromParams(UNetFixtures.tinyParams());
    try (NDManager m = NDManager.newBaseManager();
        UNetBackbone b = new UNetBackbone(c, m, 1)) {
      UNetFixtures.randomize(b, 2);
      Batch data = batch(m, c);
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        List<NDArray> l = losses(b, m, data, true);
        NDArray total = l.get(0);
        for (int i = 1; i < l.size(); i++) {
          total = total.add(l.get(i));
        }
        gc.backward(total);
      }
      List<String> withoutGradient = new ArrayList<>();
      for (Pair<String, Parameter> p : b.block().getParameters()) {
        try (NDArray g = p.getValue().getArray().getGradient()) {
          float size = g.abs().sum().getFloat();
          if (!(size > 0f) || !Float.isFinite(size)) {
            withoutGradient.add(p.getKey() + "=" + size);
          }
          g.subi(g);
        }
      }
      assertThat(withoutGradient).isEmpty();
    }
  }

  @Test
  void adamStepsThroughThePassReduceLSimple() {
    UNetConfig c = UNetConfig.fromParams(UNetFixtures.tinyParams().with("base", 8));
    try (NDManager m = NDManager.newBaseManager();
        UNetBackbone b = new UNetBackbone(c, m, 1)) {
      Batch data = batch(m, c);
      Optimizer adam = Optimizer.adam().optLearningRateTracker(Tracker.fixed(3e-3f)).build();
      float first = Float.NaN;
      float last = Float.NaN;
      for (int step = 0; step < 20; step++) {
        try (NDManager stepManager = m.newSubManager()) {
          Batch d = new Batch(data.xt(), data.t(), data.eps());
          float loss;
          try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            List<NDArray> l = losses(b, stepManager, d, true);
            NDArray lSimple = l.get(l.size() - 1);
            loss = lSimple.getFloat();
            gc.backward(lSimple);
          }
          for (Pair<String, Parameter> p : b.block().getParameters()) {
            NDArray w = p.getValue().getArray();
            try (NDArray g = w.getGradient()) {
              adam.update(p.getValue().getId(), w, g);
              g.subi(g);
            }
          }
          if (step == 0) {
            first = loss;
          }
          last = loss;
        }
      }
      // zero-initialised output layer: the first prediction is 0, so L_simple starts at E[ε²] ≈ 1
      assertThat(first).isBetween(0.7f, 1.3f);
      assertThat(last).isLessThan(0.7f * first);
    }
  }
}
