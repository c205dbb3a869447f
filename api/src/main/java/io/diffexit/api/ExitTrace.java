package io.diffexit.api;

import java.util.Arrays;

/**
 * Where every sample exited at every sampler step: exit point index per (step, sample), plus the timestep of each
 * step, and whether the sample ran the network to its last exit point, exited earlier, or reused a step-reuse cache.
 * Filled by the runner; read by reports (mean exit layer, histograms per timestep, reuse fractions).
 *
 * <p>The exit point recorded is the one whose head gave the sample's ε; a reused sample records the head it took (a
 * first-block cache: the last exit point's head on the substituted state) or -1 when it skipped the denoiser call.
 * Histograms and the mean exit layer count every recorded head, reused or not.
 */
public final class ExitTrace {

  /** How a sample got its ε at a step. */
  public enum Outcome {
    /** not recorded */
    NONE,
    /** ran the network to the last exit point */
    RAN,
    /** exited at an earlier exit point */
    EXITED,
    /** reused a step-reuse cache (a skipped call, a resumed pass or a substitute) */
    REUSED
  }

  private static final Outcome[] OUTCOMES = Outcome.values();

  private final int[][] exits;
  private final byte[][] outcomes;
  private final double[] modelTimes;
  private final int exitPoints;

  /**
   * @param steps sampler steps
   * @param samples samples in the run
   * @param exitPoints exit points of the backbone
   */
  public ExitTrace(int steps, int samples, int exitPoints) {
    this.exits = new int[steps][samples];
    for (int[] row : exits) {
      Arrays.fill(row, -1);
    }
    this.outcomes = new byte[steps][samples];
    this.modelTimes = new double[steps];
    Arrays.fill(modelTimes, Double.NaN);
    this.exitPoints = exitPoints;
  }

  /**
   * @param step the sampler step
   * @param modelTime the model time of that step (first sample's; samplers use one per step)
   * @param sample sample index in the run
   * @param exitPoint the exit point it used
   */
  public void record(int step, double modelTime, int sample, int exitPoint) {
    if (exitPoint < 0 || exitPoint >= exitPoints) {
      throw new IllegalArgumentException("exit point " + exitPoint + " outside [0, " + exitPoints + ")");
    }
    exits[step][sample] = exitPoint;
    outcomes[step][sample] = (byte) (exitPoint == exitPoints - 1 ? Outcome.RAN : Outcome.EXITED).ordinal();
    modelTimes[step] = modelTime;
  }

  /**
   * Records a sample that reused a step-reuse cache.
   *
   * @param step the sampler step
   * @param modelTime the model time of that step
   * @param sample sample index in the run
   * @param exitPoint the exit point whose head gave its ε, or -1 when it skipped the denoiser call
   */
  public void recordReuse(int step, double modelTime, int sample, int exitPoint) {
    if (exitPoint < -1 || exitPoint >= exitPoints) {
      throw new IllegalArgumentException("exit point " + exitPoint + " outside [-1, " + exitPoints + ")");
    }
    exits[step][sample] = exitPoint;
    outcomes[step][sample] = (byte) Outcome.REUSED.ordinal();
    modelTimes[step] = modelTime;
  }

  /** @return how a sample got its ε at a step */
  public Outcome outcomeAt(int step, int sample) {
    return OUTCOMES[outcomes[step][sample]];
  }

  /** @return how many (step, sample) entries have this outcome */
  public long count(Outcome outcome) {
    long n = 0;
    for (byte[] row : outcomes) {
      for (byte o : row) {
        n += o == outcome.ordinal() ? 1 : 0;
      }
    }
    return n;
  }

  /** @return the fraction of recorded (step, sample) entries that reused a cache; 0 when nothing is recorded */
  public double reusedFraction() {
    long recorded = count(Outcome.RAN) + count(Outcome.EXITED) + count(Outcome.REUSED);
    return recorded == 0 ? 0 : (double) count(Outcome.REUSED) / recorded;
  }

  /** @return sampler steps */
  public int steps() {
    return exits.length;
  }

  /** @return samples */
  public int samples() {
    return exits.length == 0 ? 0 : exits[0].length;
  }

  /** @return exit points of the backbone */
  public int exitPoints() {
    return exitPoints;
  }

  /** @return the exit point of a sample at a step, -1 when not recorded */
  public int exitAt(int step, int sample) {
    return exits[step][sample];
  }

  /** @return the model time of a step */
  public double modelTime(int step) {
    return modelTimes[step];
  }

  /** @return how many samples exited at each exit point in this step */
  public long[] histogram(int step) {
    long[] h = new long[exitPoints];
    for (int e : exits[step]) {
      if (e >= 0) {
        h[e]++;
      }
    }
    return h;
  }

  /**
   * @param spec the backbone, to turn exit point indices into layers
   * @return the mean exit layer (1-based, {@link ExitPointSpec#layer()}) over all recorded samples and steps
   */
  public double meanExitLayer(BackboneSpec spec) {
    long n = 0;
    double sum = 0;
    for (int[] row : exits) {
      for (int e : row) {
        if (e >= 0) {
          sum += spec.exitPoints().get(e).layer();
          n++;
        }
      }
    }
    return n == 0 ? Double.NaN : sum / n;
  }

  /** Copies another trace's samples into this one at an offset (for runs made of several batches). */
  public void put(ExitTrace batch, int sampleOffset) {
    if (batch.steps() != steps() || batch.exitPoints != exitPoints) {
      throw new IllegalArgumentException("trace shapes differ");
    }
    for (int s = 0; s < steps(); s++) {
      System.arraycopy(batch.exits[s], 0, exits[s], sampleOffset, batch.samples());
      System.arraycopy(batch.outcomes[s], 0, outcomes[s], sampleOffset, batch.samples());
      if (!Double.isNaN(batch.modelTimes[s])) {
        modelTimes[s] = batch.modelTimes[s];
      }
    }
  }
}
