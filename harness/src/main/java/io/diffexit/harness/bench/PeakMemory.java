package io.diffexit.harness.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The process's peak resident memory (Linux {@code VmHWM}), which includes native tensors that the JVM heap figures
 * miss. A {@link CellExecutor} calls {@link #reset()} before a cell and {@link #peakBytes()} after it.
 */
public final class PeakMemory {

  private static final Path STATUS = Path.of("/proc/self/status");
  private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

  private PeakMemory() {}

  /**
   * Resets the high-water mark to the current resident size (writes {@code 5} to {@code /proc/self/clear_refs},
   * Linux 4.0+).
   *
   * @return whether it was reset; {@code false} where the kernel does not allow it (then the peak covers the whole
   *     process lifetime, and reports should say so)
   */
  public static boolean reset() {
    try {
      Files.writeString(CLEAR_REFS, "5");
      return true;
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      return false;
    }
  }

  /** @return peak resident bytes since the start or the last {@link #reset()}, or -1 when unknown (not Linux) */
  public static long peakBytes() {
    return parse(STATUS, "VmHWM:");
  }

  static long parse(Path status, String field) {
    try {
      for (String line : Files.readAllLines(status, StandardCharsets.UTF_8)) {
        if (line.startsWith(field)) {
          String[] parts = line.substring(field.length()).trim().split("\\s+");
          long value = Long.parseLong(parts[0]);
          return parts.length > 1 && parts[1].equalsIgnoreCase("kB") ? value * 1024 : value;
        }
      }
    } catch (IOException | NumberFormatException e) {
      // no /proc: unknown
    }
    return -1;
  }
}
