package io.diffexit.harness.sampling;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import io.diffexit.api.DecisionMode;
import io.diffexit.api.ExitStrategy;
import io.diffexit.api.HindsightExitStrategy;
import io.diffexit.api.NoiseSchedule;
import io.diffexit.api.Sampler;
import io.diffexit.api.StepReuseStrategy;
import io.diffexit.api.StrategyContext;
import io.diffexit.harness.ComponentSpec;
import io.diffexit.harness.UserError;
import io.diffexit.harness.checkpoint.Checkpoint;
import io.diffexit.harness.checkpoint.Weights;
import io.diffexit.harness.plugins.Registry;
import io.diffexit.harness.runner.ComposedStrategy;
import io.diffexit.harness.runner.SamplingJob;
import io.diffexit.harness.runner.StrategyComposition;
import io.diffexit.samplers.schedule.NoiseSchedules;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A loaded checkpoint ready to sample with any strategy and sampler: the one place where a strategy spec meets a
 * checkpoint (trained strategy parameters are found again) and a sampler meets the model's schedule.
 */
public final class SampleSession implements AutoCloseable {

  private final Path dir;
  private final Checkpoint checkpoint;
  private final Registry registry;
  private final NDManager manager;
  private final NoiseSchedule trainedSchedule;
  private final ParameterStore store;

  private SampleSession(Path dir, Checkpoint checkpoint, Registry registry, NDManager manager) {
    this.dir = dir;
    this.checkpoint = checkpoint;
    this.registry = registry;
    this.manager = manager;
    this.trainedSchedule = NoiseSchedules.parse(checkpoint.card().schedule());
    this.store = new ParameterStore(manager, false);
  }

  /**
   * @param dir the checkpoint folder
   * @param registry where backbones, strategies and samplers are found
   * @param manager owns the weights (closed by the caller after the session)
   * @param weights EMA (default) or training weights
   * @return an open session
   */
  public static SampleSession open(Path dir, Registry registry, NDManager manager, Weights weights) {
    return new SampleSession(dir, Checkpoint.load(dir, registry, manager, weights), registry, manager);
  }

  /** @return the loaded checkpoint */
  public Checkpoint checkpoint() {
    return checkpoint;
  }

  /** @return the schedule the model was trained with */
  public NoiseSchedule trainedSchedule() {
    return trainedSchedule;
  }

  /**
   * Creates a strategy. When the checkpoint was fine-tuned for a strategy of the same name, its trained parameters are
   * loaded and {@code spec}'s parameters override the stored ones (e.g. another threshold). A strategy with trainable
   * parameters that this checkpoint does not hold is refused: its decisions would be those of random weights.
   *
   * @param spec e.g. {@code deediff:threshold=0.9}
   * @param seed seeds the initialisation of any untrained parameters
   * @return a new strategy owned by the caller
   */
  public ExitStrategy strategy(ComponentSpec spec, long seed) {
    if (spec.isComposed()) {
      return composed(spec, seed);
    }
    Optional<ComponentSpec> stored = checkpoint.strategySpec();
    if (stored.isPresent() && stored.get().name().equals(spec.name())) {
      return checkpoint.createStrategy(registry, trainedSchedule, manager, spec.params()).orElseThrow();
    }
    Engine.getInstance().setRandomSeed((int) seed);
    ExitStrategy strategy =
        registry
            .strategy(spec.name())
            .create(
                spec.params().forOwner("exit strategy '" + spec.name() + "'"),
                new StrategyContext(checkpoint.backbone().spec(), trainedSchedule, manager));
    if (strategy.trainable().isPresent()) {
      strategy.close();
      throw new UserError(
          "exit strategy '" + spec.name() + "' needs trained parameters, but checkpoint " + dir + " was "
              + stored.map(s -> "fine-tuned for '" + s.name() + "'").orElse("not fine-tuned for it")
              + "; run `diffexit finetune " + dir + " --strategy " + spec.name() + "` first");
    }
    return strategy;
  }

