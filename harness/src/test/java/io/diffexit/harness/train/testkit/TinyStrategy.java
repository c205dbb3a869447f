package io.diffexit.harness.train.testkit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import io.diffexit.api.ExitPoint;
import io.diffexit.api.ExitStrategy;
import io.diffexit.api.ExitStrategyFactory;
import io.diffexit.api.LayerwiseOutputs;
import io.diffexit.api.ObjectiveValue;
import io.diffexit.api.ParamSpec;
import io.diffexit.api.Params;
import io.diffexit.api.StrategyContext;
import io.diffexit.api.TrainingObjective;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A test-only UEM-like strategy: a linear head on the channel means of each exit point's hidden state predicts
 * (through a sigmoid) the per-sample error of that exit's head; it exits when the prediction is below a threshold. Its
 * objective is L_simple + mean over exits of (u_i − stopgrad(err_i))² + the layer-wise head losses.
 */
public final class TinyStrategy implements ExitStrategy {

  /** The factory, named {@code tiny-uem}, parameter {@code threshold} (default 0.1). */
  public static final class Factory implements ExitStrategyFactory {
    @Override
    public String name() {
      return "tiny-uem";
    }

    @Override
    public String description() {
      return "test strategy with a trainable head";
    }

    @Override
    public List<ParamSpec> params() {
      return List.of(ParamSpec.optional("threshold", 0.1, "exit when the predicted error is below"));
    }

    @Override
    public ExitStrategy create(Params params, StrategyContext context) {
      params.requireKnownSpecs(params());
      return new TinyStrategy(params.getDouble("threshold", 0.1, 0, 1), context);
    }
  }

  private final double threshold;
  private final Linear uem = Linear.builder().setUnits(1).build();
  private final ParameterStore store;

  TinyStrategy(double threshold, StrategyContext context) {
    this.threshold = threshold;
    int channels = context.backbone().exitPoints().get(0).layout().features();
    uem.initialize(context.manager(), DataType.FLOAT32, new Shape(1, channels));
    store = new ParameterStore(context.manager(), false);
  }

  private NDArray certainty(ParameterStore ps, NDArray hidden, boolean training) {
    NDArray pooled = hidden.mean(new int[] {1}); // (B, tokens, C) -> (B, C)
    return Activation.sigmoid(uem.forward(ps, new NDList(pooled), training).head()).reshape(-1);
  }

  @Override
  public String describe() {
    return "tiny-uem(threshold=" + threshold + ")";
  }

  @Override
  public NDArray decide(ExitPoint point) {
    return certainty(store, point.hidden(), false).lt((float) threshold);
  }

  @Override
  public Optional<Block> trainable() {
    return Optional.of(uem);
  }

  @Override
  public Optional<TrainingObjective> objective() {
    return Optional.of(this::loss);
  }

  private ObjectiveValue loss(LayerwiseOutputs out, ParameterStore ps) {
    NDArray simple = out.finalHead().sub(out.noise()).square().mean();
    NDArray uemLoss = null;
    NDArray layerwise = null;
    for (int i = 0; i < out.heads().size(); i++) {
      NDArray d = out.heads().get(i).sub(out.noise());
      NDArray err = d.square().reshape(d.getShape().get(0), -1).mean(new int[] {1}); // per sample
      NDArray u = certainty(ps, out.hidden().get(i), true);
      NDArray term = u.sub(err.stopGradient()).square().mean();
      uemLoss = uemLoss == null ? term : uemLoss.add(term);
      NDArray lw = err.mean();
      layerwise = layerwise == null ? lw : layerwise.add(lw);
    }
    int n = out.heads().size();
    NDArray total = simple.add(uemLoss.div(n)).add(layerwise.div(n));
    Map<String, NDArray> terms = new LinkedHashMap<>();
    terms.put("simple", simple);
    terms.put("uem", uemLoss.div(n));
    return new ObjectiveValue(total, terms);
  }

  @Override
  public void close() {
    uem.getParameters().forEach(p -> p.getValue().close());
  }
}
