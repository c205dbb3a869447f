package io.diffexit.harness.checkpoint;

import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Writes checkpoint folders atomically: everything goes to a hidden sibling folder {@code .NAME.tmp-*} first; only a
 * complete folder replaces the old one, by two renames (old → {@code .NAME.previous}, new → {@code NAME}), after which
 * the old one is deleted. A kill at any moment therefore leaves either the old or the new checkpoint complete; a kill
 * between the two renames leaves the old one as {@code .NAME.previous}, which {@link Checkpoint#resolve} and the next
 * write put back.
 */
public final class CheckpointWriter {

  /** The card file. */
  public static final String CARD = "model-card.json";
  /** Training weights of the backbone. */
  public static final String BACKBONE = "backbone.params";
  /** EMA weights of the backbone. */
  public static final String BACKBONE_EMA = "backbone-ema.params";
  /** Training weights of the strategy's trainable block. */
  public static final String STRATEGY = "strategy.params";
  /** EMA weights of the strategy's trainable block. */
  public static final String STRATEGY_EMA = "strategy-ema.params";
  /** Folder with what resuming needs. */
  public static final String STATE_DIR = "trainer-state";
  /** Step, seeds, loss averages (JSON), inside {@link #STATE_DIR}. */
  public static final String STATE = "state.json";
  /** AdamW moments m_i, v_i (DJL NDList encoding), inside {@link #STATE_DIR}. */
  public static final String MOMENTS = "optimizer.ndlist";

  /** The files this writer owns: never carried over from an old checkpoint (a stale strategy would come back). */
  private static final Set<String> OWNED = Set.of(CARD, BACKBONE, BACKBONE_EMA, STRATEGY, STRATEGY_EMA);

  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /**
   * What goes into one checkpoint.
   *
   * @param card the model card
   * @param backbone the backbone's block with the training weights
   * @param backboneEma a block of the same architecture with the EMA weights
   * @param strategy the strategy's trainable block, or null
   * @param strategyEma its EMA copy, or null (required when {@code strategy} is given)
   * @param state the trainer state, or null for a checkpoint that cannot be resumed
   * @param moments the AdamW moments in the order of {@link TrainerState#parameterNames()}, or null
   */
  public record Contents(
      ModelCard card,
      Block backbone,
      Block backboneEma,
      Block strategy,
      Block strategyEma,
      TrainerState state,
      NDList moments) {}

  private CheckpointWriter() {}

  /**
   * Writes (or atomically replaces) the checkpoint folder {@code dir}.
   *
   * @throws UncheckedIOException naming the folder when writing fails; the previous checkpoint is then intact
   */
  public static void write(Path dir, Contents contents) {
    Path target = dir.toAbsolutePath().normalize();
    Path parent = target.getParent();
    String name = target.getFileName().toString();
    Path backup = parent.resolve("." + name + ".previous");
    Path tmp = parent.resolve("." + name + ".tmp-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
    try {
      Files.createDirectories(parent);
      recover(target, backup);
      deleteStaleTemporaries(parent, name);
      Files.createDirectory(tmp);
      writeFiles(tmp, contents);
      keepForeignFiles(target, tmp);
    } catch (IOException | RuntimeException e) {
      deleteQuietly(tmp);
      String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      throw new UncheckedIOException(
          new IOException("cannot write checkpoint " + target + ": " + why + "; the previous checkpoint is unchanged", e));
    }
    try {
      if (Files.exists(target)) {
        deleteQuietly(backup);
        Files.move(target, backup, StandardCopyOption.ATOMIC_MOVE);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        deleteQuietly(backup);
      } else {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          new IOException("cannot move the new checkpoint into " + target + ": " + e.getMessage(), e));
    }
  }

  /** Copies the old checkpoint's top-level regular files that the new one does not have (READMEs, images). */
  private static void keepForeignFiles(Path target, Path tmp) throws IOException {
    if (!Files.isDirectory(target)) {
      return;
    }
    try (Stream<Path> s = Files.list(target)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Path copy = tmp.resolve(p.getFileName().toString());
        if (Files.isRegularFile(p) && !OWNED.contains(p.getFileName().toString()) && !Files.exists(copy)) {
          Files.copy(p, copy, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
  }

  /** Puts back an old checkpoint that an interrupted write left as {@code .NAME.previous}. */
  static void recover(Path target, Path backup) throws IOException {
    if (!Files.exists(target) && Files.isDirectory(backup)) {
      Files.move(backup, target, StandardCopyOption.ATOMIC_MOVE);
    }
  }

  private static void writeFiles(Path folder, Contents c) throws IOException {
    if (c.card() == null || c.backbone() == null || c.backboneEma() == null) {
      throw new IllegalArgumentException("a checkpoint needs a card, the backbone and its EMA copy");
    }
    if ((c.strategy() == null) != (c.strategyEma() == null)) {
      throw new IllegalArgumentException("the strategy block and its EMA copy go together");
    }
    saveBlock(c.backbone(), folder.resolve(BACKBONE));
    saveBlock(c.backboneEma(), folder.resolve(BACKBONE_EMA));
    if (c.strategy() != null) {
      saveBlock(c.strategy(), folder.resolve(STRATEGY));
      saveBlock(c.strategyEma(), folder.resolve(STRATEGY_EMA));
    }
    if (c.state() != null) {
      Path stateDir = Files.createDirectory(folder.resolve(STATE_DIR));
      if (c.moments() != null) {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(stateDir.resolve(MOMENTS)), 1 << 16)) {
          c.moments().encode(out);
        }
      }
      JSON.writeValue(stateDir.resolve(STATE).toFile(), c.state());
    }
    // The card last: a folder with a card is complete even to a reader that ignores the atomic rename. It records
    // the SHA-256 of the weights files just written, which loading verifies.
    JSON.writeValue(folder.resolve(CARD).toFile(), c.card().withSha256(WeightHashes.of(folder)));
  }

  private static void saveBlock(Block block, Path file) throws IOException {
    try (DataOutputStream out =
        new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16))) {
      block.saveParameters(out);
    }
  }

  private static void deleteStaleTemporaries(Path parent, String name) throws IOException {
    String prefix = "." + name + ".tmp-";
    try (Stream<Path> s = Files.list(parent)) {
      s.filter(p -> p.getFileName().toString().startsWith(prefix)).forEach(CheckpointWriter::deleteQuietly);
    }
  }

  /** Deletes a folder and everything in it (best effort). */
  public static void deleteTree(Path path) {
    deleteQuietly(path);
  }

  static void deleteQuietly(Path path) {
    if (!Files.exists(path)) {
      return;
    }
    try (Stream<Path> s = Files.walk(path)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          // best effort: a leftover temporary folder is cleaned by the next write
        }
      });
    } catch (IOException e) {
      // same
    }
  }
}
