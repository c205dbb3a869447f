package io.diffexit.harness.bench;

import io.diffexit.harness.UserError;
import io.diffexit.harness.plugins.ComponentInfo;
import io.diffexit.harness.plugins.Registry;
import java.util.List;
import java.util.Optional;

/**
 * What {@code diffexit bench} needs from the rest of the harness: the cell executor (the early-exit runner, FID, latency),
 * the registry for parameter checks and the manifest, the checkpoint probe for the grid filter, the thread count.
 */
public interface BenchWiring {

  /**
   * @param experiment the experiment about to run
   * @return the executor of its cells
   * @throws UserError when this build cannot run cells
   */
  CellExecutor executor(Experiment experiment);

  /** @return the registry, to check instance types and parameters and to list plugin versions */
  default Optional<Registry> registry() {
    return Optional.empty();
  }

  /** @return the probe telling which backbone a strategy checkpoint belongs to */
  default CheckpointProbe checkpointProbe() {
    return CheckpointProbe.UNKNOWN;
  }

  /**
   * Checks, before anything runs, that every cell can: its checkpoint exists and holds the backbone type the cell
   * names, its strategy and sampler accept their parameters, and the experiment's reference (feature extractor,
   * statistics file) is usable. Cheap next to a cell: nothing is sampled.
   *
   * @param experiment the experiment
   * @param cells the cells that would run
   * @return one entry per cell that cannot run (and for the reference), empty when all can; none without a runner
   */
  default List<InvalidCell> validate(Experiment experiment, List<Cell> cells) {
    return List.of();
  }

  /** @return the engine's compute threads, for the manifest */
  default int threads() {
    return Runtime.getRuntime().availableProcessors();
  }

  /**
   * @return how cells run, for the manifest and the report: {@code in-process} here; a distributed engine names itself,
   *     its master and executors (valid after {@link #executor})
   */
  default String engine() {
    return "in-process";
  }

  /** @return the registry's components, or none without a registry */
  default List<ComponentInfo> components() {
    return registry().map(Registry::components).orElse(List.of());
  }

  /** @return wiring without an executor: {@code --dry-run} and {@code --report-only} work, running cells does not */
  static BenchWiring withoutExecutor() {
    return experiment -> {
      throw new UserError("this build has no cell executor wired into diffexit bench (the early-exit runner is "
          + "not connected); use --dry-run to see the grid or --report-only to rebuild the reports");
    };
  }
}
