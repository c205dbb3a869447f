package io.diffexit.harness.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.diffexit.harness.plugins.Registries;
import io.diffexit.harness.plugins.Registry;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** A step-reuse strategy composed with an exit strategy in an experiment: syntax, --set, checks and rejections. */
class ComposedStrategyGridTest {

  private static final String YAML = """
      name: caches
      samples: 4
      seed: 7
      batch: {large: 8}
      backbones:
        uvit: {type: uvit, checkpoint: ckpt/uvit}
      strategies:
        fbc: {type: block-cache+deediff, threshold: [0.05, 0.1], deediff: {threshold: 0.7}}
      samplers:
        ddim10: {type: ddim, steps: 10}
      """;

  private final Registry registry = Registries.create(Path.of("no-plugins-here"));

  @Test
  void theExitPartsParametersLiveUnderItsNameAndReachTheCellPrefixed() {
    Experiment e = Fixtures.parse(YAML);
    GridBuilder.checkAgainst(e, registry);
    Grid grid = Fixtures.grid(e);
    assertThat(grid.cells()).extracting(c -> c.strategy().describe()).containsExactly(
        "block-cache+deediff:threshold=0.05,deediff.threshold=0.7",
        "block-cache+deediff:threshold=0.1,deediff.threshold=0.7");
    Experiment set = Fixtures.parse(YAML, "strategy.fbc.deediff.threshold=0.6,0.8");
    assertThat(Fixtures.grid(set).cells()).extracting(c -> c.strategy().label()).containsExactly(
        "fbc[threshold=0.05,deediff.threshold=0.6]", "fbc[threshold=0.05,deediff.threshold=0.8]",
        "fbc[threshold=0.1,deediff.threshold=0.6]", "fbc[threshold=0.1,deediff.threshold=0.8]");
  }

  @Test
  void unknownParametersOfEitherPartAndPairsThatCannotCombineFailNamingTheInstance() {
    assertThatThrownBy(() -> GridBuilder.checkAgainst(Fixtures.parse(YAML.replace("{threshold: 0.7}",
        "{treshold: 0.7}")), registry))
        .hasMessage("strategies.fbc.deediff: unknown parameter 'treshold' of exit strategy 'deediff'; known: "
            + "[patience, threshold, uem]".replace("[patience, threshold, uem]", knownDeediff()));
    assertThatThrownBy(() -> GridBuilder.checkAgainst(Fixtures.parse(YAML.replace("threshold: [0.05, 0.1]",
        "treshold: 0.1")), registry))
        .hasMessageStartingWith("strategies.fbc: unknown parameter 'treshold' of exit strategy 'block-cache'; known: ");
    assertThatThrownBy(() -> GridBuilder.checkAgainst(Fixtures.parse(YAML.replace("block-cache+deediff",
        "deediff+block-cache").replace("deediff: {threshold: 0.7}", "block-cache: {threshold: 0.7}")), registry))
        .hasMessage("strategies.fbc: strategy 'deediff+block-cache': write the step-reuse strategy first, "
            + "'block-cache+deediff'");
    assertThatThrownBy(() -> GridBuilder.checkAgainst(Fixtures.parse(YAML.replace("block-cache+deediff",
        "block-cache+step-skip").replace("deediff: {threshold: 0.7}", "step-skip: {threshold: 0.7}")), registry))
        .hasMessageStartingWith("strategies.fbc: strategy 'block-cache+step-skip' combines two step-reuse strategies");
  }

  private String knownDeediff() {
    java.util.Set<String> names = new java.util.TreeSet<>();
    registry.strategy("deediff").params().forEach(p -> names.add(p.name()));
    return names.toString();
  }
}
