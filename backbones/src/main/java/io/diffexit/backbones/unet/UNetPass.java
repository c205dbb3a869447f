package io.diffexit.backbones.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.diffexit.api.NoiseSchedule;
import io.diffexit.api.Pass;
import io.diffexit.backbones.nn.DeviceConstants;
import io.diffexit.backbones.nn.NearestResize;
import io.diffexit.backbones.nn.NoiseScales;
import java.util.ArrayList;
import java.util.List;

/**
 * One forward pass of the U-Net, exit point by exit point, over a batch that may shrink.
 *
 * <p>State between exit points: the current feature map, the stack of pending encoder skip tensors (conv_in output,
 * every encoder residual block's output, every downsampling output), and the time projections of all residual blocks.
 * {@link #retain} compacts all of them. Each segment runs in a scoped sub-manager, so its intermediate arrays are
 * freed when it ends (closing DJL handles does not affect autograd, which holds its own references); what persists
 * (hidden state, skips, heads) is moved to the manager of {@code x}.
 *
 * <p>Step reuse (DeepCache): {@link #resume} at exit point e, before the first {@link #advance()}, recomputes only the
 * {@code levels − e} finest encoder levels (their skips are what the remaining decoder levels consume) and takes the
 * cached decoder feature map at e as the hidden state; {@link #head(int, NDArray)} runs any exit head on a given map.
 */
final class UNetPass implements Pass {

  private final UNetNetwork net;
  private final ParameterStore ps;
  private final boolean training;
  private final NDManager manager;
  private final List<NDArray> skips = new ArrayList<>();
  private TimeConditioning.Projections time;
  private NDArray hidden;
  private NDArray head;
  private int position = -1;
  private long active;
  /** For x̂₀ heads: the input x_t, √ᾱ and √(1−ᾱ) per sample as (B, 1, 1, 1); null without x̂₀ heads. */
  private NDArray xt;
  private NDArray signalScale;
  private NDArray noiseScale;
  /** whether {@link #xt} is the pass's own compacted copy (else the caller's input, never closed here) */
  private boolean ownsXt;

  UNetPass(UNetNetwork net, ParameterStore ps, NDArray x, NDArray t, boolean training, NoiseSchedule schedule) {
    this.net = net;
    this.ps = ps;
    this.training = training;
    this.manager = x.getManager();
    validate(net.config, x, t);
    this.active = x.getShape().get(0);
    if (net.hasX0Heads() && schedule != null) {
      NoiseScales scales = NoiseScales.of(schedule, t);
      Shape column = new Shape(scales.signal().length, 1, 1, 1);
      xt = x;
      signalScale = manager.create(scales.signal(), column);
      noiseScale = manager.create(scales.noise(), column);
    }
    try (NDManager scope = manager.newSubManager()) {
      x.tempAttach(scope);
      t.tempAttach(scope);
      time = net.time.apply(ps, t, training);
      time.attach(manager);
      NDArray h = net.input.apply(ps, x, training);
      h.attach(manager);
      skips.add(h);
      hidden = h;
    }
  }

  private static void validate(UNetConfig c, NDArray x, NDArray t) {
    Shape xs = x.getShape();
    if (xs.dimension() != 4 || xs.get(1) != c.channels() || xs.get(2) != c.height() || xs.get(3) != c.width()) {
      throw new IllegalArgumentException(
          UNetConfig.OWNER + ": x must have shape (B, " + c.channels() + ", " + c.height() + ", " + c.width()
              + "), got " + xs);
    }
    if (x.getDataType() != DataType.FLOAT32 || t.getDataType() != DataType.FLOAT32) {
      throw new IllegalArgumentException(
          UNetConfig.OWNER + ": x and t must be float32, got " + x.getDataType() + " and " + t.getDataType());
    }
    if (t.getShape().dimension() != 1 || t.getShape().get(0) != xs.get(0)) {
      throw new IllegalArgumentException(
          UNetConfig.OWNER + ": t must have shape (" + xs.get(0) + ") like x's batch, got " + t.getShape());
    }
  }

