package io.diffexit.api;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A range [from, until) of model time (the time input the network sees, e.g. the discrete timestep 0–999 of a DDPM
 * schedule), written {@code lo-hi}: where a strategy's {@code times} window lets samples exit, and which timesteps a
 * fine-tune's {@code --times} trains on.
 *
 * @param from the lower end, inclusive, ≥ 0
 * @param until the upper end, exclusive, > from
 */
public record ModelTimeRange(double from, double until) {

  private static final Pattern RANGE = Pattern.compile("\\s*([0-9]+(?:\\.[0-9]+)?)\\s*-\\s*([0-9]+(?:\\.[0-9]+)?)\\s*");

  public ModelTimeRange {
    if (!(from >= 0 && from < until && Double.isFinite(until))) {
      throw new IllegalArgumentException("model-time range " + format(from) + "-" + format(until) + " is empty; write lo-hi "
          + "with 0 <= lo < hi");
    }
  }

  /**
   * @param subject what the text is, for the message, e.g. {@code training option times}
   * @param text {@code lo-hi}, e.g. {@code 600-1000}
   * @return the range
   * @throws IllegalArgumentException "SUBJECT must be a model-time range lo-hi, e.g. 600-1000, got 'TEXT'" for other
   *     text, "SUBJECT range HI-LO is empty; write lo-hi with lo < hi" for lo ≥ hi
   */
  public static ModelTimeRange parse(String subject, String text) {
    Matcher m = RANGE.matcher(text);
    if (!m.matches()) {
      throw new IllegalArgumentException(subject + " must be a model-time range lo-hi, e.g. 600-1000, got '" + text
          + "'");
    }
    double lo = Double.parseDouble(m.group(1));
    double hi = Double.parseDouble(m.group(2));
    if (lo >= hi) {
      throw new IllegalArgumentException(subject + " range " + text.trim() + " is empty; write lo-hi with lo < hi");
    }
    return new ModelTimeRange(lo, hi);
  }

  /** @return whether {@code from <= t < until} */
  public boolean contains(double t) {
    return t >= from && t < until;
  }

  /** @return {@code lo-hi}, whole numbers without a decimal point, e.g. {@code 600-1000} */
  @Override
  public String toString() {
    return format(from) + "-" + format(until);
  }

  /**
   * @param v a model time
   * @return it as ranges write it: a whole number without a decimal point ({@code 600}), else Java's double text
   */
  public static String format(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
  }
}
