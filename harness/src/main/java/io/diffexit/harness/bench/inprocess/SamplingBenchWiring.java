package io.diffexit.harness.bench.inprocess;

import ai.djl.ndarray.NDManager;
import com.google.inject.Inject;
import io.diffexit.api.ExitStrategy;
import io.diffexit.api.FeatureExtractor;
import io.diffexit.api.FeatureExtractorContext;
import io.diffexit.api.Params;
import io.diffexit.api.Sampler;
import io.diffexit.harness.ComponentSpec;
import io.diffexit.harness.UserError;
import io.diffexit.harness.bench.BenchWiring;
import io.diffexit.harness.bench.Cell;
import io.diffexit.harness.bench.CellExecutor;
import io.diffexit.harness.bench.CellResult;
import io.diffexit.harness.bench.CheckpointProbe;
import io.diffexit.harness.bench.Component;
import io.diffexit.harness.bench.Experiment;
import io.diffexit.harness.bench.InvalidCell;
import io.diffexit.harness.bench.Latency;
import io.diffexit.harness.bench.PeakMemory;
import io.diffexit.harness.bench.Quality;
import io.diffexit.harness.bench.Reference;
import io.diffexit.harness.bench.StrategyTraits;
import io.diffexit.harness.checkpoint.Checkpoint;
import io.diffexit.harness.checkpoint.Weights;
import io.diffexit.harness.features.FeatureExtractors;
import io.diffexit.harness.fidelity.SavedSamples;
import io.diffexit.harness.plugins.Registry;
import io.diffexit.harness.runner.ExitStatistics;
import io.diffexit.harness.runner.PaceCheck;
import io.diffexit.harness.runner.SamplingJob;
import io.diffexit.harness.sampling.SampleOutputs;
import io.diffexit.harness.sampling.SampleReport;
import io.diffexit.harness.sampling.SampleSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects {@code diffexit bench} to the early-exit runner: each cell loads its checkpoint (the strategy's own
 * fine-tuned checkpoint when the strategy names one, else the backbone's), samples the experiment's images from the
 * shared seeded noise, measures FID/KID against the reference statistics, and times latency at batch 1 and at the
 * large batch (warm-up runs, then timed repeats of a whole sampling run; ms per image), each repeat followed by a
 * full-depth call that measures the machine's pace at that moment ({@link Latency.Paced}).
 */
public final class SamplingBenchWiring implements BenchWiring {

  private static final Logger LOG = LoggerFactory.getLogger(SamplingBenchWiring.class);

  /** The key under which a backbone or strategy instance names its checkpoint folder. */
  public static final String CHECKPOINT = "checkpoint";

  private final Registry registry;
  private final StrategyTraits traits;
  private final QualityMeter quality;

  /**
   * @param registry the plugins
   * @param quality computes FID/KID of generated images against the experiment's reference
   */
  @Inject
  public SamplingBenchWiring(Registry registry, QualityMeter quality) {
    this.registry = registry;
    this.traits = StrategyTraits.of(registry);
    this.quality = quality;
  }

  @Override
  public CellExecutor executor(Experiment experiment) {
    return this::execute;
  }

  @Override
  public Optional<Registry> registry() {
    return Optional.of(registry);
  }

  @Override
  public CheckpointProbe checkpointProbe() {
    return strategyCheckpoint -> {
      if (!Files.isRegularFile(strategyCheckpoint.resolve("model-card.json"))) {
        return Optional.empty();
      }
      String parent = Checkpoint.readCard(strategyCheckpoint).parent();
      // Cards record the parent relative to their own folder (an absolute path resolves to itself).
      return parent == null ? Optional.empty() : Optional.of(strategyCheckpoint.resolve(parent).normalize());
    };
  }

  /**
   * Opens every cell's checkpoint once (cells sharing one share the session), checks that it holds the backbone type
   * the cell names, and creates the cell's strategy and sampler without sampling; checks that the reference's feature
   * extractor exists and its statistics file is there and was made by it.
   */
  @Override
  public List<InvalidCell> validate(Experiment experiment, List<Cell> cells) {
    List<InvalidCell> problems = new ArrayList<>();
    referenceProblem(experiment).ifPresent(p -> problems.add(new InvalidCell(InvalidCell.REFERENCE, p)));
    Map<Path, SampleSession> sessions = new LinkedHashMap<>();
    Map<Path, String> unreadable = new LinkedHashMap<>();
    try (NDManager manager = NDManager.newBaseManager()) {
      try {
        for (Cell cell : cells) {
          cellProblem(cell, experiment, sessions, unreadable, manager)
              .ifPresent(p -> problems.add(new InvalidCell(cell.id(), p)));
        }
      } finally {
        sessions.values().forEach(SampleSession::close);
      }
    }
    return problems;
  }

  private Optional<String> cellProblem(Cell cell, Experiment experiment, Map<Path, SampleSession> sessions,
      Map<Path, String> unreadable, NDManager manager) {
    Path checkpoint;
    try {
      checkpoint = checkpointOf(cell, experiment);
    } catch (UserError e) {
      return Optional.of(e.getMessage());
    }
    boolean own = cell.strategy().params().containsKey(CHECKPOINT);
    String owner = own ? "strategies." + cell.strategy().id() : "backbones." + cell.backbone().id();
    if (unreadable.containsKey(checkpoint)) {
      return Optional.of(owner + ": " + unreadable.get(checkpoint));
    }
    SampleSession session = sessions.get(checkpoint);
    if (session == null) {
      try {
        session = SampleSession.open(checkpoint, registry, manager.newSubManager(), Weights.EMA);
      } catch (RuntimeException e) {
        unreadable.put(checkpoint, firstLine(e));
        return Optional.of(owner + ": " + firstLine(e));
      }
      sessions.put(checkpoint, session);
    }
    String trained = session.checkpoint().card().backbone().name();
    if (!trained.equals(cell.backbone().type())) {
      return Optional.of(owner + ": checkpoint " + checkpoint + " holds a '" + trained + "' backbone, but backbones."
          + cell.backbone().id() + " has type '" + cell.backbone().type() + "'; point `checkpoint:` at a '"
          + cell.backbone().type() + "' checkpoint or use a backbone instance of type '" + trained + "'");
    }
    try {
      // created and closed at once: its factory checks the parameters against this backbone
      session.strategy(spec(cell.strategy(), experiment), experiment.seed()).close();
    } catch (RuntimeException e) {
      return Optional.of("strategies." + cell.strategy().id() + ": " + firstLine(e));
    }
    try {
      Sampler sampler = session.sampler(spec(cell.sampler(), experiment), null, false);
      if (sampler.evaluations() < 1) {
        return Optional.of("samplers." + cell.sampler().id() + ": makes no denoiser call; give it at least one step");
      }
    } catch (RuntimeException e) {
      return Optional.of("samplers." + cell.sampler().id() + ": " + firstLine(e));
    }
    return Optional.empty();
  }

  /** @return what makes the experiment's FID reference unusable (unknown extractor, missing or foreign stats) */
  private Optional<String> referenceProblem(Experiment experiment) {
    Reference ref = experiment.reference();
    if (ref == null) {
      return Optional.empty();
    }
    try (NDManager manager = NDManager.newBaseManager();
        FeatureExtractor extractor = registry.featureExtractor(ref.extractor()).create(
            Params.empty().forOwner("feature extractor '" + ref.extractor() + "'"),
            new FeatureExtractorContext(manager, FeatureExtractors.home()))) {
      FidQualityMeter.loadReferenceStats(experiment.resolve(ref.stats()), extractor.id(), extractor.checksum(), ref);
      return Optional.empty();
    } catch (RuntimeException e) {
      String m = firstLine(e);
      return Optional.of(m.startsWith("reference statistics") ? m : "extractor '" + ref.extractor() + "': " + m);
    }
  }

  private static String firstLine(Throwable e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return m.lines().findFirst().orElse(m);
  }

  @Override
  public int threads() {
    return SampleSession.threads();
  }

  private CellResult execute(Cell cell, Experiment experiment, Path cellDir, io.diffexit.harness.bench.CellProgress progress) {
    long start = System.nanoTime();
    Path resultsDir = cellDir.getParent().getParent();
    Path checkpoint = checkpointOf(cell, experiment);
    PeakMemory.reset();
    try (NDManager manager = NDManager.newBaseManager();
        SampleSession session = SampleSession.open(checkpoint, registry, manager, Weights.EMA);
        ExitStrategy strategy = session.strategy(spec(cell.strategy(), experiment), experiment.seed())) {
      requireBackboneType(session, cell, checkpoint);
      Sampler sampler = session.sampler(spec(cell.sampler(), experiment), null, false);
      SampleReport report =
          session.run(strategy, sampler, fidSettings(cell, experiment, sampler.evaluations()),
              (done, total) -> progress.update("sampling", done, total));
      Map<String, Path> files = SampleOutputs.write(report, cellDir);
      SamplingJob.Result sampled = report.result();
      Path samplesFile = SavedSamples.of(sampled.images(), sampled.samples(), sampled.channels(), sampled.height(),
          sampled.width()).write(cellDir);
      Quality q = quality.measure(report.result(), experiment, progress).orElse(null);

      SamplingJob.Result r = report.result();
      Latency b1 = latency(session, strategy, sampler, cell, experiment, 1, progress);
      Latency large =
          experiment.sampleBatch() == experiment.largeBatch()
              ? fromSamplingBatches(r.batchSeconds(), r.fullPassSeconds(), experiment.samples(),
                      experiment.largeBatch(), experiment.latencyWarmup(), experiment.latencyRepeats())
                  .orElseGet(() -> latency(session, strategy, sampler, cell, experiment, experiment.largeBatch(), progress))
              : latency(session, strategy, sampler, cell, experiment, experiment.largeBatch(), progress);
      if (traits.runsFullModel(cell.strategy().type())) {
        for (Latency l : List.of(b1, large)) {
          if (l.paced() != null) {
            PaceCheck.fullDepthRun(cell.id() + " at batch " + l.batchSize(), l.paced().median(), sampler.evaluations())
                .ifPresent(w -> LOG.warn("{}", w));
          }
        }
      }
      return cellResult(report, files, samplesFile, resultsDir, q, b1, large, PeakMemory.peakBytes(), cell,
          (System.nanoTime() - start) / 1e9);
    }
  }

  /**
   * @throws UserError when the checkpoint holds another backbone type than the cell's backbone instance names
   */
  public static void requireBackboneType(SampleSession session, Cell cell, Path checkpoint) {
    String trained = session.checkpoint().card().backbone().name();
    if (!trained.equals(cell.backbone().type())) {
      throw new UserError("checkpoint " + checkpoint + " holds a '" + trained + "' backbone, but instance '"
          + cell.backbone().id() + "' says type '" + cell.backbone().type() + "'");
    }
  }

  /**
   * @param steps the sampler's evaluations per image
   * @return the settings of a cell's FID sampling run: the experiment's samples, batch and seed, the cell's decision
   *     mode, certainty maps of the first 4 samples at 5 steps, warm-up, paced batches
   */
  public static SamplingJob.Settings fidSettings(Cell cell, Experiment experiment, int steps) {
    int[] mapSteps = {0, steps / 4, steps / 2, 3 * steps / 4, steps - 1};
    return new SamplingJob.Settings(
        experiment.samples(), experiment.sampleBatch(), experiment.seed(), cell.decision(), 4, mapSteps, true, true);
  }

  /**
   * Puts a cell's measurements together (shared by the in-process and the distributed engine).
   *
   * @param report the FID sampling run (all samples, or the merged shards)
   * @param files what {@link SampleOutputs#write} wrote for it
   * @param samplesFile the cell's saved 8-bit samples ({@code samples-u8.npy}), or null
   * @param resultsDir the results folder, which the paths in the result are relative to
   * @param quality FID/KID, or null
   * @param b1 latency at batch 1
   * @param large latency at the large batch
   * @param peakMemoryBytes peak resident memory while the cell ran
   * @param cell the cell
   * @param wallSeconds wall time of the whole cell
   * @return the cell's result
   */
  public static CellResult cellResult(SampleReport report, Map<String, Path> files, Path samplesFile, Path resultsDir,
      Quality quality, Latency b1, Latency large, long peakMemoryBytes, Cell cell, double wallSeconds) {
    SamplingJob.Result r = report.result();
    int steps = r.cost().steps();
    ExitStatistics stats = ExitStatistics.of(r.trace(), report.backbone());
    int exits = report.backbone().exitPoints().size();
    int[] layers = new int[exits];
    for (int e = 0; e < exits; e++) {
      layers[e] = report.backbone().exitPoints().get(e).layer();
    }
    double[] times = new double[steps];
    long[][] histogram = new long[steps][];
    for (int s = 0; s < steps; s++) {
      times[s] = stats.rows().get(s).modelTime();
      histogram[s] = stats.rows().get(s).counts();
    }
    Map<String, Double> byCategory = new LinkedHashMap<>();
    for (var c : io.diffexit.api.CostMeter.Category.values()) {
      byCategory.put(c.name().toLowerCase(Locale.ROOT), r.cost().macsPerImage(c));
    }
    List<String> maps = new ArrayList<>();
    files.forEach((role, path) -> {
      if (role.startsWith("map")) {
        maps.add(resultsDir.relativize(path).toString());
      }
    });
    return new CellResult(
        report.macsPerImage(), byCategory, r.cost().macsPerImageByStep(), times, layers, histogram,
        report.meanExitLayer(), b1, large, quality, peakMemoryBytes, cell.decision().label(),
        resultsDir.relativize(files.get("grid")).toString(), maps, wallSeconds,
        samplesFile == null ? null : resultsDir.relativize(samplesFile).toString(), null,
        r.trace().reusedFraction(), r.cost().peakCacheBytes());
  }

  /**
   * Large-batch latency from the FID sampling run itself, when it sampled at the large batch: its full batches are
   * whole sampling runs of that size from fresh noise, exactly what separate repeats would time, so timing them again
   * would only spend the budget twice. The first {@code max(1, warmup)} batches are untimed (the first also records
   * certainty maps); the last, partial batch is not comparable and is dropped.
   *
   * @param fullPassSeconds the pace probe after each batch, or empty (then the latency is not paced)
   * @return the latency, or empty when fewer than {@code repeats} full batches remain (then time separate runs)
   */
  static Optional<Latency> fromSamplingBatches(
      List<Double> batchSeconds, List<Double> fullPassSeconds, int samples, int batch, int warmup, int repeats) {
    int full = Math.min(samples / batch, batchSeconds.size());
    int skip = Math.max(1, warmup);
    if (full - skip < Math.max(1, repeats)) {
      return Optional.empty();
    }
    double[] ms = new double[full - skip];
    double[] pass = new double[full - skip];
    for (int i = skip; i < full; i++) {
      ms[i - skip] = batchSeconds.get(i) * 1000.0 / batch;
      pass[i - skip] = fullPassSeconds.isEmpty() ? Double.NaN : fullPassSeconds.get(i) * 1000.0;
    }
    return Optional.of(fullPassSeconds.isEmpty() ? Latency.of(batch, skip, ms) : Latency.paced(batch, skip, ms, pass));
  }

  /** Times whole sampling runs of {@code batch} images: warm-up runs, then the experiment's repeats. */
  public static Latency latency(
      SampleSession session, ExitStrategy strategy, Sampler sampler, Cell cell, Experiment experiment, int batch,
      io.diffexit.harness.bench.CellProgress progress) {
    int runs = experiment.latencyWarmup() + experiment.latencyRepeats();
    double[] ms = new double[experiment.latencyRepeats()];
    double[] pass = new double[experiment.latencyRepeats()];
    String phase = "latency b" + batch;
    for (int i = 0; i < runs; i++) {
      progress.update(phase, i, runs);
      SamplingJob.Settings s =
          new SamplingJob.Settings(batch, batch, experiment.seed() + i, cell.decision(), 0, new int[0], false, true);
      SampleReport r = session.run(strategy, sampler, s, null);
      if (i >= experiment.latencyWarmup()) {
        ms[i - experiment.latencyWarmup()] = r.result().msPerImage();
        pass[i - experiment.latencyWarmup()] = r.result().fullPassSeconds().get(0) * 1000.0;
      }
    }
    progress.update(phase, runs, runs);
    return Latency.paced(batch, experiment.latencyWarmup(), ms, pass);
  }

  /**
   * @return the checkpoint a cell samples: its strategy's own (fine-tuned) checkpoint when it names one, else its
   *     backbone's, resolved against the experiment folder
   * @throws UserError when neither names one
   */
  public static Path checkpointOf(Cell cell, Experiment experiment) {
    String own = cell.strategy().params().get(CHECKPOINT);
    String base = cell.backbone().params().get(CHECKPOINT);
    String chosen = own != null ? own : base;
    if (chosen == null) {
      throw new UserError(
          "backbone instance '" + cell.backbone().id() + "' names no checkpoint; add `checkpoint: DIR` to it");
    }
    return experiment.resolve(chosen);
  }

  /**
   * @return the factory spec of an instance: its type and its params without the checkpoint folder; values that start
   *     with {@code ./} or {@code ../} are paths relative to the experiment file (as the checkpoints are) and are
   *     passed on resolved, so that an experiment runs the same from any working directory
   */
  public static ComponentSpec spec(Component component, Experiment experiment) {
    Map<String, String> params = new LinkedHashMap<>();
    component.params().forEach((key, value) -> params.put(key,
        value.startsWith("./") || value.startsWith("../") ? experiment.resolve(value).toString() : value));
    params.remove(CHECKPOINT);
    return new ComponentSpec(component.type(), Params.of(params));
  }
}
