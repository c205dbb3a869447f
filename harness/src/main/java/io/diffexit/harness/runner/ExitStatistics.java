package io.diffexit.harness.runner;

import io.diffexit.api.BackboneSpec;
import io.diffexit.api.ExitTrace;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The distribution of exit layers per sampler step (timestep), computed from an {@link ExitTrace}: what the DeeDiff
 * reviewers asked to see, and the input of the {@code schedule} strategy's calibration ({@code modelTime},
 * {@code meanExitLayer}).
 */
public final class ExitStatistics {

  /**
   * One sampler step.
   *
   * @param step the step index (0 = noisiest)
   * @param modelTime the model time of the step
   * @param meanExitLayer mean exit layer over the samples (1-based layers)
   * @param counts samples that exited at each exit point
   */
  public record Row(int step, double modelTime, double meanExitLayer, long[] counts) {}

  private final BackboneSpec spec;
  private final List<Row> rows;

  private ExitStatistics(BackboneSpec spec, List<Row> rows) {
    this.spec = spec;
    this.rows = rows;
  }

  /** @return the statistics of a trace */
  public static ExitStatistics of(ExitTrace trace, BackboneSpec spec) {
    List<Row> rows = new ArrayList<>();
    for (int s = 0; s < trace.steps(); s++) {
      long[] h = trace.histogram(s);
      long n = 0;
      double sum = 0;
      for (int e = 0; e < h.length; e++) {
        n += h[e];
        sum += (double) h[e] * spec.exitPoints().get(e).layer();
      }
      rows.add(new Row(s, trace.modelTime(s), n == 0 ? Double.NaN : sum / n, h));
    }
    return new ExitStatistics(spec, List.copyOf(rows));
  }

  /** @return one row per step */
  public List<Row> rows() {
    return rows;
  }

  /** @return the mean exit layer per step, for JSON */
  public Map<String, Object> toJson() {
    Map<String, Object> out = new LinkedHashMap<>();
    List<Integer> layers = new ArrayList<>();
    List<String> names = new ArrayList<>();
    spec.exitPoints().forEach(e -> {
      layers.add(e.layer());
      names.add(e.name());
    });
    out.put("exitPointLayers", layers);
    out.put("exitPointNames", names);
    List<Double> times = new ArrayList<>();
    List<Double> means = new ArrayList<>();
    List<long[]> counts = new ArrayList<>();
    for (Row r : rows) {
      times.add(r.modelTime());
      means.add(r.meanExitLayer());
      counts.add(r.counts());
    }
    out.put("modelTime", times);
    out.put("meanExitLayer", means);
    out.put("counts", counts);
    return out;
  }

  /** Writes {@code step,model_time,mean_exit_layer,<one column per exit point>} as CSV. */
  public void writeCsv(Path file) {
    StringBuilder sb = new StringBuilder("step,model_time,mean_exit_layer");
    spec.exitPoints().forEach(e -> sb.append(",exit_").append(e.name()).append("_layer").append(e.layer()));
    sb.append('\n');
    for (Row r : rows) {
      sb.append(r.step()).append(',').append(fmt(r.modelTime())).append(',').append(fmt(r.meanExitLayer()));
      for (long c : r.counts()) {
        sb.append(',').append(c);
      }
      sb.append('\n');
    }
    try {
      Files.writeString(file, sb);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  private static String fmt(double v) {
    return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.4f", v);
  }
}
