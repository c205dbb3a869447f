package io.diffexit.harness.bench.inprocess;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class FidQualityMeterFloorTest {

  @Test
  void theFloorComesFromTheOtherSplit() {
    assertThat(FidQualityMeter.floorSplit("test")).isEqualTo("train");
    assertThat(FidQualityMeter.floorSplit("train")).isEqualTo("test");
  }

  @Test
  void floorImagesAreADistinctSeededSubset() {
    int[] a = FidQualityMeter.randomSubset(60_000, 1000, 7);
    assertThat(a).hasSize(1000).doesNotHaveDuplicates();
    assertThat(Arrays.stream(a).allMatch(i -> i >= 0 && i < 60_000)).isTrue();
    assertThat(FidQualityMeter.randomSubset(60_000, 1000, 7)).containsExactly(a);
    assertThat(FidQualityMeter.randomSubset(60_000, 1000, 8)).isNotEqualTo(a);
    int[] all = FidQualityMeter.randomSubset(5, 5, 1);
    Arrays.sort(all);
    assertThat(all).containsExactly(0, 1, 2, 3, 4);
  }
}
