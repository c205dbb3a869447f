package io.diffexit.harness.checkpoint;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.ParameterList;
import ai.djl.util.Pair;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.diffexit.api.Backbone;
import io.diffexit.api.BackboneContext;
import io.diffexit.api.BackboneFactory;
import io.diffexit.api.ExitStrategy;
import io.diffexit.api.NoiseSchedule;
import io.diffexit.api.Params;
import io.diffexit.api.StrategyContext;
import io.diffexit.harness.ComponentSpec;
import io.diffexit.harness.UserError;
import io.diffexit.harness.plugins.Registry;
import io.diffexit.samplers.schedule.NoiseSchedules;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A checkpoint folder loaded into a ready backbone (see {@link CheckpointWriter} for the layout). The backbone is rebuilt
 * from the card through its {@link BackboneFactory} and gets the EMA weights by default.
 *
 * <p>Every failure is a one-line {@link UserError} naming the folder or file: missing folder, missing card, corrupt
 * JSON, unknown backbone name (with the known ones), weights that do not fit the architecture.
 */
public final class Checkpoint implements AutoCloseable {

  private final Path dir;
  private final ModelCard card;
  private final Backbone backbone;
  private final Weights weights;

  private Checkpoint(Path dir, ModelCard card, Backbone backbone, Weights weights) {
    this.dir = dir;
    this.card = card;
    this.backbone = backbone;
    this.weights = weights;
  }

  /** As {@link #load(Path, Registry, NDManager, Weights)} with the EMA weights. */
  public static Checkpoint load(Path dir, Registry registry, NDManager manager) {
    return load(dir, registry, manager, Weights.EMA);
  }

  /**
   * @param dir the checkpoint folder
   * @param registry where the backbone factory is looked up by the card's backbone name
   * @param manager owns the backbone's parameters
   * @param weights which weight set to load
   * @return the checkpoint with its backbone (owned by the caller: close it)
   * @throws UserError with one line naming the folder or file and what is wrong
   */
  public static Checkpoint load(Path dir, Registry registry, NDManager manager, Weights weights) {
    return load(dir, registry, manager, weights, Map.of());
  }

  /**
   * As {@link #load(Path, Registry, NDManager, Weights)}, with backbone parameters that replace the card's before the
   * backbone is built, for settings that leave the weights' names and shapes alone (e.g. {@code exit-target=x0} of
   * the U-Net, whose last head is the same either way), or that add parameters the backbone starts from others
   * ({@link Backbone#inheritedParameters}, e.g. {@code exit-heads=per-exit} of the U-ViT); a change that alters them
   * otherwise fails as a mismatched file does.
   *
   * @param backboneOverrides backbone parameters by name; empty for the card's own
   * @return the checkpoint, whose card carries the overridden backbone config
   */
  public static Checkpoint load(
      Path dir, Registry registry, NDManager manager, Weights weights, Map<String, String> backboneOverrides) {
    Path folder = resolve(dir);
    ModelCard saved = readCard(folder);
    ModelCard card = saved.withBackboneParams(backboneOverrides);
    Backbone backbone = createBackbone(card, folder, registry, manager);
    Path file = folder.resolve(weights == Weights.EMA ? CheckpointWriter.BACKBONE_EMA : CheckpointWriter.BACKBONE);
    try {
      if (backboneOverrides.isEmpty()) {
        loadParameters(backbone.block(), file, manager, describeBackbone(card), card);
      } else {
        loadInheriting(backbone, card, saved, folder, file, registry, manager);
      }
    } catch (RuntimeException e) {
      backbone.close();
      throw e;
    }
    return new Checkpoint(folder, card, backbone, weights);
  }

