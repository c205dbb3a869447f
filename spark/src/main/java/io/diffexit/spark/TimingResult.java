package io.diffexit.spark;

import java.io.Serializable;

/**
 * The latency of a cell, measured by a timing task alone on its executor.
 *
 * @param batch1Json latency at batch 1, as the harness's {@code Latency} JSON
 * @param largeJson latency at the experiment's large batch, as JSON
 * @param executor the executor id
 * @param threads intra-op threads of the timed runs
 * @param peakMemoryBytes the executor process's peak resident memory after the runs
 * @param taskSeconds wall time of the task
 */
record TimingResult(String batch1Json, String largeJson, String executor, int threads, long peakMemoryBytes,
    double taskSeconds) implements Serializable {
  private static final long serialVersionUID = 1L;
}