  /**
   * A step-reuse strategy and an exit strategy in one cell; the exit part may run this checkpoint's trained parameters.
   *
   * @throws UserError with a one-line reason when the parts cannot combine
   */
  private ExitStrategy composed(ComponentSpec spec, long seed) {
    Optional<String> reason;
    try {
      reason = StrategyComposition.rejection(spec, registry);
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
    if (reason.isPresent()) {
      throw new UserError(reason.get());
    }
    List<ComponentSpec> parts = spec.parts();
    ExitStrategy first = strategy(parts.get(0), seed);
    ExitStrategy second;
    try {
      second = strategy(parts.get(1), seed);
    } catch (RuntimeException e) {
      first.close();
      throw e;
    }
    if (!(first instanceof StepReuseStrategy reuse)) {
      first.close();
      second.close();
      throw new UserError("strategy '" + spec.name() + "': factory '" + parts.get(0).name() + "' says it reuses steps "
          + "but did not create a StepReuseStrategy; report this to its plugin's author");
    }
    if (second instanceof HindsightExitStrategy) {
      first.close();
      second.close();
      throw new UserError("strategy '" + spec.name() + "': '" + parts.get(1).name() + "' decides in hindsight from "
          + "every exit point of the full network at every step, so it cannot combine with step reuse");
    }
    return new ComposedStrategy(reuse, second);
  }

  /**
   * Creates a sampler on the model's schedule, or on {@code schedule} when given (refused when it is a genuinely
   * different process, unless {@code force}).
   *
   * @return the sampler
   */
  public Sampler sampler(ComponentSpec spec, String schedule, boolean force) {
    NoiseSchedule use = trainedSchedule;
    if (schedule != null) {
      use = NoiseSchedules.parse(schedule);
      NoiseSchedules.requireCompatible(trainedSchedule, use, force)
          .ifPresent(w -> System.err.println("diffexit: warning: " + w));
    }
    return registry.sampler(spec.name()).create(spec.params().forOwner("sampler '" + spec.name() + "'"), use);
  }

  /**
   * Samples with one strategy and sampler.
   *
   * @param strategy the strategy (not closed here)
   * @param sampler the sampler
   * @param settings how many, batch, seed, decision mode
   * @param progress progress display, or null
   * @return the report
   */
  public SampleReport run(
      ExitStrategy strategy, Sampler sampler, SamplingJob.Settings settings, SamplingJob.Progress progress) {
    return run(strategy, sampler, settings, 0, progress);
  }

  /**
   * Samples one shard of a larger run ({@link SamplingJob#run(io.diffexit.api.Backbone, ParameterStore, ExitStrategy,
   * Sampler, NDManager, SamplingJob.Settings, int, SamplingJob.Progress)}).
   *
   * @param firstSample index in the whole run of the shard's first sample
   */
  public SampleReport run(ExitStrategy strategy, Sampler sampler, SamplingJob.Settings settings, int firstSample,
      SamplingJob.Progress progress) {
    SamplingJob.Result result =
        SamplingJob.run(checkpoint.backbone(), store, strategy, sampler, manager, settings, firstSample, progress);
    return new SampleReport(
        dir.toString(),
        checkpoint.backbone().spec(),
        strategy.describe(),
        strategy.isUpperBound(),
        sampler.describe(),
        trainedSchedule.name(),
        settings.mode(),
        settings.seed(),
        settings.batchSize(),
        manager.getDevice().toString(),
        threads(),
        result);
  }

  /** @return the engine's intra-op thread count as configured */
  public static int threads() {
    String t = System.getProperty("ai.djl.pytorch.num_threads");
    try {
      return t == null ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(t.trim());
    } catch (NumberFormatException e) {
      return Runtime.getRuntime().availableProcessors();
    }
  }

  /** @return the decision mode named on the command line */
  public static DecisionMode mode(String text) {
    for (DecisionMode m : DecisionMode.values()) {
      if (m.label().equals(text)) {
        return m;
      }
    }
    throw new IllegalArgumentException("unknown decision mode '" + text + "'; known: [per-sample, per-batch]");
  }

  @Override
  public void close() {
    checkpoint.close();
  }
}
