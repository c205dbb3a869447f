package io.diffexit.harness.checkpoint;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Records (or refreshes) the SHA-256 of a checkpoint's weights files in its model card, leaving every other field of
 * the card as it is: for cards written before the hashes existed, e.g. the repository's reference checkpoints.
 * Run it only on weights known to be good:
 *
 * <pre>java -cp harness/target/classes:$(cat harness/target/classpath.txt) \
 *     io.diffexit.harness.checkpoint.CardHashes checkpoints/uvit-fmnist ...</pre>
 */
public final class CardHashes {

  private CardHashes() {}

  /**
   * Writes the weights' hashes into {@code folder}'s card.
   *
   * @return the hashes written, by file name
   */
  public static Map<String, String> record(Path folder) {
    Path card = folder.resolve(CheckpointWriter.CARD);
    try {
      String text = Files.readString(card);
      if (!(CheckpointWriter.JSON.readTree(text) instanceof ObjectNode)) {
        throw new IllegalArgumentException(card + " is not a JSON object");
      }
      Map<String, String> hashes = new TreeMap<>(WeightHashes.of(folder));
      // Edited as text, in the card's own style ("key" : value or "key": value), so that the diff is the hashes only.
      String sep = text.contains("\" : ") ? " : " : ": ";
      StringBuilder block = new StringBuilder("\"sha256\"").append(sep).append("{\n");
      int i = 0;
      for (Map.Entry<String, String> e : hashes.entrySet()) {
        block.append("    \"").append(e.getKey()).append('"').append(sep).append('"').append(e.getValue()).append('"')
            .append(++i < hashes.size() ? ",\n" : "\n");
      }
      block.append("  }");
      String updated;
      java.util.regex.Matcher existing = java.util.regex.Pattern.compile("\"sha256\"\\s*:\\s*(\\{[^}]*\\}|null)")
          .matcher(text);
      if (existing.find()) {
        updated = text.substring(0, existing.start()) + block + text.substring(existing.end());
      } else {
        int end = text.lastIndexOf('}');
        String body = text.substring(0, end).stripTrailing();
        updated = body + ",\n  " + block + "\n}" + text.substring(end + 1);
      }
      CheckpointWriter.JSON.readTree(updated); // still valid JSON
      Path tmp = folder.resolve("." + CheckpointWriter.CARD + ".tmp");
      Files.writeString(tmp, updated);
      Files.move(tmp, card, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      return hashes;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot update " + card + ": " + e.getMessage(), e);
    }
  }

  /** @param folders checkpoint folders whose cards get their weights' hashes */
  public static void main(String[] folders) {
    if (folders.length == 0) {
      System.err.println("usage: CardHashes CHECKPOINT_DIR...");
      System.exit(2);
    }
    for (String f : folders) {
      Map<String, String> hashes = record(Path.of(f));
      System.out.println(f + ": " + hashes.size() + " weights files hashed");
    }
  }
}
