package io.diffexit.harness.diagnose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import io.diffexit.api.Backbone;
import io.diffexit.api.BackboneContext;
import io.diffexit.api.Params;
import io.diffexit.harness.data.ImageSet;
import io.diffexit.harness.train.testkit.Fixtures;
import io.diffexit.harness.train.testkit.TestRegistry;
import io.diffexit.testkit.LinearSchedule;
import java.util.List;
import org.junit.jupiter.api.Test;

class HeadErrorsTest {

  static final LinearSchedule SCHEDULE = new LinearSchedule(1000);

  @Test
  void everyExitGetsAnErrorPerTimestepReproduciblyWithTheImpliedX0Error() {
    ImageSet images = Fixtures.fashionMnist(12).images();
    try (NDManager m = NDManager.newBaseManager();
        Backbone b = new TestRegistry().backbone("tiny").create(Params.parse("channels=6,depth=3"),
            new BackboneContext(m, 0))) {
      int[] ts = {0, 500, 999};
      List<HeadErrors.Row> rows = HeadErrors.measure(b, SCHEDULE, images, 12, ts, 5, 7, m);
      List<HeadErrors.Row> again = HeadErrors.measure(b, SCHEDULE, images, 12, ts, 5, 7, m);
      assertThat(rows).extracting(HeadErrors.Row::timestep).containsExactly(0, 500, 999);
      for (int i = 0; i < rows.size(); i++) {
        HeadErrors.Row r = rows.get(i);
        assertThat(r.epsMse()).hasSize(b.spec().exitPoints().size()).containsExactly(again.get(i).epsMse());
        assertThat(r.alphaBar()).isEqualTo(SCHEDULE.alphaBar(ts[i]));
        for (int e = 0; e < r.epsMse().length; e++) {
          assertThat(r.epsMse()[e]).isPositive();
          assertThat(r.epsMseHalfWidth()[e]).isPositive();
          assertThat(r.x0Mse()[e]).isCloseTo(r.epsMse()[e] * (1 - r.alphaBar()) / r.alphaBar(), within(1e-12));
        }
      }
    }
  }

  @Test
  void againstTheFinalHeadEachExitGetsItsMeanSquareDistanceFromTheLastHeadOnTheSameNoise() {
    ImageSet images = Fixtures.fashionMnist(6).images();
    try (NDManager m = NDManager.newBaseManager();
        Backbone b = new TestRegistry().backbone("tiny").create(Params.parse("channels=6,depth=3"),
            new BackboneContext(m, 0))) {
      int t = 300;
      HeadErrors.Row row = HeadErrors.measure(b, SCHEDULE, images, 6, new int[] {t}, 6, 7,
          HeadErrors.Target.FINAL_HEAD, m).get(0);
      // by hand: the same seeded eps, one pass, every head against the last
      ai.djl.pytorch.jni.JniUtils.setSeed(7);
      double ab = SCHEDULE.alphaBar(t);
      var x0 = images.batch(m, new int[] {0, 1, 2, 3, 4, 5});
      var eps = m.randomNormal(x0.getShape());
      var xt = x0.mul((float) Math.sqrt(ab)).add(eps.mul((float) Math.sqrt(1 - ab)));
      float mt = (float) SCHEDULE.modelTime(SCHEDULE.timeOfIndex(t));
      io.diffexit.api.Pass pass = b.begin(new ai.djl.training.ParameterStore(m, false), xt,
          m.create(new float[] {mt, mt, mt, mt, mt, mt}), false);
      List<ai.djl.ndarray.NDArray> heads = new java.util.ArrayList<>();
      for (int e = 0; e < pass.exitPoints(); e++) {
        pass.advance();
        heads.add(pass.head());
      }
      int last = heads.size() - 1;
      for (int e = 0; e < last; e++) {
        double expected = heads.get(e).sub(heads.get(last)).square().mean().getFloat();
        assertThat(row.epsMse()[e]).as("exit %d", e).isPositive().isCloseTo(expected, within(1e-6 * expected));
      }
      assertThat(row.epsMse()[last]).isZero();
      assertThat(row.epsMseHalfWidth()[last]).isZero();
      assertThat(HeadErrors.measure(b, SCHEDULE, images, 6, new int[] {t}, 6, 7, m).get(0).epsMse()[last])
          .as("against the noise the last head has an error").isPositive();
    }
  }

  @Test
  void aTargetIsNoiseOrFinalAndAnythingElseIsNamed() {
    assertThat(HeadErrors.Target.parse("noise")).isEqualTo(HeadErrors.Target.NOISE);
    assertThat(HeadErrors.Target.parse("final")).isEqualTo(HeadErrors.Target.FINAL_HEAD);
    assertThatThrownBy(() -> HeadErrors.Target.parse("last"))
        .hasMessage("--against must be noise or final, got 'last'");
  }

  @Test
  void badCountsBatchesAndTimestepsAreNamed() {
    ImageSet images = Fixtures.fashionMnist(4).images();
    try (NDManager m = NDManager.newBaseManager();
        Backbone b = new TestRegistry().backbone("tiny").create(Params.parse("channels=6,depth=3"),
            new BackboneContext(m, 0))) {
      assertThatThrownBy(() -> HeadErrors.measure(b, SCHEDULE, images, 5, new int[] {0}, 2, 0, m))
          .hasMessage("images: need 2 to 4 images of " + images.name() + ", got 5");
      assertThatThrownBy(() -> HeadErrors.measure(b, SCHEDULE, images, 4, new int[] {0}, 0, 0, m))
          .hasMessage("batch must be at least 1, got 0");
      assertThatThrownBy(() -> HeadErrors.measure(b, SCHEDULE, images, 4, new int[] {1000}, 2, 0, m))
          .hasMessage("timestep 1000 is outside [0, 999] of " + SCHEDULE.name());
    }
  }

  @Test
  void defaultTimestepsSpreadOverTheSchedule() {
    assertThat(HeadErrors.defaultTimesteps(1000))
        .containsExactly(0, 10, 50, 100, 200, 300, 400, 500, 600, 700, 800, 900, 999);
    assertThat(HeadErrors.defaultTimesteps(20)).containsExactly(0, 10, 19);
  }
}
