package io.diffexit.backbones.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import io.diffexit.api.SinusoidalTimeEmbedding;
import io.diffexit.backbones.nn.Activations;
import io.diffexit.backbones.nn.Dense;
import io.diffexit.backbones.nn.ParameterSink;
import java.util.List;

/**
 * The U-Net's time conditioning: the {@link SinusoidalTimeEmbedding} of the model time t (width {@code base}, [cos,
 * sin] order, max period 10000, as U-ViT's {@code timestep_embedding}), then Linear(base → 4·base) → SiLU →
 * Linear(4·base → 4·base) as in DDPM, then SiLU and one fused linear layer that yields every residual block's
 * projection at once (one matmul instead of one per block).
 */
final class TimeConditioning {

  private final SinusoidalTimeEmbedding sinusoid;
  private final Dense fc1;
  private final Dense fc2;
  private final Dense projection;
  private final long[] splits;
  private final int totalChannels;

  /**
   * @param sinusoid the sinusoidal embedding, of width {@code base} (the backbone builds both from its config)
   * @param base embedding dimension (even)
   * @param blockChannels output channels of every residual block, in slot order
   */
  TimeConditioning(ParameterSink sink, SinusoidalTimeEmbedding sinusoid, int base, List<Integer> blockChannels) {
    this.sinusoid = sinusoid;
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
  Projections apply(ParameterStore ps, NDArray t, boolean training) {
    long b = t.getShape().get(0);
    NDArray emb = sinusoid.embed(t);
    NDArray e = fc2.apply(ps, Activations.silu(fc1.apply(ps, emb, training)), training);
    NDArray all = projection.apply(ps, Activations.silu(e), training).reshape(b, totalChannels, 1, 1);
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
