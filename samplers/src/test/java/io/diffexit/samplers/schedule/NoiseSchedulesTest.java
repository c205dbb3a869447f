package io.diffexit.samplers.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.diffexit.api.NoiseSchedule;
import java.util.List;
import org.junit.jupiter.api.Test;

class NoiseSchedulesTest {

  @Test
  void parseRebuildsEveryScheduleFromItsName() {
    List<NoiseSchedule> all = List.of(NoiseSchedules.ddpmLinear(), NoiseSchedules.vpSde(),
        DiscreteSchedule.cosine(0.008, 0.999, 1000), DiscreteSchedule.scaledLinear(0.00085, 0.012, 1000),
        DiscreteSchedule.linear(3e-5, 0.015, 250), new VpSdeSchedule(0.05, 12.5, 500));
    for (NoiseSchedule s : all) {
      NoiseSchedule back = NoiseSchedules.parse(s.name());
      assertThat(back.name()).isEqualTo(s.name());
      assertThat(back.trainTimesteps()).isEqualTo(s.trainTimesteps());
      for (int i : new int[] {0, 17, s.trainTimesteps() - 1}) {
        assertThat(back.alphaBar(i)).isEqualTo(s.alphaBar(i));
      }
    }
    assertThat(NoiseSchedules.ddpmLinear().name()).isEqualTo("linear(beta=0.0001..0.02, T=1000)");
    assertThat(NoiseSchedules.vpSde().name()).isEqualTo("vp-sde(beta0=0.1, beta1=20, T=1000)");
  }

  @Test
  void parseFillsDefaultsForBareKindsAndPartialArguments() {
    assertThat(NoiseSchedules.parse("linear").name()).isEqualTo("linear(beta=0.0001..0.02, T=1000)");
    assertThat(NoiseSchedules.parse("cosine").name()).isEqualTo("cosine(s=0.008, max-beta=0.999, T=1000)");
    assertThat(NoiseSchedules.parse("scaled-linear").name()).isEqualTo("scaled-linear(beta=0.00085..0.012, T=1000)");
    assertThat(NoiseSchedules.parse(" vp-sde( T=500 ) ").name()).isEqualTo("vp-sde(beta0=0.1, beta1=20, T=500)");
    assertThat(NoiseSchedules.parse("linear(beta=1e-4..0.02)").name()).isEqualTo("linear(beta=0.0001..0.02, T=1000)");
  }

  @Test
  void parseNamesWhatIsWrong() {
    assertThatThrownBy(() -> NoiseSchedules.parse("sigmoid"))
        .hasMessage("noise schedule 'sigmoid': unknown kind 'sigmoid'; use one of [linear, scaled-linear, cosine, vp-sde]");
    assertThatThrownBy(() -> NoiseSchedules.parse("linear(beta=0.02)"))
        .hasMessage("noise schedule 'linear(beta=0.02)': beta must be a range start..end, e.g. 0.0001..0.02, got '0.02'");
    assertThatThrownBy(() -> NoiseSchedules.parse("cosine(s=0.008, gamma=2)"))
        .hasMessage("noise schedule 'cosine(s=0.008, gamma=2)': unknown argument 'gamma'; known: [T, max-beta, s]");
    assertThatThrownBy(() -> NoiseSchedules.parse("vp-sde(beta0=x)"))
        .hasMessage("noise schedule 'vp-sde(beta0=x)': argument 'beta0' must be a finite number, got 'x'");
    assertThatThrownBy(() -> NoiseSchedules.parse("vp-sde(T=1000"))
        .hasMessage("noise schedule 'vp-sde(T=1000': missing ')' at the end");
    assertThatThrownBy(() -> NoiseSchedules.parse(" ")).hasMessageContaining("name is empty");
  }

  @Test
  void linearAndVpSdeAreTheSameProcessEitherWay() {
    assertThat(NoiseSchedules.requireCompatible(NoiseSchedules.ddpmLinear(), NoiseSchedules.vpSde(), false)).isEmpty();
    assertThat(NoiseSchedules.requireCompatible(NoiseSchedules.vpSde(), NoiseSchedules.ddpmLinear(), false)).isEmpty();
    assertThat(NoiseSchedules.requireCompatible(NoiseSchedules.ddpmLinear(), NoiseSchedules.parse("linear"), false))
        .isEmpty();
  }

  @Test
  void aGenuinelyDifferentScheduleIsRefusedUnlessForced() {
    NoiseSchedule cosine = NoiseSchedules.parse("cosine");
    assertThatThrownBy(() -> NoiseSchedules.requireCompatible(NoiseSchedules.ddpmLinear(), cosine, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("noise schedule 'cosine(s=0.008, max-beta=0.999, T=1000)' does not match the model's"
            + " training schedule 'linear(beta=0.0001..0.02, T=1000)': at timestep ")
        .hasMessageEndingWith("; sample with the model's own schedule, or force it (results will not match the"
            + " model's training)");
    assertThat(NoiseSchedules.requireCompatible(NoiseSchedules.ddpmLinear(), cosine, true))
        .hasValueSatisfying(w -> assertThat(w).contains("does not match"));
    assertThatThrownBy(() -> NoiseSchedules.requireCompatible(
            NoiseSchedules.ddpmLinear(), NoiseSchedules.parse("linear(T=500)"), false))
        .hasMessageContaining("T = 500 vs 1000 (the model-time scale differs)");
    assertThatThrownBy(() -> NoiseSchedules.requireCompatible(
            NoiseSchedules.ddpmLinear(), NoiseSchedules.parse("scaled-linear"), false))
        .hasMessageContaining("does not match");
  }
}
