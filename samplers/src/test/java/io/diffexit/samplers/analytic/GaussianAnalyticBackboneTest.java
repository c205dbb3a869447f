package io.diffexit.samplers.analytic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.diffexit.api.Backbone;
import io.diffexit.api.BackboneContext;
import io.diffexit.api.BackboneSpec;
import io.diffexit.api.HiddenLayout;
import io.diffexit.api.NoiseSchedule;
import io.diffexit.api.Params;
import io.diffexit.api.Pass;
import io.diffexit.samplers.schedule.NoiseSchedules;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GaussianAnalyticBackboneTest {

  private final NDManager manager = NDManager.newBaseManager();
  private final AnalyticBackboneFactory factory = new AnalyticBackboneFactory();

  @AfterEach
  void close() {
    manager.close();
  }

  private Backbone create(String params) {
    return factory.create(Params.parse(params), new BackboneContext(manager, 0));
  }

  @Test
  void lastExitPointIsTheOptimalNoisePredictionPerChannel() {
    Backbone b = create("mean=0.5;-0.25,std=0.3;0.8,channels=2,height=1,width=2,exit-points=2");
    NoiseSchedule linear = NoiseSchedules.ddpmLinear();
    float[] x = {0.7f, -1.1f, 0.2f, 1.9f, -0.4f, 0.0f, 2.5f, -0.6f};   // (2 samples, 2 channels, 1, 2)
    float[] t = {120f, 850f};
    Pass pass = b.begin(null, manager.create(x, new Shape(2, 2, 1, 2)), manager.create(t), false);
    pass.advance();
    pass.advance();
    float[] eps = pass.head().toFloatArray();
    double[] mean = {0.5, -0.25};
    double[] std = {0.3, 0.8};
    for (int i = 0; i < 8; i++) {
      int sample = i / 4;
      int ch = (i / 2) % 2;
      double ab = linear.alphaBar((int) t[sample]);
      double expected = Math.sqrt(1 - ab) * (x[i] - Math.sqrt(ab) * mean[ch]) / (ab * std[ch] * std[ch] + 1 - ab);
      assertThat((double) eps[i]).isCloseTo(expected, within(1e-5));
    }
  }

  @Test
  void earlierExitPointsAddAShrinkingTanhError() {
    Backbone b = create("exit-points=3,error-scale=0.4,height=2,width=2");
    float[] x = {0.3f, -1.2f, 2.0f, 0.5f};
    NDArray xs = manager.create(x, new Shape(1, 1, 2, 2));
    NDArray t = manager.create(new float[] {500f});
    Pass pass = b.begin(null, xs, t, false);
    float[][] heads = new float[3][];
    for (int i = 0; i < 3; i++) {
      NDArray hidden = pass.advance();
      heads[i] = pass.head().toFloatArray();
      assertThat(hidden.toFloatArray()).containsExactly(heads[i]);
      assertThat(pass.position()).isEqualTo(i);
    }
    for (int j = 0; j < 4; j++) {
      assertThat((double) (heads[0][j] - heads[2][j])).isCloseTo(0.4 * Math.tanh(x[j]), within(1e-6));
      assertThat((double) (heads[1][j] - heads[2][j])).isCloseTo(0.2 * Math.tanh(x[j]), within(1e-6));
    }
    assertThatThrownBy(pass::advance).isInstanceOf(IllegalStateException.class)
        .hasMessage("backbone 'analytic': the pass already stands at the last exit point 2");
  }

  @Test
  void retainKeepsOnlySelectedSamplesAndTheirPredictions() {
    Backbone b = create("height=1,width=1,exit-points=2");
    NDArray x = manager.create(new float[] {0.1f, 0.2f, 0.3f}, new Shape(3, 1, 1, 1));
    NDArray t = manager.create(new float[] {10f, 500f, 990f});
    Pass full = b.begin(null, x, t, false);
    full.advance();
    full.advance();
    float[] all = full.head().toFloatArray();
    Pass pass = b.begin(null, x, t, false);
    pass.advance();
    pass.retain(manager.create(new boolean[] {true, false, true}));
    assertThat(pass.active()).isEqualTo(2);
    pass.advance();
    assertThat(pass.head().toFloatArray()).containsExactly(all[0], all[2]);
    assertThatThrownBy(() -> pass.retain(manager.create(new boolean[] {true})))
        .hasMessage("backbone 'analytic': retain needs a boolean mask of shape (2), got boolean (1)");
  }

  @Test
  void specDescribesTheNominalCostModelAndRebuildsFromItsConfig() {
    Backbone b = create("channels=3,height=2,width=5,exit-points=4,schedule=vp-sde");
    BackboneSpec spec = b.spec();
    assertThat(spec.exitPoints()).hasSize(4);
    assertThat(spec.embedMacs()).isEqualTo(30);
    assertThat(spec.exitPoints().get(2).segmentMacs()).isEqualTo(30);
    assertThat(spec.exitPoints().get(2).headMacs()).isEqualTo(30);
    assertThat(spec.exitPoints().get(2).layer()).isEqualTo(3);
    assertThat(spec.exitPoints().get(0).layout()).isEqualTo(HiddenLayout.featureMap(1, 2, 5, 3));
    assertThat(spec.fullMacs()).isEqualTo(30 + 4 * 30 + 30);
    assertThat(spec.parameterCount()).isZero();
    assertThat(b.block().getParameters().isEmpty()).isTrue();
    assertThat(spec.config().get("schedule")).hasValue("vp-sde(beta0=0.1;beta1=20;T=1000)");
    Backbone again = factory.create(Params.parse(spec.config().toString()), new BackboneContext(manager, 1));
    assertThat(again.spec()).isEqualTo(spec);
    assertThat(((GaussianAnalyticBackbone) again).schedule().name()).isEqualTo(NoiseSchedules.vpSde().name());
  }

  @Test
  void badParametersAndInputsAreRefusedClearly() {
    assertThatThrownBy(() -> create("std=0"))
        .hasMessage("backbone 'analytic': parameter 'std' must be > 0, got '0'");
    assertThatThrownBy(() -> create("channels=2,mean=1;2;3"))
        .hasMessage("backbone 'analytic': parameter 'mean' needs 1 or 2 values separated by ';', got 3");
    assertThatThrownBy(() -> create("error-scale=-1"))
        .hasMessage("backbone 'analytic': parameter 'error-scale' must be >= 0, got -1.0");
    assertThatThrownBy(() -> create("schedule=sigmoid"))
        .hasMessageStartingWith("backbone 'analytic': parameter 'schedule': noise schedule 'sigmoid': unknown kind");
    assertThatThrownBy(() -> create("depth=3")).hasMessageStartingWith("backbone 'analytic': unknown parameter 'depth'");
    Backbone b = create("");
    assertThatThrownBy(() -> b.begin(null, manager.zeros(new Shape(1, 1, 3, 3)), manager.zeros(new Shape(1)), false))
        .hasMessage("backbone 'analytic': input must have shape (B, 1, 4, 4), got (1, 1, 3, 3)");
    assertThatThrownBy(() -> b.begin(null, manager.zeros(new Shape(2, 1, 4, 4)), manager.zeros(new Shape(1)), false))
        .hasMessage("backbone 'analytic': time input must have shape (2), got (1)");
    Pass pass = b.begin(null, manager.zeros(new Shape(1, 1, 4, 4)), manager.zeros(new Shape(1)), false);
    assertThatThrownBy(pass::head).hasMessage("backbone 'analytic': call advance() before head()");
  }
}
