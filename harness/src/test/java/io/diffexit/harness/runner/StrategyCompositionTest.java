package io.diffexit.harness.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.diffexit.harness.ComponentSpec;
import io.diffexit.harness.plugins.Registries;
import io.diffexit.harness.plugins.Registry;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** How REUSE+EXIT is written and which pairs combine, with every rejection's one-line message. */
class StrategyCompositionTest {

  private final Registry registry = Registries.create(Path.of("no-plugins-here"));

  private String rejection(String text) {
    return StrategyComposition.rejection(ComponentSpec.parse(text), registry).orElse("accepted");
  }

  @Test
  void theCommandLineFormAndTheCanonicalFormAreTheSameSpec() {
    ComponentSpec cli = ComponentSpec.parse("block-cache:threshold=0.1+deediff:threshold=0.7,patience=1");
    assertThat(cli.name()).isEqualTo("block-cache+deediff");
    assertThat(cli.toString()).isEqualTo("block-cache+deediff:threshold=0.1,deediff.threshold=0.7,deediff.patience=1");
    assertThat(ComponentSpec.parse(cli.toString())).isEqualTo(cli);
    assertThat(cli.parts()).containsExactly(
        ComponentSpec.parse("block-cache:threshold=0.1"), ComponentSpec.parse("deediff:threshold=0.7,patience=1"));
    // a '+' inside a number is not a new part
    assertThat(ComponentSpec.parse("step-skip:threshold=1e+3").parts()).hasSize(1);
  }

  @Test
  void oneStepReuseStrategyFollowedByOneExitStrategyCombines() {
    assertThat(rejection("block-cache+deediff")).isEqualTo("accepted");
    assertThat(rejection("deepcache+fixed")).isEqualTo("accepted");
    assertThat(rejection("step-skip:threshold=0.1+similarity:threshold=0.9")).isEqualTo("accepted");
    assertThat(rejection("deediff")).isEqualTo("accepted");
  }

  @Test
  void pairsThatCannotCombineAreRejectedInOneLine() {
    assertThat(rejection("block-cache+deepcache")).isEqualTo("strategy 'block-cache+deepcache' combines two "
        + "step-reuse strategies; a cell takes one, followed by at most one exit strategy, e.g. block-cache+deediff");
    assertThat(rejection("deediff+block-cache"))
        .isEqualTo("strategy 'deediff+block-cache': write the step-reuse strategy first, 'block-cache+deediff'");
    assertThat(rejection("fixed+deediff")).isEqualTo("strategy 'fixed+deediff' combines two exit strategies; a cell "
        + "combines one step-reuse strategy [block-cache, deepcache, step-skip] with one exit strategy, written "
        + "REUSE+EXIT");
    assertThat(rejection("block-cache+deediff:block-cache.threshold=1")).isEqualTo("strategy 'block-cache+deediff': "
        + "parameter 'block-cache.threshold' belongs to neither part; prefix the exit strategy's parameters with "
        + "'deediff.'");
  }

  @Test
  void malformedCompositionsFailNamingWhatToWrite() {
    assertThatThrownBy(() -> ComponentSpec.parse("block-cache:threshold=1+deediff+fixed"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("strategy 'block-cache:threshold=1+deediff+fixed' joins 3 parts; combine one step-reuse strategy "
            + "with one exit strategy: REUSE+EXIT, e.g. block-cache:threshold=0.1+deediff");
    assertThatThrownBy(() -> ComponentSpec.parse("block-cache+deediff:fixed.layer=3").parts())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("strategy 'block-cache+deediff': parameter 'fixed.layer' belongs to neither part; prefix the exit "
            + "strategy's parameters with 'deediff.'");
    assertThatThrownBy(() -> rejection("block-cache+nonesuch"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("nonesuch");
  }

  @Test
  void aHindsightStrategyCannotBeTheExitPart() {
    io.diffexit.api.BackboneSpec spec = new io.diffexit.api.BackboneSpec("tiny", io.diffexit.api.Params.empty(), 1, 2,
        2, java.util.List.of(new io.diffexit.api.ExitPointSpec(0, "a", 1, new ai.djl.ndarray.types.Shape(3, 4),
            io.diffexit.api.HiddenLayout.tokens(1, 1, 1, 2, 4), 1, 1),
            new io.diffexit.api.ExitPointSpec(1, "b", 2, new ai.djl.ndarray.types.Shape(3, 4),
            io.diffexit.api.HiddenLayout.tokens(1, 1, 1, 2, 4), 1, 1)), 0, 0);
    try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
      io.diffexit.api.StrategyContext context = new io.diffexit.api.StrategyContext(spec, null, m);
      var reuse = (io.diffexit.api.StepReuseStrategy) registry.strategy("step-skip")
          .create(io.diffexit.api.Params.empty(), context);
      var oracle = registry.strategy("oracle").create(io.diffexit.api.Params.empty(), context);
      assertThatThrownBy(() -> new io.diffexit.harness.runner.ComposedStrategy(reuse, oracle))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("cannot compose step-skip(threshold=0.01, max-skips=4) with oracle(")
          .hasMessageEndingWith(": the second part must be an exit strategy that decides within a pass");
    }
  }
}
