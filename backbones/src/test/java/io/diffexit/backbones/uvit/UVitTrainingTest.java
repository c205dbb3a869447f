package io.diffexit.backbones.uvit;

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
import io.diffexit.api.Pass;
import java.util.List;
import org.junit.jupiter.api.Test;

class UVitTrainingTest {

  @Test
  void adamStepsThroughThePassReduceTheSimpleLossOnAFixedBatch() {
    try (NDManager root = NDManager.newBaseManager();
        UVitBackbone backbone = TinyUVit.create(root, 3)) {
      ParameterStore ps = new ParameterStore(root, false);
      Optimizer adam = Optimizer.adam().optLearningRateTracker(Tracker.fixed(5e-3f)).build();
      List<Parameter> params = backbone.block().getParameters().values();
      // fixed batch: x_t = sqrt(abar) x0 + sqrt(1 - abar) eps with abar per sample; the target is eps
      NDArray x0 = TinyUVit.images(root, 8, 10).tanh();
      NDArray eps = TinyUVit.images(root, 8, 11);
      float[] abar = {0.99f, 0.9f, 0.8f, 0.6f, 0.4f, 0.2f, 0.1f, 0.02f};
      NDArray a = root.create(abar).reshape(8, 1, 1, 1);
      NDArray xt = x0.mul(a.sqrt()).add(eps.mul(a.neg().add(1f).sqrt()));
      NDArray t = root.create(new float[] {10, 100, 200, 350, 500, 650, 800, 950});

      float first = Float.NaN;
      float last = Float.NaN;
      for (int step = 0; step < 30; step++) {
        try (NDManager sm = root.newSubManager()) {
          NDArray x = xt.duplicate();
          x.attach(sm);
          NDArray time = t.duplicate();
          time.attach(sm);
          float loss;
          try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            Pass pass = backbone.begin(ps, x, time, true);
            for (int i = 0; i < pass.exitPoints(); i++) {
              pass.advance();
            }
            NDArray l = pass.head().sub(eps).square().mean();
            gc.backward(l);
            loss = l.getFloat();
          }
          for (Parameter p : params) {
            NDArray g = p.getArray().getGradient();
            g.attach(sm);
            adam.update(p.getId(), p.getArray(), g);
          }
          if (step == 0) {
            first = loss;
          }
          last = loss;
        }
      }
      assertThat(first).isGreaterThan(0.5f);
      assertThat(last).isLessThan(0.8f * first);
      assertThat(root.zeros(new Shape(1)).getShape().size()).isEqualTo(1);
    }
  }
}
