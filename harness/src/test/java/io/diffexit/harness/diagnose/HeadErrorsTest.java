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
