package io.diffexit.strategies.deediff;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import io.diffexit.api.BackboneSpec;
import io.diffexit.api.ExitPoint;
import io.diffexit.api.ExitPointSpec;
import io.diffexit.api.ExitStrategy;
import io.diffexit.api.HiddenLayout;
import io.diffexit.api.LayerwiseOutputs;
import io.diffexit.api.ObjectiveValue;
import io.diffexit.api.PassInfo;
import io.diffexit.api.RunInfo;
import io.diffexit.api.SinusoidalTimeEmbedding;
import io.diffexit.api.TrainingObjective;
import io.diffexit.strategies.Decisions;
import io.diffexit.strategies.ExitLayers;
import io.diffexit.strategies.ExitProbeBlock;
import io.diffexit.strategies.Losses;
import io.diffexit.strategies.PixelMaps;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * DeeDiff/AdaDiff early exit as the official code does it (Tangshengku/AdaDiff; see method.md §1.2).
 *
 * <p><b>UEM.</b> At every exit point i a linear map turns each position of the <em>detached</em> hidden state (patch
 * tokens without the prefix tokens, or feature-map cells) into the values of the pixels it covers; a sigmoid makes
 * them a per-pixel <em>certainty</em> c_i ∈ (0, 1) (the official code predicts 1 − uncertainty), unpatchified (or, for
 * a feature map, upsampled by nearest neighbour) to (B, C, H, W).
 *
 * <p><b>Decision.</b> A sample exits when the mean of its certainty map exceeds {@code threshold}; in per-batch mode
 * the mean is over the whole active batch tensor (the official rule) and the mask is uniform. With {@code patience =
 * k > 0}, exit points in the first half of the network (layer ≤ depth/2; U-ViT's in-blocks) let a sample exit only at
 * the (k+1)-th of them that passes (k = 1 is the official rule: the first pass sets a flag, the next pass exits); exit
 * points in the second half exit at the first pass. Passes are counted per sample (per batch in per-batch mode, where
 * all samples pass together) and reset at the start of every forward pass ({@link #startPass}). Not thread-safe: one
 * instance per runner.
 *
 * <p><b>Objective</b> (sde.py, λ = β = 1 by default): {@code L = L_simple + λ·L_u + β·L_UAL} with
 * {@code L_u = (1/N) Σ_i mean((c_i − (1 − tanh|g_i − ε|).detach())²)} and
 * {@code L_UAL = Σ_i w_i·mean((ε − g_i)²)}, {@code w_i = mean(c_i) / Σ_j mean(c_j)} where each mean runs over the
 * whole batch and all pixels; the weights are <em>not</em> detached, so L_UAL also trains the UEM. Terms:
 * {@code simple}, {@code uem} (L_u), {@code ual}.
 */
public final class DeeDiffStrategy implements ExitStrategy, TrainingObjective {

  private final BackboneSpec backbone;
  private final double threshold;
  private final int patience;
  private final UemInput input;
  private final double lambda;
  private final double beta;
  private final ExitProbeBlock uem;
  private final int[] timeWidths;
  private final boolean[] firstHalf;

  // per-pass patience state, keyed by the sample's position in the run's batch; sized at the start of every run
  private int[] passes = new int[0];

  // the certainty computed by the last decide, reused by pixelMap at the same exit point
  private NDArray lastHidden;
  private NDArray lastValues;

  /**
   * @param backbone the backbone decided for
   * @param threshold mean certainty above which a sample exits, in [0, 1]
   * @param patience extra passes required in the first half (0 = exit at the first pass)
   * @param input what the UEM reads
   * @param lambda weight of L_u
   * @param beta weight of L_UAL
   * @param uem one probe per exit point, already initialised
   */
  DeeDiffStrategy(BackboneSpec backbone, double threshold, int patience, UemInput input, double lambda, double beta,
      ExitProbeBlock uem) {
    this.backbone = backbone;
    this.threshold = threshold;
    this.patience = patience;
    this.input = input;
    this.lambda = lambda;
    this.beta = beta;
    this.uem = uem;
    List<ExitPointSpec> points = backbone.exitPoints();
    ExitLayers layers = new ExitLayers(backbone);
    timeWidths = new int[points.size()];
    firstHalf = new boolean[points.size()];
    for (int i = 0; i < points.size(); i++) {
      timeWidths[i] = input == UemInput.TIMESTEP ? timeWidthFor(points.get(i).layout().features()) : 0;
      firstHalf[i] = 2 * layers.layer(i) <= layers.depth();
    }
  }

  /**
   * @return the width of the time embedding concatenated to a position's {@code features} values: {@code features}
   *     rounded up to an even number (fixed by the shape of saved UEM weights)
   */
  static int timeWidthFor(long features) {
    return (int) (features + (features & 1));
  }

  /** @return UEM input features of exit point {@code i}: the hidden width, plus the time embedding width if used */
  static long uemInputs(ExitPointSpec point, UemInput input) {
    long f = point.layout().features();
    return input == UemInput.TIMESTEP ? f + timeWidthFor(f) : f;
  }

  @Override
  public String describe() {
    return "deediff(threshold=" + threshold + ", patience=" + patience + ", uem=" + input.label() + ", lambda="
        + lambda + ", beta=" + beta + ")";
  }

  /**
   * The UEM's certainty map at one exit point.
   *
   * @param exit exit point index
   * @param hidden its hidden state (detached here)
   * @param modelTime (B) model time, used with {@link UemInput#TIMESTEP}
   * @param store parameter store during training, {@code null} at inference
   * @param training whether gradients are wanted
   * @return (B, C, H, W) certainty in (0, 1)
   */
  NDArray certainty(int exit, NDArray hidden, NDArray modelTime, ParameterStore store, boolean training) {
    return PixelMaps.toPixels(certaintyPerPosition(exit, hidden, modelTime, store, training),
        backbone.exitPoints().get(exit).layout(), backbone.channels());
  }

  /** @return (B, positions, valuesPerPosition): the certainty before unpatchifying/upsampling */
  private NDArray certaintyPerPosition(
      int exit, NDArray hidden, NDArray modelTime, ParameterStore store, boolean training) {
    HiddenLayout layout = backbone.exitPoints().get(exit).layout();
    NDArray x = PixelMaps.rows(hidden.stopGradient(), layout);
    if (input == UemInput.TIMESTEP) {
      Shape s = x.getShape();
      NDArray emb = SinusoidalTimeEmbedding.embed(modelTime.stopGradient(), timeWidths[exit]);
      x = x.concat(emb.expandDims(1).broadcast(new Shape(s.get(0), s.get(1), timeWidths[exit])), 2);
    }
    return Activation.sigmoid(uem.apply(exit, x, store, training));
  }

  /**
   * The per-position certainty at the point's exit, computed once per hidden state. Unpatchifying permutes values
   * and nearest upsampling repeats each cell equally often, so its mean equals the pixel map's mean: decisions skip
   * the map.
   */
  private NDArray certaintyPerPosition(ExitPoint point) {
    if (lastHidden != point.hidden() || lastValues == null) {
      lastValues = certaintyPerPosition(point.spec().index(), point.hidden(), point.modelTime(), null, false);
      lastHidden = point.hidden();
    }
    return lastValues;
  }

  @Override
  public void startRun(RunInfo run) {
    passes = new int[run.samples()];
  }

  @Override
  public void startPass(PassInfo pass) {
    java.util.Arrays.fill(passes, 0);
  }

  @Override
  public NDArray decide(ExitPoint point) {
    int index = point.spec().index();
    NDArray pass = Decisions.meanPerDecision(certaintyPerPosition(point), point.mode()).gt(threshold);
    if (patience == 0 || !firstHalf[index]) {
      return pass;
    }
    boolean[] passed = pass.toBooleanArray();
    long[] ids = point.sampleIds().toType(DataType.INT64, false).toLongArray();
    boolean[] exit = new boolean[passed.length];
    for (int k = 0; k < passed.length; k++) {
      if (passed[k]) {
        int id = (int) ids[k];
        exit[k] = passes[id] >= patience;
        passes[id]++;
      }
    }
    return pass.getManager().create(exit);
  }

  @Override
  public Optional<NDArray> pixelMap(ExitPoint point) {
    ExitPointSpec spec = point.spec();
    return Optional.of(PixelMaps.toPixels(certaintyPerPosition(point), spec.layout(), backbone.channels()));
  }

  /** @return UEM MACs per image: positions × inputs × outputs of this exit point's linear map */
  @Override
  public long macsPerDecision(ExitPointSpec point) {
    int i = point.index();
    return PixelMaps.positions(point.layout()) * uem.inputFeatures(i) * uem.outputFeatures(i);
  }

  @Override
  public Optional<Block> trainable() {
    return Optional.of(uem);
  }

  @Override
  public Optional<TrainingObjective> objective() {
    return Optional.of(this);
  }

  /** Yes: with a sample of the exits, L_u is the mean over the UEMs given and L_UAL their certainty-weighted mean. */
  @Override
  public boolean supportsExitSampling() {
    return true;
  }

  @Override
  public ObjectiveValue loss(LayerwiseOutputs outputs, ParameterStore store) {
    NDArray noise = outputs.noise();
    int n = outputs.heads().size();
    if (outputs.exitPoints() != uem.probes()) {
      throw new IllegalArgumentException("deediff objective: got outputs of " + outputs.exitPoints()
          + " exit points, the UEM has " + uem.probes());
    }
    NDArray simple = Losses.simple(outputs);
    List<NDArray> uemTerms = new ArrayList<>(n);
    List<NDArray> meanCertainty = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      NDArray head = outputs.heads().get(i);
      NDArray c = certainty(outputs.exitIndex(i), outputs.hidden().get(i), outputs.modelTime(), store, true);
      NDArray target = head.sub(noise).abs().tanh().neg().add(1f).stopGradient();
      uemTerms.add(Losses.meanSquare(c.sub(target)));
      meanCertainty.add(c.mean());
    }
    NDArray lu = NDArrays.stack(new NDList(uemTerms)).mean();
    NDArray cbar = NDArrays.stack(new NDList(meanCertainty));
    NDArray ual = cbar.mul(Losses.layerwise(outputs)).sum().div(cbar.sum());
    NDArray total = simple.add(lu.mul((float) lambda)).add(ual.mul((float) beta));
    return new ObjectiveValue(total, Map.of("simple", simple, "uem", lu, "ual", ual));
  }

  @Override
  public void close() {
    uem.clear();
  }
}
