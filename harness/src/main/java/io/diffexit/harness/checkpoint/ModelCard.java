package io.diffexit.harness.checkpoint;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.Map;
import java.util.Objects;

/**
 * What a checkpoint is: everything needed to rebuild the network and to judge and reproduce it. Stored as
 * {@code model-card.json} (Jackson) in the checkpoint folder.
 *
 * <p>Conventions: {@code macsPerImage} is one full-depth forward pass with only the final head (FLOPs = 2 × MACs);
 * {@code timeInput} states the time convention the weights were trained with; losses are the mean squared error per
 * pixel of the ε prediction (L_simple) or the strategy objective's total when fine-tuning.
 *
 * @param format the card format version ({@value #FORMAT})
 * @param backbone factory name and configuration that rebuild the architecture
 * @param parameterCount trainable scalars of the backbone
 * @param macsPerImage MACs per image of a full forward pass (final head only)
 * @param schedule the noise schedule, e.g. {@code linear(beta=1e-4..0.02, T=1000)}
 * @param timeInput the network's time input convention
 * @param data what it was trained on
 * @param training the hyperparameters
 * @param result losses, time and speed at the moment of writing
 * @param machine where it was trained
 * @param command the exact command line that made it
 * @param strategy the strategy it was fine-tuned for, or null for a plain training run
 * @param parent the checkpoint it was fine-tuned from, relative to this checkpoint's folder (e.g. {@code ../base}), or
 *     null
 * @param created ISO-8601 instant of writing
 * @param sha256 SHA-256 (lower-case hex) of every weights file of the folder, by file name (e.g.
 *     {@code backbone-ema.params}), verified on load; null in cards written before they were recorded (such
 *     checkpoints load unverified, with a note)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ModelCard(
    int format,
    BackboneInfo backbone,
    long parameterCount,
    long macsPerImage,
    String schedule,
    String timeInput,
    DataInfo data,
    TrainingConfig training,
    ResultInfo result,
    MachineInfo machine,
    String command,
    StrategyInfo strategy,
    String parent,
    String created,
    Map<String, String> sha256) {

  public ModelCard {
    // sorted, so that a card's JSON is the same for the same files
    sha256 = sha256 == null ? null : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(sha256));
  }

  /** @return this card recording the given weights-file hashes */
  public ModelCard withSha256(Map<String, String> hashes) {
    return new ModelCard(format, backbone, parameterCount, macsPerImage, schedule, timeInput, data, training, result,
        machine, command, strategy, parent, created, hashes);
  }

  /** The card format written by this version. */
  public static final int FORMAT = 1;

  /** The time input convention of every model this trainer makes. */
  public static final String DISCRETE_TIME_INPUT = "discrete index t in [0, T-1] as float";

  /**
   * @param name the backbone factory's name
   * @param config its parameters ({@link io.diffexit.api.Params#asMap()})
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record BackboneInfo(String name, Map<String, String> config) {
    public BackboneInfo {
      // sorted, so that the card's text does not change from run to run with hash order
      config = config == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(config));
    }
  }

  /**
   * @param name the data set, e.g. {@code fashion-mnist/train}
   * @param dir the folder it was read from
   * @param split {@code train} or {@code test}
   * @param count images used (the first {@code count} of the split)
   */
  /**
   * @param overrides backbone parameters that replace the card's (empty: this card)
   * @return a copy whose backbone config has the overrides, everything else unchanged
   */
  public ModelCard withBackboneParams(Map<String, String> overrides) {
    if (overrides.isEmpty()) {
      return this;
    }
    Map<String, String> config = new java.util.TreeMap<>(backbone.config());
    config.putAll(overrides);
    return new ModelCard(format, new BackboneInfo(backbone.name(), config), parameterCount, macsPerImage, schedule,
        timeInput, data, training, result, machine, command, strategy, parent, created, sha256);
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record DataInfo(String name, String dir, String split, int count) {}

  /**
   * @param stepsDone optimizer steps done when the checkpoint was written
   * @param wallSeconds training wall time so far (all sessions of a resumed run)
   * @param finalLoss the loss of the last step
   * @param lossEma the bias-corrected exponential moving average of the loss (decay 0.98)
   * @param imagesPerSecond training throughput of the last session
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record ResultInfo(int stepsDone, double wallSeconds, double finalLoss, double lossEma, double imagesPerSecond) {}

  /**
   * @param cores available processors
   * @param jvm JVM name and version
   * @param os OS name, version and architecture
   * @param engine the DJL engine and its version, with the device
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record MachineInfo(int cores, String jvm, String os, String engine) {
    /** @return a description of this machine */
    public static MachineInfo current(String engine) {
      return new MachineInfo(
          Runtime.getRuntime().availableProcessors(),
          System.getProperty("java.vm.name") + " " + System.getProperty("java.version"),
          System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
          engine);
    }
  }

  /**
   * @param name the strategy factory's name
   * @param params its parameters as written on the command line ({@code k=v,k=v})
   * @param hasParams whether {@code strategy.params} holds a trainable block
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record StrategyInfo(String name, String params, boolean hasParams) {
    public StrategyInfo {
      Objects.requireNonNull(name, "name");
      params = params == null ? "" : params;
    }

    /** @return {@code name} or {@code name:params}, the form the command line takes */
    public String spec() {
      return params.isEmpty() ? name : name + ":" + params;
    }
  }
}
