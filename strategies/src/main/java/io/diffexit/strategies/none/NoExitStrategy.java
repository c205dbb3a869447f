package io.diffexit.strategies.none;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import io.diffexit.api.ExitPoint;
import io.diffexit.api.ExitStrategy;
import io.diffexit.api.LayerwiseOutputs;
import io.diffexit.api.ObjectiveValue;
import io.diffexit.api.TrainingObjective;
import io.diffexit.strategies.Decisions;
import io.diffexit.strategies.Losses;
import java.util.Map;
import java.util.Optional;

/** The full model: no sample ever exits before the last exit point; trained with L_simple alone. */
public final class NoExitStrategy implements ExitStrategy, TrainingObjective {

  @Override
  public String describe() {
    return "none(full depth)";
  }

  @Override
  public NDArray decide(ExitPoint point) {
    return Decisions.uniform(point, false);
  }

  @Override
  public Optional<TrainingObjective> objective() {
    return Optional.of(this);
  }

  /** @return L_simple = mean over pixels and batch of (ε̂ − ε)², as term {@code simple} */
  @Override
  public ObjectiveValue loss(LayerwiseOutputs outputs, ParameterStore store) {
    NDArray simple = Losses.simple(outputs);
    return new ObjectiveValue(simple, Map.of("simple", simple));
  }
}
