package io.diffexit.backbones.unet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.diffexit.api.Params;
import java.util.List;
import org.junit.jupiter.api.Test;

class UNetConfigTest {

  private static void assertRefused(String params, String message) {
    assertThatThrownBy(() -> UNetConfig.fromParams(Params.parse(params)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  @Test
  void defaultsAreTheFashionMnistReference() {
    UNetConfig c = UNetConfig.defaults();
    assertThat(c)
        .isEqualTo(new UNetConfig(1, 28, 28, 32, List.of(1, 2, 2), 2, true, 1, 8, 0.0, UNetConfig.ExitTarget.EPS));
    assertThat(UNetConfig.fromParams(c.toParams())).isEqualTo(c);
    assertThat(c.toParams().toString())
        .isEqualTo(
            "channels=1,height=28,width=28,base=32,mult=1;2;2,res-blocks=2,attention=true,heads=1,groups=8,dropout=0.0,exit-target=eps");
  }

  @Test
  void unknownAndMalformedParametersAreRefusedWithTheirName() {
    assertThatThrownBy(() -> UNetConfig.fromParams(Params.parse("bsae=32")))
        .hasMessageStartingWith("backbone 'unet': unknown parameter 'bsae'; known: [attention, base, channels,");
    assertRefused("base=wide", "backbone 'unet': parameter 'base' must be an integer, got 'wide'");
    assertRefused("attention=yes", "backbone 'unet': parameter 'attention' must be true or false, got 'yes'");
    assertRefused("mult=1;x", "backbone 'unet': parameter 'mult' must be ';'-separated integers such as 1;2;2, got '1;x'");
  }

  @Test
  void outOfRangeValuesAreRefusedWithTheRange() {
    assertRefused("base=33", "backbone 'unet': parameter 'base' must be even (the sinusoidal time embedding has base/2"
        + " frequencies), got 33");
    assertRefused("base=0", "backbone 'unet': parameter 'base' must be in [2, 1024], got 0");
    assertRefused("channels=0", "backbone 'unet': parameter 'channels' must be in [1, 64], got 0");
    assertRefused("height=1", "backbone 'unet': parameter 'height' must be in [2, 1024], got 1");
    assertRefused("mult=1;0", "backbone 'unet': parameter 'mult' must be in [1, 16] for every level, got 0");
    assertRefused("res-blocks=0", "backbone 'unet': parameter 'res-blocks' must be in [1, 8], got 0");
    assertRefused("dropout=1.5", "backbone 'unet': parameter 'dropout' must be in [0, 0.9], got 1.5");
    assertRefused("heads=0", "backbone 'unet': parameter 'heads' must be in [1, 64], got 0");
  }

  @Test
  void architecturesThatDoNotFitAreRefusedWithWhatWouldFixThem() {
    assertRefused(
        "mult=1;1;1;1;1;1;1",
        "backbone 'unet': parameter 'mult' has 7 levels but a 28x28 image can be halved only 5 times;"
            + " use at most 6 levels");
    assertRefused("heads=3", "backbone 'unet': parameter 'heads' must divide the lowest level's 64 channels, got 3");
    assertRefused(
        "groups=64",
        "backbone 'unet': parameter 'groups' must divide every normalised channel count [32, 64, 128, 96], got 64"
            + " (which does not divide 32)");
    assertRefused(
        "groups=3",
        "backbone 'unet': parameter 'groups' must divide every normalised channel count [32, 64, 128, 96], got 3"
            + " (which does not divide 32)");
  }

  @Test
  void headsAreNotCheckedWhenThereIsNoAttention() {
    assertThat(UNetConfig.fromParams(Params.parse("attention=false,heads=3")).heads()).isEqualTo(3);
  }
}
