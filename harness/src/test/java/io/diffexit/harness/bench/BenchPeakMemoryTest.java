package io.diffexit.harness.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchPeakMemoryTest {

  @Test
  void readsKilobytesFromAStatusFile(@TempDir Path dir) throws Exception {
    Path status = dir.resolve("status");
    Files.writeString(status, "Name:\tjava\nVmPeak:\t  9000 kB\nVmHWM:\t    2048 kB\nVmRSS:\t 1000 kB\n");
    assertThat(PeakMemory.parse(status, "VmHWM:")).isEqualTo(2048L * 1024);
    assertThat(PeakMemory.parse(dir.resolve("absent"), "VmHWM:")).isEqualTo(-1);
  }

  @Test
  void peakGrowsWithATouchedAllocationOnLinux() {
    PeakMemory.reset();
    long before = PeakMemory.peakBytes();
    assertThat(before).as("VmHWM is readable on Linux").isPositive();
    // Off-heap, so the pages are new to the process (heap pages may already be resident from earlier tests).
    java.nio.ByteBuffer big = java.nio.ByteBuffer.allocateDirect(96 * 1024 * 1024);
    for (int i = 0; i < big.capacity(); i += 4096) {
      big.put(i, (byte) 1); // touch every page so that it becomes resident
    }
    long after = PeakMemory.peakBytes();
    assertThat(big.get(4096)).isEqualTo((byte) 1);
    assertThat(after - before).isGreaterThan(64L * 1024 * 1024);
  }
}
