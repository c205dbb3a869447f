package io.diffexit.harness.cli;

import io.diffexit.harness.UserError;
import io.diffexit.harness.bench.BenchEngine;
import io.diffexit.harness.bench.BenchRunner;
import io.diffexit.harness.bench.BenchWiring;
import io.diffexit.harness.bench.Cell;
import io.diffexit.harness.bench.CellExecutor;
import io.diffexit.harness.bench.Experiment;
import io.diffexit.harness.bench.ExperimentParser;
import io.diffexit.harness.bench.Grid;
import io.diffexit.harness.bench.GridBuilder;
import io.diffexit.harness.bench.InvalidCell;
import io.diffexit.harness.bench.Manifest;
import io.diffexit.harness.bench.BenchProgress;
import io.diffexit.harness.bench.RejectedCell;
import io.diffexit.harness.bench.ReportWriter;
import io.diffexit.harness.bench.StrategyTraits;
import io.diffexit.harness.bench.ResultStore;
import io.diffexit.harness.plugins.Registries;
import io.diffexit.harness.plugins.Registry;
import io.diffexit.harness.bench.inprocess.FidQualityMeter;
import io.diffexit.harness.bench.inprocess.SamplingBenchWiring;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code diffexit bench EXPERIMENT.yaml}: runs the grid of an experiment, resumes after an interruption, and writes
 * {@code report.md}, {@code results.csv} and {@code report.html} into the results folder.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Compare backbones, exit strategies and samplers side by side: FID/KID, MACs/FLOPs, latency, exit layers.",
      "Finished cells are kept in OUT/results.jsonl; a re-run skips them (resume after a crash or Ctrl-C)."
    })
