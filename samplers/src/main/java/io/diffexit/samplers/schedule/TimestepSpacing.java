package io.diffexit.samplers.schedule;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * How S inference timesteps are chosen among T training timesteps, as diffusers' {@code set_timesteps} defines them
 * (rounding is numpy's round-half-to-even, {@link Math#rint}). Timesteps are returned in sampling order (descending).
 *
 * <p>DDIM/DDPM ({@link #ddim}): leading {@code arange(0, S)·(T//S) + offset}; trailing {@code round(T − k·T/S) − 1};
 * linspace {@code round(linspace(0, T−1, S))}. DPM-Solver ({@link #dpmSolver}): leading
 * {@code arange(0, S+1)·(T//(S+1)) + offset} without its last (0); trailing as DDIM; linspace
 * {@code round(linspace(0, T−1, S+1))} without its last (0). Trailing is built as T − k·T/S for k = 0 … S−1 rather than
 * numpy's float {@code arange}, which can yield S + 1 points when T/S is inexact.
 */
public enum TimestepSpacing {
  /** Evenly spaced from 0 upwards; never reaches T − 1 (diffusers' DDIM default). */
  LEADING,
  /** Evenly spaced from T − 1 downwards; ends at T/S − 1. */
  TRAILING,
  /** Rounded linspace over [0, T − 1] (DPM-Solver's default). */
  LINSPACE;

  /** @return the name users write: {@code leading}, {@code trailing}, {@code linspace} */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** @return the labels of all spacings */
  public static List<String> labels() {
    return Arrays.stream(values()).map(TimestepSpacing::label).toList();
  }

  /**
   * @param owner the sampler, for messages
   * @param label a spacing label
   * @return the spacing
   */
  public static TimestepSpacing parse(String owner, String label) {
    for (TimestepSpacing s : values()) {
      if (s.label().equals(label)) {
        return s;
      }
    }
    throw new IllegalArgumentException(
        owner + ": parameter 'spacing' must be one of " + labels() + ", got '" + label + "'");
  }

  /**
   * DDIM/DDPM timesteps (diffusers {@code DDIMScheduler.set_timesteps}).
   *
   * @param owner the sampler, for messages
   * @param trainSteps T
   * @param steps S in [1, T]
   * @param offset diffusers' {@code steps_offset}, added for {@link #LEADING} only
   * @return S strictly decreasing timesteps in [0, T − 1]
   */
  public int[] ddim(String owner, int trainSteps, int steps, int offset) {
    requireSteps(owner, trainSteps, steps);
    int[] ts = new int[steps];
    for (int k = 0; k < steps; k++) {
      int ascending =
          switch (this) {
            case LEADING -> k * (trainSteps / steps) + offset;
            case LINSPACE -> (int) Math.rint(linspace(trainSteps - 1, steps, k));
            case TRAILING -> (int) Math.rint(trainSteps - (double) (steps - 1 - k) * trainSteps / steps) - 1;
          };
      ts[steps - 1 - k] = ascending;
    }
    return check(owner, trainSteps, steps, ts);
  }

  /**
   * DPM-Solver timesteps (diffusers {@code DPMSolverMultistepScheduler.set_timesteps}).
   *
   * @param owner the sampler, for messages
   * @param trainSteps T
   * @param steps S in [1, T]
   * @param offset diffusers' {@code steps_offset}, added for {@link #LEADING} only
   * @return S strictly decreasing timesteps in [0, T − 1]
   */
  public int[] dpmSolver(String owner, int trainSteps, int steps, int offset) {
    requireSteps(owner, trainSteps, steps);
    if (this == TRAILING) {
      return ddim(owner, trainSteps, steps, offset);
    }
    int[] ts = new int[steps];
    for (int k = 1; k <= steps; k++) {  // k = 0 (timestep 0) is dropped
      ts[steps - k] =
          this == LEADING
              ? k * (trainSteps / (steps + 1)) + offset
              : (int) Math.rint(linspace(trainSteps - 1, steps + 1, k));
    }
    return check(owner, trainSteps, steps, ts);
  }

  /** numpy's {@code linspace(0, end, n)[i]}: i·(end/(n − 1)), the last point exactly end. */
  private static double linspace(double end, int n, int i) {
    return i == n - 1 ? end : i * (end / (n - 1));
  }

  private static void requireSteps(String owner, int trainSteps, int steps) {
    if (steps < 1) {
      throw new IllegalArgumentException(owner + ": parameter 'steps' must be at least 1, got " + steps);
    }
    if (steps > trainSteps) {
      throw new IllegalArgumentException(owner + ": parameter 'steps' = " + steps
          + " exceeds the schedule's " + trainSteps + " training timesteps; use at most " + trainSteps);
    }
  }

  private int[] check(String owner, int trainSteps, int steps, int[] ts) {
    for (int i = 0; i < ts.length; i++) {
      if (ts[i] < 0 || ts[i] > trainSteps - 1) {
        throw new IllegalArgumentException(owner + ": spacing '" + label() + "' with " + steps
            + " steps gives timestep " + ts[i] + " outside [0, " + (trainSteps - 1) + "]; lower 'steps-offset' or 'steps'");
      }
      if (i > 0 && ts[i] >= ts[i - 1]) {
        throw new IllegalArgumentException(owner + ": spacing '" + label() + "' with " + steps
            + " steps repeats timestep " + ts[i] + " of " + trainSteps + "; use fewer steps or another spacing");
      }
    }
    return ts;
  }
}
