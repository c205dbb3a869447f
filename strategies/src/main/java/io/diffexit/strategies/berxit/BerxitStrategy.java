package io.diffexit.strategies.berxit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import io.diffexit.api.BackboneSpec;
import io.diffexit.api.ExitPoint;
import io.diffexit.api.ExitPointSpec;
import io.diffexit.api.ExitStrategy;
import io.diffexit.api.LayerwiseOutputs;
import io.diffexit.api.ObjectiveValue;
import io.diffexit.api.TrainingObjective;
import io.diffexit.strategies.Decisions;
import io.diffexit.strategies.ExitProbeBlock;
import io.diffexit.strategies.Losses;
import io.diffexit.strategies.PixelMaps;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * BERxiT's learning-to-exit module (castorini/berxit, method.md §3.1) adapted to noise prediction, as the DeeDiff
 * authors ran it as a baseline.
 *
 * <p><b>LTE.</b> At exit point i, {@code u_i = sigmoid(w_iᵀ pool(h_i) + b_i)}: one linear map D → 1 on the mean over
 * positions (patch tokens without prefix tokens, or feature-map cells) of the <em>detached</em> hidden state. It
 * predicts an uncertainty per sample.
 *
 * <p><b>Target.</b> BERxiT's regression label is {@code |tanh(f_i(h_i) − y)|} for a scalar output. The prediction here
 * is a noise map, so the label is its per-pixel mean: {@code û_i = mean_pixels tanh|g_i − ε|} per sample (detached).
 * That is exactly 1 − the mean of DeeDiff's certainty target, so thresholds of the two strategies are comparable.
 *
 * <p><b>Decision.</b> Exit when {@code u_i < threshold} (BERxiT's rule); in per-batch mode the batch mean of u_i is
 * compared and the mask is uniform. The default 0.1 is DeeDiff's default certainty threshold 0.9 on the uncertainty
 * scale; BERxiT's own default 0.005 was set for classifier/regressor errors on another scale.
 *
 * <p><b>Objective</b> (the DeeDiff rebuttal's "average layer-wise loss" plus BERxiT's LTE MSE):
 * {@code L = L_simple + (1/N) Σ_i mean((g_i − ε)²) + (1/N) Σ_i mean_b((u_i − û_i)²)}. Terms: {@code simple},
 * {@code layerwise}, {@code lte}.
 */
public final class BerxitStrategy implements ExitStrategy, TrainingObjective {

  private final BackboneSpec backbone;
  private final double threshold;
  private final ExitProbeBlock lte;

  BerxitStrategy(BackboneSpec backbone, double threshold, ExitProbeBlock lte) {
    this.backbone = backbone;
    this.threshold = threshold;
    this.lte = lte;
  }

  @Override
  public String describe() {
    return "berxit(threshold=" + threshold + ")";
  }

  /** @return (B) predicted uncertainty at exit point {@code exit} */
  NDArray uncertainty(int exit, NDArray hidden, ParameterStore store, boolean training) {
    NDArray pooled = PixelMaps.pooled(hidden.stopGradient(), backbone.exitPoints().get(exit).layout());
    NDArray u = Activation.sigmoid(lte.apply(exit, pooled, store, training));
    return u.reshape(u.getShape().get(0));
  }

  @Override
  public NDArray decide(ExitPoint point) {
    NDArray u = uncertainty(point.spec().index(), point.hidden(), null, false);
    return Decisions.meanPerDecision(u, point.mode()).lt(threshold);
  }

  /** @return LTE MACs per image: the features of this exit point (one output); pooling sums are not MACs */
  @Override
  public long macsPerDecision(ExitPointSpec point) {
    return lte.inputFeatures(point.index()) * lte.outputFeatures(point.index());
  }

  @Override
  public Optional<Block> trainable() {
    return Optional.of(lte);
  }

  @Override
  public Optional<TrainingObjective> objective() {
    return Optional.of(this);
  }

  /** Yes: with a sample of the exits, both means run over the heads and LTEs given. */
  @Override
  public boolean supportsExitSampling() {
    return true;
  }

  @Override
  public ObjectiveValue loss(LayerwiseOutputs outputs, ParameterStore store) {
    int n = outputs.heads().size();
    if (outputs.exitPoints() != lte.probes()) {
      throw new IllegalArgumentException("berxit objective: got outputs of " + outputs.exitPoints()
          + " exit points, the LTE has " + lte.probes());
    }
    NDArray simple = Losses.simple(outputs);
    NDArray layerwise = Losses.layerwise(outputs).mean();
    List<NDArray> lteTerms = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      NDArray head = outputs.heads().get(i);
      long b = head.getShape().get(0);
      NDArray target = head.sub(outputs.noise()).abs().tanh().reshape(b, -1).mean(new int[] {1}).stopGradient();
      NDArray u = uncertainty(outputs.exitIndex(i), outputs.hidden().get(i), store, true);
      lteTerms.add(Losses.meanSquare(u.sub(target)));
    }
    NDArray lteLoss = NDArrays.stack(new NDList(lteTerms)).mean();
    NDArray total = simple.add(layerwise).add(lteLoss);
    return new ObjectiveValue(total, Map.of("simple", simple, "layerwise", layerwise, "lte", lteLoss));
  }

  @Override
  public void close() {
    lte.clear();
  }
}