  /**
   * Loads the weights into a backbone of the card's own configuration, then copies them by name into {@code target}
   * (the overridden configuration), filling the parameters the file lacks from their sources.
   *
   * @throws UserError when a parameter of the target has no value, or has another shape, or when a saved parameter
   *     would be dropped
   */
  private static void loadInheriting(Backbone target, ModelCard card, ModelCard saved, Path folder, Path file,
      Registry registry, NDManager manager) {
    String what = describeBackbone(card);
    // the saved configuration's weights live in a scratch manager: closing the backbone alone would leave the arrays
    // that loading creates
    try (NDManager scratch = manager.newSubManager();
        Backbone source = createBackbone(saved, folder, registry, scratch)) {
      loadParameters(source.block(), file, scratch, describeBackbone(saved), saved);
      ParameterList from = source.block().getParameters();
      Map<String, String> inherited = target.inheritedParameters();
      java.util.Set<String> used = new java.util.HashSet<>();
      for (Pair<String, Parameter> p : target.block().getParameters()) {
        String name = p.getKey();
        String origin = from.contains(name) ? name : inherited.get(name);
        if (name.equals(origin) && !from.contains(name)) {
          continue; // starts from the backbone's own initialisation (Backbone#inheritedParameters)
        }
        if (origin == null || !from.contains(origin)) {
          throw new UserError(file + " does not fit " + what + ": it has no parameter '" + name + "'"
              + (origin == null ? "" : " nor '" + origin + "' to start it from"));
        }
        NDArray value = from.get(origin).getArray();
        NDArray into = p.getValue().getArray();
        if (!value.getShape().equals(into.getShape())) {
          throw new UserError(file + " does not fit " + what + ": parameter '" + origin + "' has shape "
              + value.getShape() + " in the file but '" + name + "' has " + into.getShape() + " in the network");
        }
        ParameterCopy.copy(value, into);
        used.add(origin);
      }
      for (String name : from.keys()) {
        if (!used.contains(name)) {
          throw new UserError(file + " does not fit " + what + ": its parameter '" + name + "' would be dropped;"
              + " keep the setting that parameter belongs to");
        }
      }
    }
  }

  /**
   * @return {@code dir}, or the complete old checkpoint {@code .NAME.previous} when a write was interrupted between
   *     its two renames and {@code dir} is missing
   */
  public static Path resolve(Path dir) {
    Path target = dir.toAbsolutePath().normalize();
    if (!Files.exists(target) && target.getParent() != null) {
      Path backup = target.getParent().resolve("." + target.getFileName() + ".previous");
      if (Files.isRegularFile(backup.resolve(CheckpointWriter.CARD))) {
        return backup;
      }
    }
    return target;
  }

  /**
   * @return the model card of the checkpoint folder
   * @throws UserError for a missing folder, a missing card or corrupt JSON
   */
  public static ModelCard readCard(Path dir) {
    Path folder = resolve(dir);
    if (!Files.isDirectory(folder)) {
      throw new UserError("checkpoint folder " + dir + " not found; train one with `diffexit train --out DIR`");
    }
    Path file = folder.resolve(CheckpointWriter.CARD);
    if (!Files.isRegularFile(file)) {
      throw new UserError(folder + " is not a checkpoint: " + CheckpointWriter.CARD + " is missing");
    }
    ModelCard card;
    try {
      card = CheckpointWriter.JSON.readValue(file.toFile(), ModelCard.class);
    } catch (JsonProcessingException e) {
      throw new UserError(file + " is corrupt: " + e.getOriginalMessage().lines().findFirst().orElse("bad JSON"), e);
    } catch (IOException e) {
      throw new UserError("cannot read " + file + ": " + e.getMessage(), e);
    }
    if (card == null || card.backbone() == null || card.backbone().name() == null) {
      throw new UserError(file + " is corrupt: it names no backbone");
    }
    if (card.format() > ModelCard.FORMAT) {
      throw new UserError(
          file + " has card format " + card.format() + ", newer than this diffexit reads (" + ModelCard.FORMAT
              + "); update diffexit");
    }
    return card;
  }

