package io.diffexit.api;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;

/**
 * One tensor row per sample of a run, kept across sampler steps and passes: a strategy's per-sample cache that
 * survives batch compaction, because rows are written and read by sample id (the position in the run's batch, as
 * {@link ExitPoint#sampleIds()} reports it), not by their position in the shrinking active batch.
 *
 * <p>All rows share one shape and data type, fixed by the first {@link #put}. Storage is one (samples, ...) array in
 * the run's manager; a put copies the given rows in with one gather and one select, so the caller's arrays may die
 * after the call. Not thread-safe: one instance per strategy and run.
 */
public final class SampleTensors implements AutoCloseable {

  private final String owner;
  private final NDManager manager;
  private final int samples;
  private final boolean[] present;
  private NDArray rows; // (samples, ...) or null before the first put
  private long peakBytes;

  /**
   * @param owner what the rows are, for messages, e.g. {@code "block-cache: tail residual"}
   * @param manager the run's manager ({@link RunInfo#manager()}); the storage lives there
   * @param samples the run's samples
   */
  public SampleTensors(String owner, NDManager manager, int samples) {
    if (samples < 1) {
      throw new IllegalArgumentException(owner + ": needs at least one sample, got " + samples);
    }
    this.owner = owner;
    this.manager = manager;
    this.samples = samples;
    this.present = new boolean[samples];
  }

  /** @return whether sample {@code id} has a row */
  public boolean has(int id) {
    checkId(id);
    return present[id];
  }

  /** @return whether every one of {@code ids} has a row */
  public boolean hasAll(int[] ids) {
    for (int id : ids) {
      if (!has(id)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Stores (a copy of) one row per id, replacing earlier rows of those samples.
   *
   * @param ids sample ids, distinct
   * @param values (ids.length, ...) rows in the order of {@code ids}
   */
  public void put(int[] ids, NDArray values) {
    if (ids.length == 0) {
      return;
    }
    Shape shape = values.getShape();
    if (shape.dimension() < 1 || shape.get(0) != ids.length) {
      throw new IllegalArgumentException(
          owner + ": " + ids.length + " ids need " + ids.length + " rows, got an array of shape " + shape);
    }
    if (rows != null && !rowShape().equals(shape.slice(1))) {
      throw new IllegalArgumentException(
          owner + ": rows of shape " + shape.slice(1) + " do not match the stored rows' shape " + rowShape());
    }
    long[] source = new long[samples];
    boolean[] take = new boolean[samples];
    for (int k = 0; k < ids.length; k++) {
      checkId(ids[k]);
      if (take[ids[k]]) {
        throw new IllegalArgumentException(owner + ": sample " + ids[k] + " is given twice in one put");
      }
      take[ids[k]] = true;
      source[ids[k]] = k;
    }
    NDArray next;
    try (NDManager scope = manager.newSubManager()) {
      NDArray copy = values.duplicate();
      copy.attach(scope);
      boolean all = ids.length == samples;
      for (int b = 0; all && b < samples; b++) {
        all = source[b] == b;
      }
      if (all) {
        next = copy; // every sample, in order: the rows are the new storage
      } else {
        NDArray gathered = copy.get(new NDIndex("{}", scope.create(source)));
        if (rows == null) {
          next = gathered; // rows of samples not taken are never read: has() is false for them
        } else {
          long[] mask = new long[shape.dimension()];
          Arrays.fill(mask, 1);
          mask[0] = samples;
          NDArray where = scope.create(take).reshape(new Shape(mask)).broadcast(rows.getShape());
          next = NDArrays.where(where, gathered, rows);
        }
      }
      next.attach(manager);
    }
    if (rows != null) {
      rows.close();
    }
    rows = next;
    for (int id : ids) {
      present[id] = true;
    }
    peakBytes = Math.max(peakBytes, bytes());
  }

  /**
   * @param ids sample ids that all have rows
   * @param into the manager the result belongs to
   * @return (ids.length, ...) their rows, in the order of {@code ids}
   * @throws IllegalStateException naming the first sample without a row
   */
  public NDArray get(int[] ids, NDManager into) {
    for (int id : ids) {
      if (!has(id)) {
        throw new IllegalStateException(owner + ": sample " + id + " has no row yet; check has() before get()");
      }
    }
    long[] index = new long[ids.length];
    for (int k = 0; k < ids.length; k++) {
      index[k] = ids[k];
    }
    NDArray idx = into.create(index);
    NDArray out = rows.get(new NDIndex("{}", idx));
    out.attach(into);
    return out;
  }

  /** Forgets the rows of these samples (their next {@link #has} is false); the storage keeps its size. */
  public void forget(int[] ids) {
    for (int id : ids) {
      checkId(id);
      present[id] = false;
    }
  }

  /** @return the bytes of the storage now (0 before the first put) */
  public long bytes() {
    return rows == null ? 0 : rows.getShape().size() * rows.getDataType().getNumOfBytes();
  }

  /** @return the most bytes the storage held at once */
  public long peakBytes() {
    return peakBytes;
  }

  private Shape rowShape() {
    return rows.getShape().slice(1);
  }

  private void checkId(int id) {
    if (id < 0 || id >= samples) {
      throw new IllegalArgumentException(owner + ": sample id " + id + " outside [0, " + samples + ")");
    }
  }

  /** Releases the storage (the run's manager would release it at the end of the run anyway). */
  @Override
  public void close() {
    if (rows != null) {
      rows.close();
      rows = null;
    }
    Arrays.fill(present, false);
  }
}
