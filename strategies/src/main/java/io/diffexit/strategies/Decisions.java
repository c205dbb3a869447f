package io.diffexit.strategies;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.diffexit.api.DecisionMode;
import io.diffexit.api.ExitPoint;
import io.diffexit.api.Params;
import io.diffexit.api.ParamSpec;
import io.diffexit.api.StrategyContext;
import java.util.List;

/** Small helpers shared by the built-in strategies: exit masks and factory-side parameter handling. */
public final class Decisions {

  private Decisions() {}

  /** @return a boolean mask of shape (B_active) with every entry {@code value}, in the hidden state's manager */
  public static NDArray uniform(ExitPoint point, boolean value) {
    long b = point.hidden().getShape().get(0);
    return point.hidden().getManager().full(new Shape(b), value ? 1 : 0, DataType.BOOLEAN);
  }

  /**
   * Reduces a per-pixel or per-position statistic to one value per sample (mean over every axis but the first), or in
   * {@link DecisionMode#PER_BATCH} mode to a single mean over the whole active batch tensor broadcast to every sample.
   *
   * @param values (B, ...) values
   * @param mode the decision mode
   * @return (B) means
   */
  public static NDArray meanPerDecision(NDArray values, DecisionMode mode) {
    long b = values.getShape().get(0);
    if (mode == DecisionMode.PER_BATCH) {
      return values.mean().reshape(1).repeat(0, b);
    }
    return values.reshape(b, -1).mean(new int[] {1});
  }

  /**
   * Validates the parameters every factory receives.
   *
   * @param name the strategy name, e.g. {@code deediff}
   * @param params the user's parameters
   * @param specs the parameters the factory accepts
   * @param context the host context; its backbone is required
   * @return the params with the owner label {@code exit strategy '<name>'}
   */
  public static Params checked(String name, Params params, List<ParamSpec> specs, StrategyContext context) {
    Params p = params.forOwner("exit strategy '" + name + "'");
    p.requireKnownSpecs(specs);
    if (context == null || context.backbone() == null) {
      throw new IllegalArgumentException("exit strategy '" + name + "' needs the backbone's description in its context");
    }
    return p;
  }

  /** @return a {@code threshold} in [0, 1] with its default, failing with the standard message otherwise */
  public static double threshold(Params p, double defaultValue) {
    return p.getDouble("threshold", defaultValue, 0.0, 1.0);
  }

  /** @return a number ≥ 0 with its default, failing with "parameter 'key' must be >= 0, got v" otherwise */
  public static double nonNegative(Params p, String key, double defaultValue) {
    double v = p.getDouble(key, defaultValue);
    if (v < 0) {
      throw new IllegalArgumentException(p.owner() + ": parameter '" + key + "' must be >= 0, got " + p.get(key).orElse(""));
    }
    return v;
  }
}
