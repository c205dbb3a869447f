package io.diffexit.samplers.schedule;

import io.diffexit.api.NoiseSchedule;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The built-in noise schedules, rebuilt from their {@link NoiseSchedule#name()} (as stored in model cards), and the
 * check that a sampler's schedule matches the one a model was trained with.
 *
 * <p>Names: {@code linear(beta=0.0001..0.02, T=1000)}, {@code scaled-linear(beta=0.00085..0.012, T=1000)},
 * {@code cosine(s=0.008, max-beta=0.999, T=1000)}, {@code vp-sde(beta0=0.1, beta1=20, T=1000)}. A bare kind
 * ({@code linear}) or a subset of the keys takes these defaults for the rest. Arguments may also be separated by ';'
 * ({@code vp-sde(beta0=0.1;beta1=20;T=1000)}), so that a name fits in a {@code Params} value, which cannot hold ','.
 */
public final class NoiseSchedules {

  /** The kinds {@link #parse(String)} knows. */
  public static final List<String> KINDS = List.of("linear", "scaled-linear", "cosine", "vp-sde");

  /**
   * Largest difference of sqrt(ᾱ_i) or of sqrt(1 − ᾱ_i) at any discrete timestep for which two schedules count as the
   * same process. DDPM linear vs VP-SDE(0.1, 20) differ by at most 1.4e-3; cosine or scaled-linear vs linear by 0.25
   * or more.
   */
  public static final double COMPATIBILITY_TOLERANCE = 0.01;

  private NoiseSchedules() {}

  /** @return DDPM's linear schedule, β 1e-4 → 0.02 over T = 1000 */
  public static DiscreteSchedule ddpmLinear() {
    return DiscreteSchedule.linear(1e-4, 0.02, 1000);
  }

  /** @return U-ViT's VP-SDE, β0 = 0.1, β1 = 20, T = 1000 (the continuous twin of {@link #ddpmLinear()}) */
  public static VpSdeSchedule vpSde() {
    return new VpSdeSchedule(0.1, 20.0, 1000);
  }

  /**
   * @param name a schedule name as {@link NoiseSchedule#name()} writes it, or a bare kind
   * @return the schedule it names
   * @throws IllegalArgumentException naming the malformed part and the accepted forms
   */
  public static NoiseSchedule parse(String name) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("noise schedule: name is empty; use one of " + KINDS);
    }
    String text = name.trim();
    String kind = text;
    Map<String, String> args = new LinkedHashMap<>();
    int open = text.indexOf('(');
    if (open >= 0) {
      if (!text.endsWith(")")) {
        throw new IllegalArgumentException("noise schedule '" + name + "': missing ')' at the end");
      }
      kind = text.substring(0, open).trim();
      String inner = text.substring(open + 1, text.length() - 1).trim();
      if (!inner.isEmpty()) {
        for (String entry : inner.split("[,;]")) {
          int eq = entry.indexOf('=');
          if (eq <= 0) {
            throw new IllegalArgumentException(
                "noise schedule '" + name + "': malformed argument '" + entry.trim() + "'; write key=value");
          }
          String key = entry.substring(0, eq).trim();
          if (args.put(key, entry.substring(eq + 1).trim()) != null) {
            throw new IllegalArgumentException("noise schedule '" + name + "': argument '" + key + "' is given twice");
          }
        }
      }
    }
    switch (kind) {
      case "linear": {
        requireKeys(name, args, Set.of("beta", "T"));
        double[] range = range(name, args.getOrDefault("beta", "0.0001..0.02"));
        return DiscreteSchedule.linear(range[0], range[1], integer(name, args, "T", 1000));
      }
      case "scaled-linear": {
        requireKeys(name, args, Set.of("beta", "T"));
        double[] range = range(name, args.getOrDefault("beta", "0.00085..0.012"));
        return DiscreteSchedule.scaledLinear(range[0], range[1], integer(name, args, "T", 1000));
      }
      case "cosine":
        requireKeys(name, args, Set.of("s", "max-beta", "T"));
        return DiscreteSchedule.cosine(
            number(name, args, "s", 0.008), number(name, args, "max-beta", 0.999), integer(name, args, "T", 1000));
      case "vp-sde":
        requireKeys(name, args, Set.of("beta0", "beta1", "T"));
        return new VpSdeSchedule(
            number(name, args, "beta0", 0.1), number(name, args, "beta1", 20.0), integer(name, args, "T", 1000));
      default:
        throw new IllegalArgumentException("noise schedule '" + name + "': unknown kind '" + kind + "'; use one of " + KINDS);
    }
  }

  /**
   * Checks that sampling with {@code requested} runs the process a model trained with {@code trained} learned: the same
   * T (the model-time scale) and sqrt(ᾱ_i), sqrt(1 − ᾱ_i) within {@link #COMPATIBILITY_TOLERANCE} at every timestep.
   * So DDPM linear and VP-SDE(0.1, 20) are accepted either way; cosine for a linear-trained model is refused.
   *
   * @param force accept a mismatch anyway (for experiments); the mismatch is then returned as a warning
   * @return empty when compatible, else (only when forced) the description of the mismatch
   * @throws IllegalArgumentException describing the mismatch and how to override it, unless forced
   */
  public static Optional<String> requireCompatible(NoiseSchedule trained, NoiseSchedule requested, boolean force) {
    Optional<String> mismatch = mismatch(trained, requested);
    if (mismatch.isPresent() && !force) {
      throw new IllegalArgumentException(mismatch.get() + "; sample with the model's own schedule, or force it"
          + " (results will not match the model's training)");
    }
    return mismatch;
  }

  private static Optional<String> mismatch(NoiseSchedule trained, NoiseSchedule requested) {
    String head = "noise schedule '" + requested.name() + "' does not match the model's training schedule '"
        + trained.name() + "'";
    if (trained.trainTimesteps() != requested.trainTimesteps()) {
      return Optional.of(head + ": T = " + requested.trainTimesteps() + " vs " + trained.trainTimesteps()
          + " (the model-time scale differs)");
    }
    double worst = 0.0;
    int at = 0;
    for (int i = 0; i < trained.trainTimesteps(); i++) {
      double a = trained.alphaBar(i);
      double b = requested.alphaBar(i);
      double d = Math.max(Math.abs(Math.sqrt(a) - Math.sqrt(b)), Math.abs(Math.sqrt(1 - a) - Math.sqrt(1 - b)));
      if (d > worst) {
        worst = d;
        at = i;
      }
    }
    if (worst > COMPATIBILITY_TOLERANCE) {
      return Optional.of(String.format(java.util.Locale.ROOT,
          "%s: at timestep %d sqrt(alpha_bar) is %.4f vs %.4f (allowed difference %.2g)", head, at,
          Math.sqrt(requested.alphaBar(at)), Math.sqrt(trained.alphaBar(at)), COMPATIBILITY_TOLERANCE));
    }
    return Optional.empty();
  }

  private static void requireKeys(String name, Map<String, String> args, Set<String> known) {
    for (String k : args.keySet()) {
      if (!known.contains(k)) {
        throw new IllegalArgumentException(
            "noise schedule '" + name + "': unknown argument '" + k + "'; known: " + new java.util.TreeSet<>(known));
      }
    }
  }

  private static double[] range(String name, String value) {
    int dots = value.indexOf("..");
    if (dots <= 0) {
      throw new IllegalArgumentException(
          "noise schedule '" + name + "': beta must be a range start..end, e.g. 0.0001..0.02, got '" + value + "'");
    }
    return new double[] {
      parseNumber(name, "beta", value.substring(0, dots)), parseNumber(name, "beta", value.substring(dots + 2))
    };
  }

  private static double number(String name, Map<String, String> args, String key, double def) {
    String v = args.get(key);
    return v == null ? def : parseNumber(name, key, v);
  }

  private static double parseNumber(String name, String key, String v) {
    try {
      double d = Double.parseDouble(v.trim());
      if (Double.isFinite(d)) {
        return d;
      }
    } catch (NumberFormatException e) {
      // fall through to the message below
    }
    throw new IllegalArgumentException(
        "noise schedule '" + name + "': argument '" + key + "' must be a finite number, got '" + v + "'");
  }

  private static int integer(String name, Map<String, String> args, String key, int def) {
    String v = args.get(key);
    if (v == null) {
      return def;
    }
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "noise schedule '" + name + "': argument '" + key + "' must be an integer, got '" + v + "'");
    }
  }
}
