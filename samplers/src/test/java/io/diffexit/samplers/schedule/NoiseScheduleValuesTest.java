package io.diffexit.samplers.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.diffexit.api.NoiseSchedule;
import org.junit.jupiter.api.Test;

/** Known values of the built-in schedules; references are exact by hand or numpy float64 (noted per value). */
class NoiseScheduleValuesTest {

  private final DiscreteSchedule linear = NoiseSchedules.ddpmLinear();
  private final VpSdeSchedule vp = NoiseSchedules.vpSde();

  @Test
  void linearScheduleHasDdpmBetasAndCumulativeProducts() {
    assertThat(linear.trainTimesteps()).isEqualTo(1000);
    assertThat(linear.beta(0)).isEqualTo(1e-4);
    assertThat(linear.beta(999)).isEqualTo(0.02);
    assertThat(linear.beta(500)).isCloseTo(1e-4 + 500 * (0.02 - 1e-4) / 999, within(1e-17));
    assertThat(linear.alphaBar(0)).isCloseTo(0.9999, within(1e-15));
    assertThat(linear.alphaBar(1)).isCloseTo(0.9999 * (1 - (1e-4 + 0.0199 / 999)), within(1e-15));
    // numpy: np.cumprod(1 - np.linspace(1e-4, 0.02, 1000))[[499, 999]]
    assertThat(linear.alphaBar(499)).isCloseTo(0.07858724288177824, within(1e-12));
    assertThat(linear.alphaBar(999)).isCloseTo(4.035829765375676e-05, within(1e-15));
  }

  @Test
  void cosineScheduleStartsNearOneAndClipsItsLastBeta() {
    DiscreteSchedule cosine = DiscreteSchedule.cosine(0.008, 0.999, 1000);
    double f0 = Math.pow(Math.cos(0.008 / 1.008 * Math.PI / 2), 2);
    double f1 = Math.pow(Math.cos((0.001 + 0.008) / 1.008 * Math.PI / 2), 2);
    assertThat(cosine.alphaBar(0)).isCloseTo(f1 / f0, within(1e-15));
    assertThat(cosine.alphaBar(0)).isCloseTo(0.999958715775178, within(1e-14));
    assertThat(cosine.beta(999)).isEqualTo(0.999);   // 1 − f(1)/f(0.999) = 1 is clipped
    assertThat(cosine.alphaBar(999)).isCloseTo(2.4287669070348567e-09, within(1e-20)); // numpy reference
  }

  @Test
  void scaledLinearScheduleSquaresALinspaceOfRootBetas() {
    DiscreteSchedule sl = DiscreteSchedule.scaledLinear(0.00085, 0.012, 1000);
    assertThat(sl.beta(0)).isCloseTo(0.00085, within(1e-18));
    assertThat(sl.beta(999)).isCloseTo(0.012, within(1e-17));
    double mid = Math.sqrt(0.00085) + 500 * (Math.sqrt(0.012) - Math.sqrt(0.00085)) / 999;
    assertThat(sl.beta(500)).isCloseTo(mid * mid, within(1e-16));
    assertThat(sl.alphaBar(999)).isCloseTo(0.004660098513077238, within(1e-14)); // numpy reference
  }

  @Test
  void vpSdeHasTheClosedFormAlphaBarAndLinearBeta() {
    assertThat(vp.alphaBarAt(1.0)).isCloseTo(Math.exp(-10.05), within(1e-18));
    assertThat(vp.alphaBarAt(0.5)).isCloseTo(Math.exp(-(0.05 + 0.125 * 19.9)), within(1e-16));
    assertThat(vp.alphaBarAt(0.0)).isEqualTo(1.0);
    assertThat(vp.betaAt(0.25)).isCloseTo(0.1 + 0.25 * 19.9, within(1e-14));
    assertThat(vp.alphaBar(999)).isEqualTo(vp.alphaBarAt(1.0));
    // the discrete view's betas multiply back to ᾱ
    double product = 1.0;
    for (int i = 0; i <= 499; i++) {
      product *= 1 - vp.beta(i);
    }
    assertThat(product).isCloseTo(vp.alphaBar(499), within(1e-12));
  }