  @Override
  public int exitPoints() {
    return net.heads.size();
  }

  @Override
  public int position() {
    return position;
  }

  @Override
  public long active() {
    return active;
  }

  @Override
  public NDArray advance() {
    if (position == exitPoints() - 1) {
      throw new IllegalStateException(
          UNetConfig.OWNER + ": the pass already stands at its last exit point (" + exitPoints()
              + "); begin a new pass");
    }
    position++;
    head = null;
    List<NDArray> pushed = new ArrayList<>();
    try (NDManager scope = manager.newSubManager()) {
      hidden.tempAttach(scope);
      NDArray h = position == 0 ? encodeAndMiddle(hidden, pushed) : decode(net.decoder.get(position - 1), hidden);
      // attach after the segment: arrays attached to the output manager early would pull later ops out of the scope
      for (NDArray s : pushed) {
        s.attach(manager);
      }
      h.attach(manager);
      hidden = h;
    }
    skips.addAll(pushed);
    return hidden;
  }

  private NDArray encodeAndMiddle(NDArray h, List<NDArray> pushed) {
    DeviceConstants k = net.constants;
    for (UNetNetwork.Level level : net.encoder) {
      for (int i = 0; i < level.blocks().size(); i++) {
        h = level.blocks().get(i).apply(ps, h, time, training, k);
        SelfAttention a = level.attentions().get(i);
        if (a != null) {
          h = a.apply(ps, h, training, k);
        }
        pushed.add(h);
      }
      if (level.resample() != null) {
        h = level.resample().apply(ps, h, training);
        pushed.add(h);
      }
    }
    h = net.middle1.apply(ps, h, time, training, k);
    if (net.middleAttention != null) {
      h = net.middleAttention.apply(ps, h, training, k);
    }
    return net.middle2.apply(ps, h, time, training, k);
  }

  private NDArray decode(UNetNetwork.Level level, NDArray h) {
    DeviceConstants k = net.constants;
    if (level.resample() != null) {
      h = level.resample().apply(ps, NearestResize.resize(h, level.height(), level.width(), k), training);
    }
    for (int i = 0; i < level.blocks().size(); i++) {
      NDArray skip = skips.remove(skips.size() - 1);
      NDArray joined = NDArrays.concat(new NDList(h, skip), 1);
      skip.close(); // a pending skip is private to the pass; autograd keeps its own reference
      h = level.blocks().get(i).apply(ps, joined, time, training, k);
      SelfAttention a = level.attentions().get(i);
      if (a != null) {
        h = a.apply(ps, h, training, k);
      }
    }
    return h;
  }

  @Override
  public NDArray head() {
    if (position < 0) {
      throw new IllegalStateException(UNetConfig.OWNER + ": head() needs an exit point; call advance() first");
    }
    if (head == null) {
      try (NDManager scope = manager.newSubManager()) {
        hidden.tempAttach(scope);
        NDArray eps = asEpsilon(position, net.heads.get(position).apply(ps, hidden, training, net.constants));
        eps.attach(manager);
        head = eps;
      }
    }
    return head;
  }

  /**
   * @param prediction a head's output at the image size, in the calling scope's manager
   * @return ε: the prediction itself for an ε head; for an x̂₀ head ε = (x_t − √ᾱ·x̂₀)/√(1−ᾱ), written with the
   *     scope's array as receiver so that every temporary stays in that scope
   */
  private NDArray asEpsilon(int exitPoint, NDArray prediction) {
    if (!net.heads.get(exitPoint).predictsX0()) {
      return prediction;
    }
    if (xt == null) {
      throw new IllegalStateException(UNetConfig.OWNER + ": exit point " + exitPoint + " predicts x0 and this pass"
          + " was begun without the noise schedule to turn it into eps");
    }
    return prediction.mul(signalScale).neg().add(xt).div(noiseScale);
  }

