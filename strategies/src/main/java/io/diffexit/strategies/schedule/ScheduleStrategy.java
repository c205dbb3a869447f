package io.diffexit.strategies.schedule;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import io.diffexit.api.DecisionMode;
import io.diffexit.api.ExitPoint;
import io.diffexit.api.ExitStrategy;
import io.diffexit.api.LayerwiseOutputs;
import io.diffexit.api.ObjectiveValue;
import io.diffexit.api.TrainingObjective;
import io.diffexit.strategies.Losses;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Exit depth as a function of the timestep only (Moon et al. / ASE): every sample exits at the exit point its model
 * time maps to in an {@link ExitSchedule}, whatever its content. In per-batch mode the batch's mean model time decides
 * for all (samplers use one timestep per step, so both modes then agree).
 *
 * <p><b>Objective</b> (optional fine-tune, after ASE, which trains the shortened network at the scheduled depth):
 * {@code L = L_simple + mean_b mean((g_{k(t_b)} − ε)²)} where k(t_b) is sample b's scheduled exit point; L_simple keeps
 * the full-depth output trained as well. Terms: {@code simple}, {@code scheduled}.
 */
public final class ScheduleStrategy implements ExitStrategy, TrainingObjective {

  private final ExitSchedule schedule;

  ScheduleStrategy(ExitSchedule schedule) {
    this.schedule = schedule;
  }

  /** @return the schedule in use */
  public ExitSchedule schedule() {
    return schedule;
  }

  @Override
  public String describe() {
    return "schedule(" + schedule.source() + ": " + schedule.toTable() + ")";
  }

  @Override
  public NDArray decide(ExitPoint point) {
    // one small host copy per decision: the lookup table is plain Java
    float[] times = point.modelTime().toFloatArray();
    boolean[] exit = new boolean[times.length];
    int index = point.spec().index();
    if (point.mode() == DecisionMode.PER_BATCH) {
      double mean = 0;
      for (float t : times) {
        mean += t / times.length;
      }
      Arrays.fill(exit, schedule.exitIndexAt(mean) == index);
    } else {
      for (int b = 0; b < times.length; b++) {
        exit[b] = schedule.exitIndexAt(times[b]) == index;
      }
    }
    return point.hidden().getManager().create(exit);
  }

  @Override
  public Optional<TrainingObjective> objective() {
    return Optional.of(this);
  }

  @Override
  public ObjectiveValue loss(LayerwiseOutputs outputs, ParameterStore store) {
    float[] times = outputs.modelTime().toFloatArray();
    int n = outputs.heads().size();
    // the batch mean of each sample's scheduled head error, weighted like Losses.layerwise when the trainer weights
    float[] weights = outputs.headWeights() == null ? null : outputs.headWeights().toFloatArray();
    float[] pick = new float[n * times.length];
    for (int b = 0; b < times.length; b++) {
      pick[schedule.exitIndexAt(times[b]) * times.length + b] = (weights == null ? 1f : weights[b]) / times.length;
    }
    List<NDArray> perSample = new ArrayList<>(n);
    for (NDArray head : outputs.heads()) {
      perSample.add(Losses.perSampleMeanSquare(head.sub(outputs.noise())));
    }
    NDArray errors = NDArrays.stack(new NDList(perSample)); // (N, B)
    NDArray scheduled = errors.mul(errors.getManager().create(pick).reshape(n, times.length)).sum();
    NDArray simple = Losses.simple(outputs);
    return new ObjectiveValue(simple.add(scheduled), Map.of("simple", simple, "scheduled", scheduled));
  }
}
