package io.diffexit.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ParamsTest {

  private final Params p = Params.parse("threshold=0.9, patience=1,uem=token,flag=true").forOwner("exit strategy 'x'");

  @Test
  void parsesKeyValuePairsInOrderAndPrintsThemBack() {
    assertThat(p.asMap()).containsExactly(
        java.util.Map.entry("threshold", "0.9"), java.util.Map.entry("patience", "1"),
        java.util.Map.entry("uem", "token"), java.util.Map.entry("flag", "true"));
    assertThat(p.toString()).isEqualTo("threshold=0.9,patience=1,uem=token,flag=true");
    assertThat(Params.parse(p.toString())).isEqualTo(p);
    assertThat(Params.parse("  ")).isEqualTo(Params.empty());
  }

  @Test
  void typedGettersReturnValuesOrDefaults() {
    assertThat(p.getDouble("threshold", 0.5)).isEqualTo(0.9);
    assertThat(p.getInt("patience", 0)).isEqualTo(1);
    assertThat(p.getInt("missing", 7)).isEqualTo(7);
    assertThat(p.getBoolean("flag", false)).isTrue();
    assertThat(p.getChoice("uem", "token", List.of("token", "timestep"))).isEqualTo("token");
    assertThat(p.with("patience", 3).getLong("patience", 0)).isEqualTo(3);
    assertThat(p.withAll(Params.parse("uem=timestep,extra=1")).asMap()).containsEntry("uem", "timestep")
        .containsEntry("extra", "1").hasSize(5);
  }

  @Test
  void unknownKeyNamesTheOwnerTheKeyAndTheKnownOnes() {
    assertThatThrownBy(() -> p.requireKnown(Set.of("threshold", "patience", "uem")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("exit strategy 'x': unknown parameter 'flag'; known: [patience, threshold, uem]");
    assertThat(p.requireKnownSpecs(List.of(ParamSpec.optional("threshold", 0.9, "t"),
        ParamSpec.optional("patience", 1, "p"), ParamSpec.optional("uem", "token", "u"),
        ParamSpec.optional("flag", false, "f")))).isSameAs(p);
  }

  @Test
  void malformedValuesGiveOneLineMessages() {
    Params bad = Params.parse("n=abc,x=NaN,b=yes,r=1.5,c=fast").forOwner("sampler 'ddim'");
    assertThatThrownBy(() -> bad.getInt("n", 1))
        .hasMessage("sampler 'ddim': parameter 'n' must be an integer, got 'abc'");
    assertThatThrownBy(() -> bad.getDouble("x", 1))
        .hasMessage("sampler 'ddim': parameter 'x' must be finite, got 'NaN'");
    assertThatThrownBy(() -> bad.getDouble("n", 1))
        .hasMessage("sampler 'ddim': parameter 'n' must be a number, got 'abc'");
    assertThatThrownBy(() -> bad.getBoolean("b", true))
        .hasMessage("sampler 'ddim': parameter 'b' must be true or false, got 'yes'");
    assertThatThrownBy(() -> bad.getDouble("r", 0, 0, 1))
        .hasMessage("sampler 'ddim': parameter 'r' must be in [0.0, 1.0], got 1.5");
    assertThatThrownBy(() -> Params.parse("steps=60").forOwner("sampler 'ddim'").getInt("steps", 50, 1, 50))
        .hasMessage("sampler 'ddim': parameter 'steps' must be in [1, 50], got 60");
    assertThatThrownBy(() -> bad.getChoice("c", "x", List.of("leading", "trailing")))
        .hasMessage("sampler 'ddim': parameter 'c' must be one of [leading, trailing], got 'fast'");
    assertThatThrownBy(() -> bad.requireString("steps")).hasMessage("sampler 'ddim': parameter 'steps' is required");
  }

  @Test
  void malformedTextIsRefused() {
    assertThatThrownBy(() -> Params.parse("threshold"))
        .hasMessage("malformed parameter 'threshold': write key=value, separated by commas");
    assertThatThrownBy(() -> Params.parse("=3")).hasMessage("malformed parameter '=3': write key=value, separated by commas");
    assertThatThrownBy(() -> Params.parse("a=1,a=2")).hasMessage("parameter 'a' is given twice");
  }
}