public final class BenchCommand implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(BenchCommand.class);

  @Parameters(index = "0", paramLabel = "EXPERIMENT.yaml", description = "the experiment (see experiments/)")
  Path experimentFile;

  @Option(names = "--set", paramLabel = "PATH=VALUES",
      description = "override a value, e.g. --set strategy.uem.threshold=0.90,0.95 or --set samples=200")
  List<String> overrides = new ArrayList<>();

  @Option(names = "--out", paramLabel = "DIR", description = "results folder (default: results/<experiment name>)")
  Path out;

  @Option(names = "--dry-run", description = "print the cells and the rejected combinations, run nothing")
  boolean dryRun;

  @Option(names = "--report-only", description = "rebuild the reports from the results folder, run nothing")
  boolean reportOnly;

  @Option(names = "--engine", paramLabel = "NAME", defaultValue = BenchEngine.LOCAL,
      description = "where cells run: local (default: one after another in this process) or spark (cells and "
          + "sample shards as Spark tasks; needs the diffexit-spark module)")
  String engine;

  @Option(names = "--master", paramLabel = "URL",
      description = "with --engine spark: local[N], spark://HOST:PORT, yarn ... (default: local[*])")
  String master;

  @Option(names = "--shard-samples", paramLabel = "N",
      description = "with --engine spark: samples per shard task, rounded up to whole sampling batches (default 256)")
  Integer shardSamples;

  @Option(names = "--plugins", paramLabel = "DIR", description = "plugins folder (default: $DIFFEXIT_PLUGINS or plugins)")
  Path plugins;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  private final BenchWiring wiring;
  /** The wiring of this invocation: {@link #wiring}, or one over the {@code --plugins} folder's registry. */
  private BenchWiring selected;

  private BenchWiring wiring() {
    return selected != null ? selected : wiring;
  }

  /** Without an executor: {@code --dry-run} and {@code --report-only} only, until the runner is wired in. */
  public BenchCommand() {
    this(BenchWiring.withoutExecutor());
  }

  /** @param wiring the executor, registry and checkpoint probe to use */
  @com.google.inject.Inject
  public BenchCommand(BenchWiring wiring) {
    this.wiring = wiring;
  }

  @Override
  public Integer call() {
    if (plugins != null) {
      Registry registry = Registries.create(Registries.pluginsDir(plugins, System.getenv()));
      selected = new SamplingBenchWiring(registry, new FidQualityMeter(registry));
    }
    PrintWriter stdout = spec.commandLine().getOut();
    Experiment experiment = ExperimentParser.parse(experimentFile, overrides);
    wiring().registry().ifPresent(r -> GridBuilder.checkAgainst(experiment, r));
    // Baselines and per-batch duplicates follow what the factories declare, plugins included.
    StrategyTraits traits = StrategyTraits.of(wiring().registry().orElseGet(
        () -> Registries.create(Registries.pluginsDir(plugins, System.getenv()))));
    Grid grid = GridBuilder.build(experiment, wiring().checkpointProbe(), traits);
    Path dir = out != null ? out : Path.of("results", experiment.name());
    if (reportOnly) {
      ReportWriter.write(dir, traits);
      stdout.println("reports written to " + dir.resolve(ReportWriter.HTML));
      stdout.flush();
      return 0;
    }
    // Every cell is checked before any runs (and in the dry run): a bad cell is one line, not a failure minutes in.
    Map<String, String> invalid = new LinkedHashMap<>();
    for (InvalidCell bad : wiring().validate(experiment, grid.cells())) {
      invalid.put(bad.id(), bad.problem());
    }
    long badCells = grid.cells().stream().filter(c -> invalid.containsKey(c.id())).count();
    if (dryRun) {
      stdout.println(grid.cells().size() + " cells, " + grid.rejected().size() + " rejected"
          + (badCells == 0 ? "" : ", " + badCells + " cannot run")
          + (invalid.containsKey(InvalidCell.REFERENCE) ? ", the reference is unusable" : "") + "; config sha256 "
          + experiment.configHash());
      if (invalid.containsKey(InvalidCell.REFERENCE)) {
        stdout.println("  bad   " + InvalidCell.REFERENCE + ": " + invalid.get(InvalidCell.REFERENCE));
      }
      for (Cell c : grid.cells()) {
        stdout.println(invalid.containsKey(c.id()) ? "  bad   " + c.id() + ": " + invalid.get(c.id()) : "  run   " + c.id());
      }
      for (RejectedCell r : grid.rejected()) {
        stdout.println("  skip  " + r.id() + ": " + r.reason());
      }
      stdout.flush();
      return invalid.isEmpty() ? 0 : 2;
    }
    if (!invalid.isEmpty()) {
      PrintWriter stderr = spec.commandLine().getErr();
      invalid.forEach((id, problem) -> stderr.println("diffexit: cannot run " + (id.equals(InvalidCell.REFERENCE)
          ? "the experiment: " + id : "cell " + id) + ": " + problem));
      stderr.flush();
      throw new UserError((invalid.containsKey(InvalidCell.REFERENCE) ? "the reference is unusable and " : "")
          + badCells + " of " + grid.cells().size() + " cells cannot run as written (listed above); fix the"
          + " experiment and run again (nothing was run)");
    }
    Map<String, String> engineOptions = new LinkedHashMap<>();
    if (master != null) {
      engineOptions.put("master", master);
    }
    if (shardSamples != null) {
      engineOptions.put("shard-samples", shardSamples.toString());
    }
    BenchWiring run = BenchEngine.select(engine, wiring(), engineOptions);
    BenchRunner.Summary summary;
    try (CellExecutor executor = run.executor(experiment);
        ResultStore store = ResultStore.open(dir)) {
      store.writeManifest(Manifest.collect(experiment, overrides, grid, run.components(), run.threads(),
          Path.of("").toAbsolutePath(), run.engine()));
      Thread hook = new Thread(() -> LOG.warn("interrupted: finished cells are saved in {}; run the same command "
          + "again to resume", dir.resolve(ResultStore.RESULTS)));
      Runtime.getRuntime().addShutdownHook(hook);
      try {
        summary = new BenchRunner(experiment, grid, executor, store, BenchProgress.stderr()).run();
      } finally {
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
          // the JVM is exiting (Ctrl-C); the hook reports it
        }
      }
    }
    ReportWriter.write(dir, traits);
    stdout.println(summary.finished() + " cells finished, " + summary.failed() + " failed, " + summary.skipped()
        + " already done, " + summary.rejected() + " rejected; reports in " + dir);
    stdout.flush();
    return summary.failed() > 0 ? 1 : 0;
  }
}
