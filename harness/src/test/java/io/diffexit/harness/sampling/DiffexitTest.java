package io.diffexit.harness.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.diffexit.harness.UserError;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The library entry point on the repository's reference U-ViT: what a project of its own would write. */
class DiffexitTest {

  private static final Path REFERENCE = Path.of("..", "checkpoints", "uvit-fmnist");

  @Test
  void samplesACheckpointWithAStrategyAndGivesImagesCostsAndTheTrace() {
    try (Diffexit model = Diffexit.load(REFERENCE)) {
      SampleReport fixed = model.sample("fixed:layer=7", "ddim:steps=2", 3, 0);
      assertThat(fixed.result().images()).hasSize(3 * 28 * 28);
      assertThat(fixed.meanExitLayer()).isEqualTo(7.0);
      assertThat(fixed.result().trace().steps()).isEqualTo(2);
      SampleReport none = model.sample("none", "ddim:steps=2", 3, 0);
      // the card's full pass, twice (two steps), against fixed's 7 of 13 blocks
      assertThat(none.macsPerImage()).isEqualTo(2.0 * model.session().checkpoint().card().macsPerImage());
      assertThat(fixed.macsPerImage()).isLessThan(none.macsPerImage());
      // image i depends only on (seed, i): the first of three is the only one of one
      float[] one = model.sample("none", "ddim:steps=2", 1, 0).result().images();
      float[] first = java.util.Arrays.copyOf(none.result().images(), 28 * 28);
      assertThat(one).containsExactly(first, org.assertj.core.data.Offset.offset(1e-5f));
    }
  }

  @Test
  void badInputIsAOneLineError() {
    assertThatThrownBy(() -> Diffexit.load(Path.of("no-such-checkpoint"))).isInstanceOf(UserError.class)
        .hasMessage("checkpoint folder " + Path.of("no-such-checkpoint").toAbsolutePath()
            + " not found; train one with `diffexit train --out DIR`");
    try (Diffexit model = Diffexit.load(REFERENCE)) {
      assertThatThrownBy(() -> model.sample("fixed:layer=99", "ddim:steps=2", 1, 0))
          .hasMessageStartingWith("exit strategy 'fixed': parameter 'layer' must be");
    }
  }
}
