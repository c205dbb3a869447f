package io.diffexit.backbones.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.List;

/**
 * The time conditioning: a sinusoidal embedding of the model time t (dimension {@code base}, [cos, sin] order,
 * frequencies exp(−ln(10000)·k/(base/2)) for k = 0..base/2−1, as U-ViT's {@code timestep_embedding}), then
 * Linear(base → 4·base) → SiLU → Linear(4·base → 4·base) as in DDPM, then SiLU and one fused linear layer that yields
 * every residual block's projection at once (one matmul instead of one per block).
 */
final class TimeEmbedding {

  private final int half;
  private final Dense fc1;
  private final Dense fc2;
  private final Dense projection;
  private final long[] splits;
  private final int totalChannels;

  /**
   * @param base embedding dimension (even)
   * @param blockChannels output channels of every residual block, in slot order
   */
  TimeEmbedding(ParameterSink sink, int base, List<Integer> blockChannels) {
    this.half = base / 2;
    this.fc1 = new Dense(sink, "time.fc1", base, 4 * base);
    this.fc2 = new Dense(sink, "time.fc2", 4 * base, 4 * base);
    int total = 0;
    this.splits = new long[blockChannels.size() - 1];
    for (int i = 0; i < blockChannels.size(); i++) {
      total += blockChannels.get(i);
      if (i < splits.length) {
        splits[i] = total;
      }
    }
    this.totalChannels = total;
    this.projection = new Dense(sink, "time.proj", 4 * base, total);
  }

  /**
   * @param t model time, (B), float32
   * @return every residual block's time projection, in t's manager
   */
  Projections apply(ParameterStore ps, NDArray t, boolean training, DeviceConstants k) {
    long b = t.getShape().get(0);
    NDArray freqs =
        k.get(
            t.getDevice(),
            "time-freqs/" + half,
            m -> {
              float[] f = new float[half];
              for (int i = 0; i < half; i++) {
                f[i] = (float) Math.exp(-Math.log(10000.0) * i / half);
              }
              // created in its final shape: a reshaped view would outlive the Java buffer that backs create()
              return m.create(f, new Shape(1, half));
            });
    NDArray args = t.reshape(b, 1).mul(freqs);
    NDArray emb = NDArrays.concat(new NDList(args.cos(), args.sin()), 1);
    NDArray e = fc2.apply(ps, Ops.silu(fc1.apply(ps, emb, training)), training);
    NDArray all = projection.apply(ps, Ops.silu(e), training).reshape(b, totalChannels, 1, 1);
    return new Projections(all, splits);
  }

  /** @return MACs per sample: the two MLP layers and the fused projection for every residual block */
  long macs() {
    return fc1.macs() + fc2.macs() + projection.macs();
  }

  /** The time projections of every residual block for the active samples: (B, ΣC, 1, 1) and its per-block views. */
  static final class Projections {
    private final NDArray all;
    private final long[] splits;
    private NDList slots;

    Projections(NDArray all, long[] splits) {
      this.all = all;
      this.splits = splits;
    }

    /** @return block {@code i}'s projection, (B, C_i, 1, 1) */
    NDArray slot(int i) {
      if (slots == null) {
        slots = splits.length == 0 ? new NDList(all) : all.split(splits, 1);
      }
      return slots.get(i);
    }

    /** @return the samples where keep is true, in a new object; this one is closed */
    Projections retain(NDArray keep) {
      Projections kept = new Projections(all.get(keep), splits);
      close();
      return kept;
    }

    /** Moves the arrays to {@code manager}. */
    void attach(NDManager manager) {
      all.attach(manager);
      if (slots != null) {
        slots.attach(manager);
      }
    }

    void close() {
      if (slots != null) {
        slots.close();
      }
      all.close();
    }
  }
}
