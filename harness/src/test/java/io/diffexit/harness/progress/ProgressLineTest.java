package io.diffexit.harness.progress;

import static org.assertj.core.api.Assertions.assertThat;

import io.diffexit.harness.sampling.SamplingProgress;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProgressLineTest {

  @Test
  void onATerminalStatusIsRedrawnAndPermanentLinesScrollAboveIt() {
    var bytes = new ByteArrayOutputStream();
    ProgressLine line = new ProgressLine(new PrintStream(bytes, true, StandardCharsets.UTF_8), true);
    line.status("a");
    line.status("b");
    line.permanent("kept");
    line.status("c");
    line.finish();
    assertThat(bytes.toString(StandardCharsets.UTF_8))
        .isEqualTo("\r\033[2Ka\r\033[2Kb\r\033[2Kkept\n\r\033[2Kc\n");
  }

  @Test
  void offATerminalEveryShownStatusIsALineOfItsOwn() {
    var bytes = new ByteArrayOutputStream();
    ProgressLine line = new ProgressLine(new PrintStream(bytes, true, StandardCharsets.UTF_8), false);
    line.status("a");
    line.permanent("kept");
    line.finish();
    assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo("a\nkept\n");
  }

  @Test
  void samplingProgressOffATerminalPrintsAtMostOneLinePerTenthAndTheLast() {
    var bytes = new ByteArrayOutputStream();
    SamplingProgress p = new SamplingProgress(
        new ProgressLine(new PrintStream(bytes, true, StandardCharsets.UTF_8), false), "none");
    for (int done = 1; done <= 100; done++) {
      p.update(done, 100);
    }
    var lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
    assertThat(lines).hasSize(11); // the first update, the start of each tenth 1..9, and the finished line
    assertThat(lines.get(lines.size() - 1)).startsWith("none").contains("100/100").endsWith("ETA done");
  }

  @Test
  void clockAndBarFormat() {
    assertThat(ProgressLine.clock(65)).isEqualTo("1:05");
    assertThat(ProgressLine.clock(3725)).isEqualTo("1:02:05");
    assertThat(ProgressLine.clock(-1)).isEqualTo("?");
    assertThat(ProgressLine.bar(0.25, 8)).isEqualTo("[##......] 25%");
  }
}
