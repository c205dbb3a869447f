package io.diffexit.backbones.uvit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.diffexit.api.NoiseSchedule;
import io.diffexit.api.Pass;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One early-exit forward pass of a U-ViT: each {@link #advance()} runs one transformer block.
 *
 * <p>State held for the active samples: the tokens h (B, T, D), whose row 0 is the time token (so the time input is
 * compacted with them), the stack of pending in-block outputs that the out-blocks will pop (LIFO), and the head
 * output cached at the current position; with the convolutional head also the stem features of the input, and with
 * v prediction √ᾱ and √(1−ᾱ)·x_t ({@link VParameterization}). {@link #retain} compacts each of them with one
 * boolean-mask gather; {@link #head(int, NDArray, boolean[])} selects their rows for a subset. Until the
 * pass moves past its first exit point it also keeps the embedded tokens ({@link #input()}, for the first-block cache).
 *
 * <p>Step reuse: {@link #head(int, NDArray)} runs an exit point's head on any tokens; {@link #resume} is possible only at
 * the last exit point (the output), where no pending skip is needed, so it costs nothing beyond the embedding.
 *
 * <p>Memory: every segment runs in a sub-manager of the owner (the manager of the input {@code x}) that is closed
 * when the segment ends; only the arrays handed out (hidden states, heads) and the pending skips are attached to the
 * owner, which the caller closes.
 */
final class UVitPass implements Pass {

  private final UVitNet net;
  private final UVitConfig config;
  private final ParameterStore ps;
  private final boolean training;
  private final NDManager owner;
  /** Pending in-block outputs; the last element is the top of the stack. */
  private final List<NDArray> skips = new ArrayList<>();

  private NDArray hidden;
  private NDArray stem; // null without the convolutional head
  private VParameterization vTerms; // null for an ε head
  private NDArray embedded;
  private NDArray headCache;
  private int position = -1;
  private long active;

  UVitPass(UVitNet net, ParameterStore ps, NDArray x, NDArray t, boolean training, NoiseSchedule schedule) {
    this.net = net;
    this.config = net.config();
    this.ps = ps;
    this.training = training;
    this.owner = x.getManager();
    this.active = x.getShape().get(0);
    try (NDManager scope = owner.newSubManager()) {
      // borrow the inputs so that every intermediate lands in the scope (results follow the first operand)
      x.tempAttach(scope);
      if (t != x) {
        t.tempAttach(scope);
      }
      hidden = net.embed(ps, x, t, training);
      hidden.attach(owner);
      stem = net.stem(ps, x, training);
      if (stem != null) {
        stem.attach(owner);
      }
      if (config.vPrediction()) {
        vTerms = VParameterization.of(schedule, x, t).attach(owner);
      }
    }
    embedded = hidden;
  }

  @Override
  public int exitPoints() {
    return config.depth();
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
    if (position + 1 >= config.depth()) {
      throw new IllegalStateException(
          "uvit pass: already at the last exit point (" + config.depth() + " of " + config.depth()
              + "); begin a new pass");
    }
    int index = position + 1;
    boolean outBlock = index > config.sideBlocks();
    NDArray skip = outBlock ? skips.remove(skips.size() - 1) : null;
    NDArray next;
    try (NDManager scope = owner.newSubManager()) {
      hidden.tempAttach(scope);
      if (skip != null) {
        skip.tempAttach(scope);
      }
      next = net.block(index, ps, hidden, skip, training);
      next.attach(owner);
    }
    if (index < config.sideBlocks()) {
      skips.add(next);
    }
    hidden = next;
    headCache = null;
    position = index;
    if (position > 0) {
      embedded = null; // only the first exit point offers the pass input
    }
    return hidden;
  }

  @Override
  public Optional<NDArray> input() {
    return Optional.ofNullable(embedded);
  }

  @Override
  public NDArray head(int exitPoint, NDArray tokens) {
    long rows = tokens.getShape().get(0);
    NDArray outer = outerSkip(exitPoint);
    if ((stem != null || vTerms != null || outer != null) && rows != active) {
      throw new UnsupportedOperationException(
          "uvit pass: the head reads the input (stem features, x_t for v, or in0's output for exit-skip), so a"
              + " supplied hidden state of " + rows + " rows (of " + active + " active) needs head(exitPoint, hidden,"
              + " rows) to say which samples they are");
    }
    return headOn(exitPoint, tokens, stem, vTerms, outer);
  }

  @Override
  public NDArray head(int exitPoint, NDArray tokens, boolean[] rows) {
    if (rows.length != active) {
      throw new IllegalArgumentException(
          "uvit pass: head rows must flag each of the " + active + " active samples, got " + rows.length);
    }
    int selected = 0;
    for (boolean r : rows) {
      selected += r ? 1 : 0;
    }
    if (selected != tokens.getShape().get(0)) {
      throw new IllegalArgumentException(
          "uvit pass: " + selected + " rows flagged but the supplied hidden state has " + tokens.getShape().get(0));
    }
    NDArray outer = outerSkip(exitPoint);
    if ((stem == null && vTerms == null && outer == null) || selected == active) {
      return headOn(exitPoint, tokens, stem, vTerms, outer);
    }
    try (NDManager scope = owner.newSubManager()) {
      NDArray mask = scope.create(rows);
      NDArray selectedStem = null;
      if (stem != null) {
        selectedStem = stem.get(mask);
        selectedStem.attach(scope);
      }
      NDArray selectedOuter = null;
      if (outer != null) {
        selectedOuter = outer.get(mask);
        selectedOuter.attach(scope);
      }
      VParameterization selectedTerms = vTerms == null ? null : vTerms.rows(mask).attach(scope);
      return headOn(exitPoint, tokens, selectedStem, selectedTerms, selectedOuter);
    }
  }

  /**
   * Checks the exit point (every head call passes here before {@link #headOn}).
   *
   * @return in0's output for the active samples when the head of {@code exitPoint} reads it ({@code
   *     exit-skip=outer|block}), else null
   * @throws IllegalArgumentException for an exit point outside the network
   * @throws IllegalStateException when that head needs it and the pass holds none (before the first block, or after
   *     {@link #resume})
   */
  private NDArray outerSkip(int exitPoint) {
    if (exitPoint < 0 || exitPoint >= config.depth()) {
      throw new IllegalArgumentException(
          "uvit pass: exit point " + exitPoint + " outside [0, " + config.depth() + ")");
    }
    if (!net.headReadsOuterSkip(exitPoint)) {
      return null;
    }
    if (skips.isEmpty()) {
      throw new IllegalStateException("uvit pass: the head of exit point " + exitPoint + " reads in0's output"
          + " (exit-skip=" + config.exitSkip().label() + "), which this pass does not hold "
          + (position < 0 ? "before its first advance()" : "after resuming at the output"));
    }
    return skips.get(0); // the bottom of the stack: in0's output, which only the last block pops
  }

  /** Runs the head of an exit point that {@link #outerSkip} has checked. */
  private NDArray headOn(
      int exitPoint, NDArray tokens, NDArray stemRows, VParameterization terms, NDArray outerRows) {
    checkTokens(tokens, tokens.getShape().get(0));
    try (NDManager scope = owner.newSubManager()) {
      tokens.tempAttach(scope);
      NDArray eps = net.head(exitPoint, ps, tokens, stemRows, terms, outerRows, training);
      eps.attach(owner);
      return eps;
    }
  }

  @Override
  public void resume(int exitPoint, NDArray tokens) {
    int last = config.depth() - 1;
    if (exitPoint != last) {
      throw new IllegalStateException(
          "uvit pass: can resume only at the last exit point (" + last + "), where no pending skip is needed; got "
              + exitPoint);
    }
    if (position >= exitPoint) {
      throw new IllegalStateException(
          "uvit pass: already at exit point " + position + "; resume needs an earlier position");
    }
    checkTokens(tokens, active);
    hidden = tokens;
    skips.clear();
    headCache = null;
    embedded = null;
    position = exitPoint;
  }

  private void checkTokens(NDArray tokens, long rows) {
    Shape expected = new Shape(rows, config.tokens(), config.dim());
    if (!tokens.getShape().equals(expected)) {
      throw new IllegalArgumentException(
          "uvit pass: a supplied hidden state must have shape " + expected + ", got " + tokens.getShape());
    }
  }

  @Override
  public NDArray head() {
    if (position < 0) {
      throw new IllegalStateException("uvit pass: head() called before the first advance(); no exit point reached");
    }
    if (headCache == null) {
      try (NDManager scope = owner.newSubManager()) {
        hidden.tempAttach(scope);
        headCache = net.head(position, ps, hidden, stem, vTerms, outerSkip(position), training);
        headCache.attach(owner);
      }
    }
    return headCache;
  }

  @Override
  public void retain(NDArray keep) {
    if (keep.getDataType() != DataType.BOOLEAN) {
      throw new IllegalArgumentException("uvit pass: retain needs a boolean mask, got " + keep.getDataType());
    }
    if (!keep.getShape().equals(new Shape(active))) {
      throw new IllegalArgumentException(
          "uvit pass: retain mask must have shape (" + active + ") = the active samples, got " + keep.getShape());
    }
    boolean inputIsHidden = embedded == hidden;
    hidden = hidden.get(keep);
    if (embedded != null) {
      embedded = inputIsHidden ? hidden : embedded.get(keep);
    }
    for (int i = 0; i < skips.size(); i++) {
      skips.set(i, skips.get(i).get(keep));
    }
    if (headCache != null) {
      headCache = headCache.get(keep);
    }
    if (stem != null) {
      stem = stem.get(keep);
    }
    if (vTerms != null) {
      vTerms = vTerms.rows(keep);
    }
    active = hidden.getShape().get(0);
  }
}
