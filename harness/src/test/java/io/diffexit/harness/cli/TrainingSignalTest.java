package io.diffexit.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.diffexit.harness.checkpoint.Checkpoint;
import io.diffexit.harness.checkpoint.ModelCard;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIGTERM (what Ctrl-C and `kill` send) to a real {@code diffexit train} process, in a JVM of its own. */
class TrainingSignalTest {

  @Test
  void aTerminatedTrainingRunWritesItsCheckpointAtTheStepItReachedAndExitsWithoutANativeCrash(@TempDir Path dir)
      throws Exception {
    Path out = dir.resolve("ck");
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"), DiffexitCli.class.getName(),
        "train", "--backbone", "uvit:dim=16,depth=3,heads=2,patch=7", "--limit", "64", "--batch", "8",
        "--steps", "5000", "--checkpoint-every", "0", "--threads", "1", "--out", out.toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile())
        .redirectOutput(dir.resolve("stdout").toFile()).redirectError(dir.resolve("stderr").toFile());
    pb.environment().put("ONEDNN_MAX_CPU_ISA", "SSE41");
    Process p = pb.start();
    try {
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
      while (!Files.readString(dir.resolve("stderr")).contains("step ") && p.isAlive()
          && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertThat(p.isAlive()).as(Files.readString(dir.resolve("stderr"))).isTrue();
      p.destroy(); // SIGTERM
      assertThat(p.waitFor(3, TimeUnit.MINUTES)).isTrue();
    } finally {
      p.destroyForcibly();
    }
    String stdout = Files.readString(dir.resolve("stdout"));
    String stderr = Files.readString(dir.resolve("stderr"));
    assertThat(p.exitValue()).as(stderr).isEqualTo(143); // 128 + SIGTERM: the JVM's exit on the signal
    assertThat(stderr).contains("diffexit: stopping after the current step to write the checkpoint to " + out);
    ModelCard card = Checkpoint.readCard(out);
    int done = card.result().stepsDone();
    assertThat(done).isBetween(100, 4999);
    assertThat(stdout).contains("stopped at step " + done + " of 5000; continue with `diffexit train --resume " + out
        + "`");
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(f -> f.getFileName().toString())).noneMatch(n -> n.startsWith("hs_err"));
    }
  }
}
