package io.diffexit.harness.checkpoint;

import io.diffexit.harness.UserError;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * SHA-256 of a checkpoint's weights files: recorded in the model card when the folder is written, checked before a
 * file is loaded, so that a corrupted or replaced file (a few flipped bytes still load and sample garbage) is refused
 * by name. Cards written before the hashes existed load unverified, with a one-time note on stderr.
 */
public final class WeightHashes {

  /** The weights files a card's {@code sha256} covers, when present in the folder. */
  public static final List<String> FILES = List.of(
      CheckpointWriter.BACKBONE, CheckpointWriter.BACKBONE_EMA, CheckpointWriter.STRATEGY,
      CheckpointWriter.STRATEGY_EMA);

  /** DJL's array header in a {@code .params} file: {@code writeUTF("NDAR")} then the encoding version as an int. */
  private static final byte[] ARRAY_MAGIC = {0, 4, 'N', 'D', 'A', 'R', 0, 0, 0};

  /** Folders whose missing hashes were already noted in this JVM (a benchmark loads one checkpoint many times). */
  private static final Set<Path> NOTED = ConcurrentHashMap.newKeySet();

  private WeightHashes() {}

  /** @return the lower-case hex SHA-256 of a file */
  public static String sha256(Path file) {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
    byte[] buffer = new byte[1 << 16];
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  /** @return the SHA-256 of each of {@link #FILES} present in {@code folder}, by file name */
  public static Map<String, String> of(Path folder) {
    Map<String, String> hashes = new LinkedHashMap<>();
    for (String name : FILES) {
      Path file = folder.resolve(name);
      if (Files.isRegularFile(file)) {
        hashes.put(name, sha256(file));
      }
    }
    return hashes;
  }

  /**
   * Checks a weights file against the SHA-256 its card records.
   *
   * @throws UserError when the card records hashes but not this file's, or another one
   */
  public static void verify(ModelCard card, Path file) {
    if (card.sha256() == null) {
      Path folder = file.toAbsolutePath().normalize().getParent();
      if (NOTED.add(folder)) {
        System.err.println("diffexit: note: " + folder.resolve(CheckpointWriter.CARD) + " records no SHA-256 of its"
            + " weights (a card written before they were recorded); its files are loaded unverified");
      }
      return;
    }
    String name = file.getFileName().toString();
    String expected = card.sha256().get(name);
    if (expected == null) {
      throw new UserError(file.getParent().resolve(CheckpointWriter.CARD) + " records no SHA-256 for " + name
          + " (it lists " + card.sha256().keySet() + "); the folder was assembled from different checkpoints");
    }
    if (!Files.isRegularFile(file)) {
      return; // the loader names the missing file
    }
    String actual = sha256(file);
    if (!actual.equalsIgnoreCase(expected)) {
      throw new UserError(file + " does not match the SHA-256 in its model card (expected " + abbreviate(expected)
          + ", got " + abbreviate(actual) + "): the file is corrupt or was replaced; restore it (e.g. `git checkout --"
          + " " + file.getFileName() + "` in its folder) or train the checkpoint again");
    }
  }

  /**
   * @return how many arrays a DJL {@code .params} file holds (occurrences of the array header), or -1 when the file
   *     cannot be read
   */
  static int countArrays(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      return -1;
    }
    int count = 0;
    outer:
    for (int i = 0; i + ARRAY_MAGIC.length < bytes.length; i++) {
      for (int j = 0; j < ARRAY_MAGIC.length; j++) {
        if (bytes[i + j] != ARRAY_MAGIC[j]) {
          continue outer;
        }
      }
      count++;
      i += ARRAY_MAGIC.length - 1;
    }
    return count;
  }

  private static String abbreviate(String hex) {
    return hex.length() <= 16 ? hex : hex.substring(0, 16) + "…";
  }
}