  /**
   * @return the trainer state, or empty when the checkpoint cannot be resumed (written without state)
   * @throws UserError when the state file is corrupt
   */
  public static Optional<TrainerState> readState(Path dir) {
    Path file = resolve(dir).resolve(CheckpointWriter.STATE_DIR).resolve(CheckpointWriter.STATE);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(CheckpointWriter.JSON.readValue(file.toFile(), TrainerState.class));
    } catch (JsonProcessingException e) {
      throw new UserError(file + " is corrupt: " + e.getOriginalMessage().lines().findFirst().orElse("bad JSON"), e);
    } catch (IOException e) {
      throw new UserError("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * @return the saved AdamW moments (m_i then v_i in the state's parameter order), or empty when none were saved
   * @throws UserError when the file is corrupt
   */
  public static Optional<NDList> readMoments(Path dir, NDManager manager) {
    Path file = resolve(dir).resolve(CheckpointWriter.STATE_DIR).resolve(CheckpointWriter.MOMENTS);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      return Optional.of(NDList.decode(manager, in));
    } catch (IOException | RuntimeException e) {
      throw new UserError("cannot read the optimizer moments " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Builds the (freshly initialised) backbone a card describes.
   *
   * @param folder the checkpoint folder, for messages
   * @throws UserError for an unknown backbone name (with the known ones) or a config the factory refuses
   */
  public static Backbone createBackbone(ModelCard card, Path folder, Registry registry, NDManager manager) {
    BackboneFactory factory;
    try {
      factory = registry.backbone(card.backbone().name());
    } catch (IllegalArgumentException e) {
      throw new UserError("checkpoint " + folder + " needs a backbone plugin: " + e.getMessage(), e);
    }
    Params config = Params.of(card.backbone().config()).forOwner("backbone '" + card.backbone().name() + "'");
    long seed = card.training() == null ? 0 : card.training().seed();
    // the trained-for schedule, which a backbone needs when its heads predict x̂₀ (unet exit-target=x0); one this
    // build cannot parse is left out, and a backbone that needs it says so
    NoiseSchedule schedule = null;
    try {
      schedule = card.schedule() == null ? null : NoiseSchedules.parse(card.schedule());
    } catch (IllegalArgumentException unknown) {
      // as the comment says
    }
    try {
      return factory.create(config, new BackboneContext(manager, seed, schedule));
    } catch (IllegalArgumentException e) {
      throw new UserError("checkpoint " + folder + " has a backbone config its plugin refuses: " + e.getMessage(), e);
    }
  }

  /** @return the backbone as its card configures it, for messages: {@code backbone 'uvit' (depth=13, dim=64, ...)} */
  public static String describeBackbone(ModelCard card) {
    StringBuilder sb = new StringBuilder();
    new java.util.TreeMap<>(card.backbone().config()).forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ")
        .append(k).append('=').append(v));
    return "backbone '" + card.backbone().name() + "' as its card configures it (" + sb + ")";
  }

  /**
   * As {@link #loadParameters(Block, Path, NDManager, String)}, after checking the file against the SHA-256 its card
   * records ({@link WeightHashes#verify}).
   *
   * @param card the card of the checkpoint the file belongs to
   */
  public static void loadParameters(Block block, Path file, NDManager manager, String what, ModelCard card) {
    WeightHashes.verify(card, file);
    loadParameters(block, file, manager, what);
  }

  /**
   * Loads a {@code .params} file into an initialised block, checking names and shapes, and closes the arrays it
   * replaces. When the file does not fit, the message says how many parameter arrays the file holds against the
   * block's (a card whose architecture, e.g. depth, disagrees with its weights).
   *
   * @param what what the block is, for messages (e.g. {@code backbone 'uvit'})
   * @throws UserError naming the file when it is missing, truncated or does not fit the block
   */
  public static void loadParameters(Block block, Path file, NDManager manager, String what) {
    if (!Files.isRegularFile(file)) {
      throw new UserError("checkpoint file " + file + " is missing; the checkpoint is incomplete");
    }
    ParameterList params = block.getParameters();
    List<NDArray> old = new ArrayList<>();
    List<Shape> shapes = new ArrayList<>();
    for (Pair<String, Parameter> p : params) {
      old.add(p.getValue().isInitialized() ? p.getValue().getArray() : null);
      shapes.add(p.getValue().isInitialized() ? p.getValue().getArray().getShape() : null);
    }
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
      block.loadParameters(manager, in);
    } catch (MalformedModelException | IllegalArgumentException | IllegalStateException e) {
      throw new UserError(countMismatch(file, params.size(), what)
          .orElse(file + " does not fit " + what + ": " + firstLine(e)), e);
    } catch (EOFException e) {
      throw new UserError(countMismatch(file, params.size(), what)
          .orElse(file + " is truncated or does not fit " + what + " (it has fewer parameters)"), e);
    } catch (IOException e) {
      throw new UserError("cannot read " + file + ": " + e.getMessage(), e);
    } finally {
      // Parameter.load replaces arrays without closing the old ones, also when a later parameter fails.
      for (int i = 0; i < params.size(); i++) {
        NDArray now = params.get(i).getValue().isInitialized() ? params.get(i).getValue().getArray() : null;
        if (old.get(i) != null && old.get(i) != now) {
          old.get(i).close();
        }
      }
    }
    // A file with more arrays than the block loads "successfully" up to the block's last parameter.
    Optional<String> counts = countMismatch(file, params.size(), what);
    if (counts.isPresent()) {
      throw new UserError(counts.get());
    }
    for (int i = 0; i < params.size(); i++) {
      NDArray now = params.get(i).getValue().getArray();
      if (shapes.get(i) != null && !shapes.get(i).equals(now.getShape())) {
        throw new UserError(
            file + " does not fit " + what + ": parameter '" + params.get(i).getKey() + "' has shape " + now.getShape()
                + " in the file but " + shapes.get(i) + " in the network; was the checkpoint made with another config?");
      }
    }
  }

  /**
   * @return when the file holds another number of parameter arrays than the block has: a message naming both counts
   *     (the architecture the card describes is not the one the weights were saved from)
   */
  private static Optional<String> countMismatch(Path file, int blockParameters, String what) {
    int inFile = WeightHashes.countArrays(file);
    if (inFile < 0 || inFile == blockParameters) {
      return Optional.empty();
    }
    return Optional.of(file + " holds " + inFile + " parameter arrays, but " + what + " has " + blockParameters
        + ": the card describes another architecture than the one these weights were saved from (was"
        + " model-card.json edited, e.g. the backbone's depth?); restore the card the weights were saved with");
  }

  private static String firstLine(Exception e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return m.lines().findFirst().orElse(m);
  }

  /** @return the checkpoint folder (absolute) */
  public Path dir() {
    return dir;
  }

  /** @return the model card */
  public ModelCard card() {
    return card;
  }

  /** @return the backbone with the loaded weights */
  public Backbone backbone() {
    return backbone;
  }

  /** @return which weight set was loaded */
  public Weights weights() {
    return weights;
  }

  /** @return the strategy this checkpoint was fine-tuned for, as the command line writes it, or empty */
  public Optional<ComponentSpec> strategySpec() {
    return card.strategy() == null ? Optional.empty() : Optional.of(ComponentSpec.parse(card.strategy().spec()));
  }

  /**
   * Loads the stored strategy parameters (the same weight set as the backbone: EMA or training) into the trainable
   * block of a strategy created for this checkpoint's backbone.
   *
   * @throws UserError when the checkpoint has no strategy parameters, the strategy has no trainable block, or the
   *     parameters do not fit it
   */
  public void loadStrategyParams(ExitStrategy strategy) {
    if (card.strategy() == null || !card.strategy().hasParams()) {
      throw new UserError(
          "checkpoint " + dir + " has no strategy parameters; fine-tune it with `diffexit finetune " + dir
              + " --strategy SPEC` first");
    }
    Block block = strategy.trainable().orElseThrow(() -> new UserError(
        "exit strategy '" + strategy.describe() + "' has no trainable block, but checkpoint " + dir
            + " holds parameters of '" + card.strategy().name() + "'"));
    Path file = dir.resolve(weights == Weights.EMA ? CheckpointWriter.STRATEGY_EMA : CheckpointWriter.STRATEGY);
    ParameterList params = block.getParameters();
    if (params.isEmpty() || !params.valueAt(0).isInitialized()) {
      throw new IllegalStateException(
          "exit strategy '" + strategy.describe() + "' returned an uninitialised trainable block; its factory must "
              + "initialise it");
    }
    loadParameters(block, file, params.valueAt(0).getArray().getManager(),
        "exit strategy '" + card.strategy().name() + "'", card);
  }

  /**
   * Creates the strategy this checkpoint was fine-tuned with and loads its parameters.
   *
   * @param overrides parameters that replace stored ones (e.g. a different threshold at sampling time)
   * @return the strategy (owned by the caller), or empty for a checkpoint without a strategy
   */
  public Optional<ExitStrategy> createStrategy(
      Registry registry, NoiseSchedule schedule, NDManager manager, Params overrides) {
    Optional<ComponentSpec> spec = strategySpec();
    if (spec.isEmpty()) {
      return Optional.empty();
    }
    ExitStrategy strategy = registry.strategy(spec.get().name()).create(
        spec.get().params().withAll(overrides).forOwner("exit strategy '" + spec.get().name() + "'"),
        new StrategyContext(backbone.spec(), schedule, manager));
    try {
      if (card.strategy().hasParams()) {
        loadStrategyParams(strategy);
      }
    } catch (RuntimeException e) {
      strategy.close();
      throw e;
    }
    return Optional.of(strategy);
  }

  /** Closes the backbone. */
  @Override
  public void close() {
    backbone.close();
  }
}