  @Test
  void vpSdeMatchesTheDiscreteLinearProductAtMatchingTimes() {
    double worst = 0;
    for (int i = 0; i < 1000; i++) {
      double t = linear.timeOfIndex(i);
      worst = Math.max(worst, Math.abs(Math.sqrt(linear.alphaBar(i)) - Math.sqrt(vp.alphaBarAt(t))));
      worst = Math.max(worst, Math.abs(Math.sqrt(1 - linear.alphaBar(i)) - Math.sqrt(1 - vp.alphaBarAt(t))));
    }
    assertThat(worst).isLessThan(1.5e-3).isGreaterThan(1e-4);   // numpy: 1.32e-3
    assertThat(vp.alphaBarAt(0.5)).isCloseTo(linear.alphaBar(499), within(2e-3));
  }

  @Test
  void lambdaIsHalfTheLogSnrAndItsInverseRecoversTime() {
    double ab = Math.exp(-10.05);
    assertThat(vp.lambdaAt(1.0)).isCloseTo(0.5 * Math.log(ab / (1 - ab)), within(1e-12));
    assertThat(vp.alphaAt(0.3)).isCloseTo(Math.sqrt(vp.alphaBarAt(0.3)), within(1e-15));
    assertThat(vp.sigmaAt(0.3)).isCloseTo(Math.sqrt(1 - vp.alphaBarAt(0.3)), within(1e-15));
    NoiseSchedule cosine = DiscreteSchedule.cosine(0.008, 0.999, 1000);
    for (double t : new double[] {1e-3, 0.01, 0.2, 0.5, 0.77, 0.999}) {
      assertThat(vp.timeOfLambda(vp.lambdaAt(t))).isCloseTo(t, within(1e-9));
      assertThat(linear.timeOfLambda(linear.lambdaAt(t))).isCloseTo(t, within(1e-9));
      assertThat(cosine.timeOfLambda(cosine.lambdaAt(t))).isCloseTo(t, within(1e-9));
    }
    assertThat(vp.lambdaAt(0.2)).isGreaterThan(vp.lambdaAt(0.3));
  }

  @Test
  void discreteScheduleInterpolatesLogAlphaBarBetweenIndices() {
    assertThat(linear.alphaBarAt(linear.timeOfIndex(0))).isCloseTo(linear.alphaBar(0), within(1e-15));
    assertThat(linear.alphaBarAt(linear.timeOfIndex(637))).isCloseTo(linear.alphaBar(637), within(1e-15));
    double between = (637 + 1.5) / 1000;   // halfway between indices 637 and 638
    assertThat(linear.alphaBarAt(between))
        .isCloseTo(Math.sqrt(linear.alphaBar(637) * linear.alphaBar(638)), within(1e-14));
    assertThat(linear.alphaBarAt(0.0)).isEqualTo(1.0);
    assertThat(linear.alphaBarAt(0.0005)).isCloseTo(Math.sqrt(0.9999), within(1e-15));
    assertThat(linear.betaAt(between)).isCloseTo(-1000 * Math.log1p(-linear.beta(638)), within(1e-12));
  }

  @Test
  void modelTimeIsTheDiscreteIndexAsAFloat() {
    assertThat(linear.modelTime(1.0)).isEqualTo(999.0);
    assertThat(vp.modelTime(1.0)).isEqualTo(999.0);
    assertThat(vp.modelTime(1e-3)).isCloseTo(0.0, within(1e-12));
    assertThat(vp.modelTime(vp.timeOfIndex(417))).isCloseTo(417.0, within(1e-9));
    assertThat(linear.indexOfTime(0.5)).isEqualTo(499.0);
    // discrete samplers pass modelTime(timeOfIndex(i)) as float32: exactly i for every index
    for (int i = 0; i < 1000; i++) {
      assertThat((float) linear.modelTime(linear.timeOfIndex(i))).isEqualTo((float) i);
      assertThat((float) vp.modelTime(vp.timeOfIndex(i))).isEqualTo((float) i);
    }
  }

  @Test
  void outOfRangeTimestepsAndBadParametersAreRefused() {
    assertThatThrownBy(() -> linear.alphaBar(1000))
        .hasMessage("noise schedule 'linear(beta=0.0001..0.02, T=1000)': timestep must be in [0, 999], got 1000");
    assertThatThrownBy(() -> vp.alphaBarAt(1.5))
        .hasMessage("noise schedule 'vp-sde(beta0=0.1, beta1=20, T=1000)': continuous time must be in [0, 1], got 1.5");
    assertThatThrownBy(() -> DiscreteSchedule.linear(0.02, 1e-4, 1000))
        .hasMessageContaining("need 0 < beta start <= beta end < 1");
    assertThatThrownBy(() -> new VpSdeSchedule(-1, 20, 1000)).hasMessageContaining("need 0 < beta0 <= beta1");
  }
}
