package io.diffexit.harness.runner;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.diffexit.api.Backbone;
import io.diffexit.api.BackboneSpec;
import io.diffexit.api.Pass;

/**
 * The pace reference of latency measurements: times one full-depth call of the backbone (embedding, every block, the
 * final head; no exit heads, no strategy) on a fixed input of a given batch size. Timed right after a sampling run,
 * it tells how fast the machine was at that moment, so that run time ÷ full-pass time compares runs made minutes
 * apart on a machine whose speed drifts (see {@code Latency.Paced}).
 *
 * <p>Calls are repeated until {@link #MIN_NANOS} have passed (at least one call, at most {@link #MAX_CALLS}); the mean
 * call is returned. At a large batch one call is already long enough; at batch 1 a call takes a few milliseconds, and
 * when the cores are contended single calls are either unhindered or stalled by a whole scheduler slice. The mean over
 * ~50 ms sees stalls in the proportion the run saw them; the median would not (measured: with a CPU hog on one of two
 * cores, a median of up to 7 calls over 20 ms put a batch-1 DDIM-50 run at 41 full passes against 66 on the quiet
 * machine; at batch 64 both agreed within 5%).
 */
public final class FullPassProbe {

  /** Most calls per probe. */
  static final int MAX_CALLS = 32;
  /** Calls continue until this much time has been spent (or {@link #MAX_CALLS} were made). */
  static final long MIN_NANOS = 50_000_000L;
  /** Model time of the probe's input; any fixed value does, the cost of a call does not depend on it. */
  private static final float MODEL_TIME = 500f;

  private final Backbone backbone;
  private final ParameterStore store;

  /**
   * @param backbone the network whose full pass is the unit
   * @param store its parameter store
   */
  public FullPassProbe(Backbone backbone, ParameterStore store) {
    this.backbone = backbone;
    this.store = store;
  }

  /**
   * @param manager parent manager (a sub-manager holds the probe's arrays)
   * @param batch images per call
   * @return the mean wall time of one full-depth call, in seconds
   */
  public double seconds(NDManager manager, int batch) {
    BackboneSpec spec = backbone.spec();
    int calls = 0;
    long spent = 0;
    try (NDManager scope = manager.newSubManager()) {
      NDArray x = new SeededNoise(0x9A5EL, 0).initial(scope, new Shape(batch, spec.channels(), spec.height(), spec.width()));
      NDArray t = scope.full(new Shape(batch), MODEL_TIME);
      while (calls < MAX_CALLS && (calls == 0 || spent < MIN_NANOS)) {
        long t0 = System.nanoTime();
        try (NDManager call = scope.newSubManager()) {
          NDArray xs = x.duplicate();
          xs.attach(call);
          NDArray ts = t.duplicate();
          ts.attach(call);
          Pass pass = backbone.begin(store, xs, ts, false);
          for (int i = 0; i < spec.exitPoints().size(); i++) {
            pass.advance();
          }
          pass.head().toFloatArray(); // forces completion before the clock stops
        }
        spent += System.nanoTime() - t0;
        calls++;
      }
    }
    return spent / 1e9 / calls;
  }
}