  @Override
  public NDArray head(int exitPoint, NDArray map) {
    if (exitPoint < 0 || exitPoint >= exitPoints()) {
      throw new IllegalArgumentException(
          UNetConfig.OWNER + ": exit point " + exitPoint + " outside [0, " + exitPoints() + ")");
    }
    try (NDManager scope = manager.newSubManager()) {
      map.tempAttach(scope);
      NDArray eps = asEpsilon(exitPoint, net.heads.get(exitPoint).apply(ps, map, training, net.constants));
      eps.attach(manager);
      return eps;
    }
  }

  @Override
  public void resume(int exitPoint, NDArray map) {
    if (exitPoint < 0 || exitPoint >= exitPoints()) {
      throw new IllegalArgumentException(
          UNetConfig.OWNER + ": exit point " + exitPoint + " outside [0, " + exitPoints() + ")");
    }
    if (position != -1) {
      throw new IllegalStateException(
          UNetConfig.OWNER + ": resume needs a fresh pass (before the first advance()); this one stands at exit point "
              + position);
    }
    Shape expected = new Shape(active).addAll(net.exitPoints().get(exitPoint).hiddenShape());
    if (!map.getShape().equals(expected)) {
      throw new IllegalArgumentException(
          UNetConfig.OWNER + ": a cached state for exit point " + exitPoint + " must have shape " + expected + ", got "
              + map.getShape());
    }
    int levels = net.recomputedLevels(exitPoint);
    List<NDArray> pushed = new ArrayList<>();
    try (NDManager scope = manager.newSubManager()) {
      NDArray h = hidden;
      h.tempAttach(scope);
      DeviceConstants k = net.constants;
      for (int i = 0; i < levels; i++) {
        UNetNetwork.Level level = net.encoder.get(i);
        for (int b = 0; b < level.blocks().size(); b++) {
          h = level.blocks().get(b).apply(ps, h, time, training, k);
          SelfAttention a = level.attentions().get(b);
          if (a != null) {
            h = a.apply(ps, h, training, k);
          }
          pushed.add(h);
        }
        if (i < levels - 1 && level.resample() != null) {
          h = level.resample().apply(ps, h, training);
          pushed.add(h);
        }
      }
      for (NDArray s : pushed) {
        s.attach(manager);
      }
    }
    skips.addAll(pushed);
    hidden = map;
    head = null;
    position = exitPoint;
  }

  @Override
  public void retain(NDArray keep) {
    if (keep.getDataType() != DataType.BOOLEAN
        || keep.getShape().dimension() != 1
        || keep.getShape().get(0) != active) {
      throw new IllegalArgumentException(
          UNetConfig.OWNER + ": retain needs a boolean mask of shape (" + active + "), got "
              + keep.getDataType() + " " + keep.getShape());
    }
    if (active == 0) {
      return;
    }
    try (NDArray all = keep.all()) {
      if (all.getBoolean()) {
        return; // nothing to drop: skip the compaction work
      }
    }
    boolean hiddenIsSkip = !skips.isEmpty() && hidden == skips.get(0) && position < 0;
    for (int i = 0; i < skips.size(); i++) {
      NDArray old = skips.get(i);
      skips.set(i, old.get(keep));
      old.close();
    }
    time = time.retain(keep);
    if (xt != null) {
      NDArray oldX = xt;
      xt = xt.get(keep);
      if (ownsXt) {
        oldX.close();
      }
      ownsXt = true;
      NDArray oldS = signalScale;
      signalScale = signalScale.get(keep);
      oldS.close();
      NDArray oldN = noiseScale;
      noiseScale = noiseScale.get(keep);
      oldN.close();
    }
    // the hidden state and head at an exit point were handed to the caller, who may still hold them: keep the old
    hidden = hiddenIsSkip ? skips.get(0) : hidden.get(keep);
    if (head != null) {
      head = head.get(keep);
    }
    active = hidden.getShape().get(0);
  }
}
