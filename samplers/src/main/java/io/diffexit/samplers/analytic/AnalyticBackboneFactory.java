package io.diffexit.samplers.analytic;

import io.diffexit.api.Backbone;
import io.diffexit.api.BackboneContext;
import io.diffexit.api.BackboneFactory;
import io.diffexit.api.NoiseSchedule;
import io.diffexit.api.ParamSpec;
import io.diffexit.api.Params;
import io.diffexit.samplers.schedule.NoiseSchedules;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/** {@code analytic}: the exact ε-predictor of Gaussian data with controlled per-exit-point errors. */
public final class AnalyticBackboneFactory implements BackboneFactory {

  private static final String OWNER = "backbone 'analytic'";

  private static final List<ParamSpec> PARAMS = List.of(
      ParamSpec.optional("mean", 0.5, "data mean μ: one number, or one per channel separated by ';'"),
      ParamSpec.optional("std", 0.5, "data standard deviation σ > 0: one number, or one per channel separated by ';'"),
      ParamSpec.optional("channels", 1, "image channels C, in [1, 64]"),
      ParamSpec.optional("height", 4, "image height H, in [1, 256]"),
      ParamSpec.optional("width", 4, "image width W, in [1, 256]"),
      ParamSpec.optional("exit-points", 3, "number of exit points E, in [1, 64]; the last one is exact"),
      ParamSpec.optional("error-scale", 0.1,
          "s >= 0: exit point i's head adds s·(E-1-i)/(E-1)·tanh(x_t) to the exact prediction"),
      ParamSpec.optional("schedule", "linear",
          "the noise schedule whose ᾱ the model time τ is read with, ᾱ = ᾱ((τ + 1)/T): a NoiseSchedules name with ';'"
              + " between arguments, e.g. linear, vp-sde, cosine(s=0.008;max-beta=0.999;T=1000)"));

  @Override
  public String name() {
    return "analytic";
  }

  @Override
  public String description() {
    return "exact optimal ε for Gaussian data N(mean, std²), with deterministic errors at earlier exit points (tests)";
  }

  @Override
  public List<ParamSpec> params() {
    return PARAMS;
  }

  @Override
  public Backbone create(Params params, BackboneContext context) {
    Params p = params.forOwner(OWNER).requireKnownSpecs(PARAMS);
    int channels = p.getInt("channels", 1, 1, 64);
    int height = p.getInt("height", 4, 1, 256);
    int width = p.getInt("width", 4, 1, 256);
    int exits = p.getInt("exit-points", 3, 1, 64);
    double errorScale = p.getDouble("error-scale", 0.1);
    if (errorScale < 0) {
      throw new IllegalArgumentException(OWNER + ": parameter 'error-scale' must be >= 0, got " + errorScale);
    }
    double[] mean = perChannel(p, "mean", "0.5", channels, false);
    double[] std = perChannel(p, "std", "0.5", channels, true);
    NoiseSchedule schedule;
    try {
      schedule = NoiseSchedules.parse(p.getString("schedule", "linear"));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(OWNER + ": parameter 'schedule': " + e.getMessage(), e);
    }
    Map<String, String> config = new LinkedHashMap<>();
    config.put("mean", join(mean));
    config.put("std", join(std));
    config.put("channels", String.valueOf(channels));
    config.put("height", String.valueOf(height));
    config.put("width", String.valueOf(width));
    config.put("exit-points", String.valueOf(exits));
    config.put("error-scale", String.valueOf(errorScale));
    config.put("schedule", schedule.name().replace(", ", ";"));   // Params values cannot hold ','

    return new GaussianAnalyticBackbone(Params.of(config).forOwner(OWNER), schedule, mean, std, channels, height,
        width, exits, errorScale);
  }

  private static double[] perChannel(Params p, String key, String def, int channels, boolean positive) {
    String[] parts = p.getString(key, def).split(";");
    if (parts.length != 1 && parts.length != channels) {
      throw new IllegalArgumentException(OWNER + ": parameter '" + key + "' needs 1 or " + channels
          + " values separated by ';', got " + parts.length);
    }
    double[] out = new double[channels];
    for (int c = 0; c < channels; c++) {
      String v = parts[parts.length == 1 ? 0 : c].trim();
      double d;
      try {
        d = Double.parseDouble(v);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(OWNER + ": parameter '" + key + "' must be numbers, got '" + v + "'");
      }
      if (!Double.isFinite(d) || (positive && !(d > 0))) {
        throw new IllegalArgumentException(
            OWNER + ": parameter '" + key + "' must be " + (positive ? "> 0" : "finite") + ", got '" + v + "'");
      }
      out[c] = d;
    }
    return out;
  }

  private static String join(double[] values) {
    StringJoiner j = new StringJoiner(";");
    for (double v : values) {
      j.add(String.valueOf(v));
    }
    return j.toString();
  }
}
