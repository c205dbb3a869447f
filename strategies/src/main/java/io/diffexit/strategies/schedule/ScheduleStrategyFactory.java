package io.diffexit.strategies.schedule;

import io.diffexit.api.ExitStrategy;
import io.diffexit.api.ExitStrategyFactory;
import io.diffexit.api.ParamSpec;
import io.diffexit.api.Params;
import io.diffexit.api.StrategyContext;
import io.diffexit.strategies.Decisions;
import io.diffexit.strategies.ExitLayers;
import java.nio.file.Path;
import java.util.List;

/** {@code schedule}: exit layer as a function of the timestep only; see {@link ScheduleStrategy}. */
public final class ScheduleStrategyFactory implements ExitStrategyFactory {

  @Override
  public String name() {
    return "schedule";
  }

  @Override
  public String description() {
    return "exit layer depends on the timestep only (Moon et al./ASE): a table of model-time ranges -> layer, "
        + "a calibration file, or by default a ramp from full depth at t=0 to half depth at t=T";
  }

  /** Both are optional ("-" = unset); without either the default linear ramp applies. */
  @Override
  public List<ParamSpec> params() {
    return List.of(
        new ParamSpec("table", "-",
            "model-time ranges [lo,hi) -> exit layer, e.g. 0-300:13;300-700:9;700-1000:5; must cover [0, T) "
                + "without overlap; layers in [1, depth], rounded up to existing exit layers"),
        new ParamSpec("from", "-",
            "path of a calibration JSON {\"modelTime\":[...],\"meanExitLayer\":[...]} (strictly monotone "
                + "times); layers interpolated linearly in model time and rounded up to existing exit layers"));
  }

  @Override
  public ExitStrategy create(Params params, StrategyContext context) {
    Params p = Decisions.checked(name(), params, params(), context);
    if (context.schedule() == null) {
      throw new IllegalArgumentException(p.owner() + " needs the model's noise schedule (for T) in its context");
    }
    int timesteps = context.schedule().trainTimesteps();
    ExitLayers layers = new ExitLayers(context.backbone());
    if (p.has("table") && p.has("from")) {
      throw new IllegalArgumentException(p.owner() + ": give either 'table' or 'from', not both");
    }
    ExitSchedule schedule;
    if (p.has("table")) {
      schedule = ExitSchedule.parseTable(p.owner(), p.requireString("table"), layers, timesteps);
    } else if (p.has("from")) {
      schedule = ExitSchedule.readCalibration(p.owner(), Path.of(p.requireString("from")), layers, timesteps);
    } else {
      schedule = ExitSchedule.linearRamp(layers, timesteps);
    }
    return new ScheduleStrategy(schedule);
  }

  /** Every sample exits at the same layer of a step (the schedule's layer for that timestep). */
  @Override
  public boolean decidesIndependentlyOfSamples() {
    return true;
  }
}
