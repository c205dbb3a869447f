package io.diffexit.strategies;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import io.diffexit.api.ExitPoint;
import io.diffexit.api.ExitPointSpec;
import io.diffexit.api.ExitStrategy;
import io.diffexit.api.ModelTimeRange;
import io.diffexit.api.ParamSpec;
import io.diffexit.api.Params;
import io.diffexit.api.PassInfo;
import io.diffexit.api.RunInfo;
import io.diffexit.api.StrategyContext;
import io.diffexit.api.TrainingObjective;
import java.util.Optional;

/**
 * The {@code times} parameter of the dynamic exit strategies: a range of model time [lo, hi) outside which no sample
 * exits early (it runs the full depth), whatever the strategy's own rule says. It exists because the cost of an exit
 * to the final sample depends on the timestep far more than a per-step error estimate tells: on the reference U-ViT,
 * an exit after block 4 in the ten DDIM-50 steps with model time ≥ 800 left FID unchanged, the same exit in the ten
 * steps below 200 tripled it, while the exit heads' ε-MSE ranks these the other way round
 * ({@code experiments/uvit-exit-bands.yaml}).
 *
 * <p>Outside the window the wrapped strategy is not consulted, so a pass wholly outside it runs none of the
 * strategy's modules; the runner still charges the strategy's {@link ExitStrategy#macsPerDecision} at every exit
 * point, so reported MACs are an upper bound by that amount (a UEM or LTE head, about 1% of a U-ViT pass). Training is
 * untouched: the objective and the trainable parameters are the wrapped strategy's.
 */
public final class ExitTimeWindow implements ExitStrategy {

  /** The parameter, for a factory's {@code params()} list. */
  public static final ParamSpec PARAM = new ParamSpec("times", "-",
      "model-time range lo-hi where exits are allowed, e.g. 600-1000 (the noisiest steps); outside it every sample "
          + "runs the full depth; default: every step");

  private final ExitStrategy rule;
  private final ModelTimeRange window;

  private ExitTimeWindow(ExitStrategy rule, ModelTimeRange window) {
    this.rule = rule;
    this.window = window;
  }

  /**
   * @param p the factory's checked parameters
   * @param rule the strategy built from the other parameters
   * @param context the host context (its schedule, when present, bounds the range)
   * @return {@code rule} itself without a {@code times} parameter, else the rule restricted to that window
   * @throws IllegalArgumentException for a malformed or empty range, naming the parameter and the fix
   */
  public static ExitStrategy apply(Params p, ExitStrategy rule, StrategyContext context) {
    if (!p.has("times")) {
      return rule;
    }
    ModelTimeRange window;
    try {
      window = ModelTimeRange.parse(p.owner() + ": parameter 'times'", p.requireString("times"));
    } catch (IllegalArgumentException e) {
      rule.close();
      throw e;
    }
    int limit = context.schedule() != null ? context.schedule().trainTimesteps() : Integer.MAX_VALUE;
    if (window.from() >= limit) {
      rule.close();
      throw new IllegalArgumentException(p.owner() + ": parameter 'times' range " + window + " starts at or beyond "
          + "T = " + limit + ", where no step is; write lo-hi with lo < " + limit);
    }
    return new ExitTimeWindow(rule, window);
  }

  /** @return the model-time range where samples may exit */
  public ModelTimeRange window() {
    return window;
  }

  @Override
  public String describe() {
    return rule.describe() + " exits only at model time in [" + ModelTimeRange.format(window.from()) + ", "
        + ModelTimeRange.format(window.until()) + ")";
  }

  @Override
  public NDArray decide(ExitPoint point) {
    NDArray t = point.modelTime();
    NDArray inside = t.gte(window.from()).logicalAnd(t.lt(window.until()));
    if (!inside.any().getBoolean()) {
      return Decisions.uniform(point, false);
    }
    return rule.decide(point).logicalAnd(inside);
  }

  @Override
  public void startRun(RunInfo run) {
    rule.startRun(run);
  }

  @Override
  public void startStep(int step) {
    rule.startStep(step);
  }

  @Override
  public void startPass(PassInfo pass) {
    rule.startPass(pass);
  }

  @Override
  public void endPass() {
    rule.endPass();
  }

  @Override
  public void endRun() {
    rule.endRun();
  }

  @Override
  public long macsPerDecision(ExitPointSpec point) {
    return rule.macsPerDecision(point);
  }

  @Override
  public Optional<Block> trainable() {
    return rule.trainable();
  }

  @Override
  public Optional<TrainingObjective> objective() {
    return rule.objective();
  }

  @Override
  public Optional<NDArray> pixelMap(ExitPoint point) {
    return rule.pixelMap(point);
  }

  @Override
  public boolean isUpperBound() {
    return rule.isUpperBound();
  }

  @Override
  public void close() {
    rule.close();
  }
}
