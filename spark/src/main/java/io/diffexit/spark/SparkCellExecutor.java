package io.diffexit.spark;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.diffexit.api.Backbone;
import io.diffexit.api.BackboneSpec;
import io.diffexit.harness.bench.Cell;
import io.diffexit.harness.bench.CellExecutor;
import io.diffexit.harness.bench.CellProgress;
import io.diffexit.harness.bench.CellResult;
import io.diffexit.harness.bench.Experiment;
import io.diffexit.harness.bench.Latency;
import io.diffexit.harness.bench.Quality;
import io.diffexit.harness.checkpoint.Checkpoint;
import io.diffexit.harness.fid.KernelDistance;
import io.diffexit.harness.plugins.Registry;
import io.diffexit.harness.bench.inprocess.FidQualityMeter;
import io.diffexit.harness.sampling.SampleOutputs;
import io.diffexit.harness.sampling.SampleReport;
import io.diffexit.harness.bench.inprocess.SamplingBenchWiring;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Lock;
import org.apache.spark.SimpleFutureAction;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkException;
import org.apache.spark.rdd.RDD;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction0;
import scala.runtime.AbstractFunction2;
import scala.runtime.BoxedUnit;

/**
 * Runs benchmark cells on Spark. {@link #prepare} submits, for every pending cell, one job of sample shards and one
 * job with its timing task, all at once; Spark's FIFO scheduler fills the executors' task slots in cell order, so
 * shards of later cells run while earlier ones finish. {@link #execute} then waits for one cell, merges it on the
 * driver (FID/KID from the merged sums, sample grid, exit statistics, summary) and returns its result, which the
 * {@code BenchRunner} records before the next: a killed run loses only cells not yet merged.
 *
 * <p>A failed task is retried by Spark ({@code spark.task.maxFailures}); when its retries are spent, the cell fails
 * with the task's own exception, so its one-line error is the in-process engine's.
 */
final class SparkCellExecutor implements CellExecutor {

  private static final Logger LOG = LoggerFactory.getLogger(SparkCellExecutor.class);
  /** Samples the cell's grid image shows (as {@code SampleOutputs} draws it). */
  static final int GRID_SAMPLES = 64;

  private final SparkContext context;
  private final Registry registry;
  private final FidQualityMeter quality;
  private final int shardSamples;
  private final int timingThreads;
  private final String pluginsFile;
  private final Map<String, Submitted> submitted = new HashMap<>();

  private record Submitted(CellRun run, SimpleFutureAction<BoxedUnit> shards, SimpleFutureAction<BoxedUnit> timing) {}

  /**
   * @param context the Spark context (stopped by the owner, not here)
   * @param registry the driver's registry (backbone specs for the outputs; the feature extractor for the reference)
   * @param shardSamples samples per shard, before rounding up to whole sampling batches
   * @param timingThreads intra-op threads of timing runs; 0 for the executor's cores
   * @param pluginsFile the name the plugins folder was added to the job under, or null
   */
  SparkCellExecutor(SparkContext context, Registry registry, int shardSamples, int timingThreads, String pluginsFile) {
    this.context = context;
    this.registry = registry;
    this.quality = new FidQualityMeter(registry);
    this.shardSamples = shardSamples;
    this.timingThreads = timingThreads;
    this.pluginsFile = pluginsFile;
  }

  @Override
  public void prepare(List<Cell> pending, Experiment experiment) {
    int references;
    try {
      references = referenceCount(experiment);
    } catch (RuntimeException e) {
      // e.g. a missing data set: each cell then fails with this error in execute(), as it does in-process
      LOG.warn("reference statistics unavailable: {}", e.getMessage());
      return;
    }
    for (Cell cell : pending) {
      try {
        submitted.put(cell.id(), submit(cell, experiment, references));
      } catch (RuntimeException e) {
        LOG.warn("cell {} not submitted ahead: {}", cell.id(), e.getMessage()); // execute() submits it and reports
      }
    }
  }

  private int referenceCount(Experiment experiment) {
    Lock lock = ExecutorSide.MEASURING.readLock();
    lock.lock();
    try {
      return quality.referenceCount(experiment).orElse(0);
    } finally {
      lock.unlock();
    }
  }

  private Submitted submit(Cell cell, Experiment experiment, int references) {
    WorkUnits.CellJob job = WorkUnits.CellJob.of(cell, experiment, pluginsFile);
    List<int[]> ranges = WorkUnits.shards(experiment.samples(), experiment.sampleBatch(), shardSamples);
    boolean[] drawn = experiment.reference() == null
        ? new boolean[experiment.samples()]
        : KernelDistance.rowsDrawn(experiment.samples(), references, KernelDistance.DEFAULT_SUBSETS,
            KernelDistance.DEFAULT_SUBSET_SIZE, experiment.seed());
    List<WorkUnits.Shard> shards = new ArrayList<>();
    for (int i = 0; i < ranges.size(); i++) {
      int first = ranges.get(i)[0];
      int count = ranges.get(i)[1];
      List<Integer> kid = new ArrayList<>();
      for (int s = first; s < first + count; s++) {
        if (drawn[s]) {
          kid.add(s);
        }
      }
      shards.add(new WorkUnits.Shard(job, i, first, count, kid.stream().mapToInt(Integer::intValue).toArray()));
    }
    CellRun run = new CellRun(experiment.samples(), shards.size());
    String group = "diffexit-" + cell.fileName();
    context.setJobGroup(group, "diffexit bench cell " + cell.id(), true);
    try {
      SimpleFutureAction<BoxedUnit> shardJob = context.submitJob(
          parallelize(shards, WorkUnits.Shard.class), new ExecutorSide.RunShard(), partitions(shards.size()),
          new AbstractFunction2<Object, ShardResult, BoxedUnit>() {
            @Override
            public BoxedUnit apply(Object index, ShardResult result) {
              run.add((Integer) index, result);
              return BoxedUnit.UNIT;
            }
          }, UNIT);
      SimpleFutureAction<BoxedUnit> timingJob = context.submitJob(
          parallelize(List.of(new WorkUnits.Timing(job, timingThreads)), WorkUnits.Timing.class),
          new ExecutorSide.RunTiming(), partitions(1),
          new AbstractFunction2<Object, TimingResult, BoxedUnit>() {
            @Override
            public BoxedUnit apply(Object index, TimingResult result) {
              run.timed(result);
              return BoxedUnit.UNIT;
            }
          }, UNIT);
      LOG.info("cell {}: {} shard(s) of up to {} samples and one timing task submitted", cell.id(), shards.size(),
          ranges.get(0)[1]);
      return new Submitted(run, shardJob, timingJob);
    } finally {
      context.clearJobGroup();
    }
  }

  private static final AbstractFunction0<BoxedUnit> UNIT = new AbstractFunction0<>() {
    @Override
    public BoxedUnit apply() {
      return BoxedUnit.UNIT;
    }
  };

  /** One element per partition, so that each work unit is one task. */
  private <T> RDD<T> parallelize(List<T> units, Class<T> type) {
    ClassTag<T> tag = ClassTag$.MODULE$.apply(type);
    return context.parallelize(CollectionConverters.asScala(units).toSeq(), units.size(), tag);
  }

  private static scala.collection.immutable.Seq<Object> partitions(int n) {
    List<Object> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      all.add(i);
    }
    return CollectionConverters.asScala(all).toList();
  }

  @Override
  public CellResult execute(Cell cell, Experiment experiment, Path cellDirectory, CellProgress progress)
      throws Exception {
    Submitted s = submitted.remove(cell.id());
    if (s == null) {
      s = submit(cell, experiment, referenceCount(experiment));
    }
    await(s, progress);
    long start = System.nanoTime();
    Lock lock = ExecutorSide.MEASURING.readLock(); // in local mode the driver shares the JVM with the timing tasks
    lock.lock();
    try {
      return merge(cell, experiment, cellDirectory, s.run(), progress, start);
    } finally {
      lock.unlock();
    }
  }

  private void await(Submitted s, CellProgress progress) throws Exception {
    CellRun run = s.run();
    try {
      while (!s.shards().isCompleted()) {
        progress.update("shards", run.received(), run.shards());
        Thread.sleep(250);
      }
      s.shards().get();
      progress.update("shards", run.shards(), run.shards());
      while (!s.timing().isCompleted()) {
        progress.update("timing", 0, 1);
        Thread.sleep(250);
      }
      s.timing().get();
      progress.update("timing", 1, 1);
    } catch (InterruptedException e) {
      s.shards().cancel();
      s.timing().cancel();
      throw e;
    } catch (Exception e) {
      s.shards().cancel();
      s.timing().cancel();
      throw taskFailure(e);
    }
  }

  /**
   * @return the exception the failing task threw (Spark sends it back as the cause of its job failure), so that the
   *     cell's one-line error reads as it does in-process; Spark's own message when there is none
   */
  static Exception taskFailure(Throwable failure) {
    Throwable t = failure;
    while ((t instanceof SparkException || t instanceof java.util.concurrent.ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof Exception e && !(t instanceof SparkException)) {
      return e;
    }
    String message = t.getMessage() == null ? t.toString() : t.getMessage();
    return new IllegalStateException("Spark job failed: " + message.lines().findFirst().orElse(message), t);
  }

  private CellResult merge(Cell cell, Experiment experiment, Path cellDir, CellRun run, CellProgress progress,
      long start) throws JsonProcessingException {
    Path resultsDir = cellDir.getParent().getParent();
    Path checkpoint = SamplingBenchWiring.checkpointOf(cell, experiment);
    BackboneSpec spec;
    try (NDManager manager = NDManager.newBaseManager();
        Backbone backbone = Checkpoint.createBackbone(Checkpoint.readCard(checkpoint), Checkpoint.resolve(checkpoint),
            registry, manager)) {
      spec = backbone.spec();
    }
    ShardResult head = run.firstShard();
    SampleReport report = new SampleReport(checkpoint.toString(), spec, head.strategy(), head.upperBound(),
        head.sampler(), head.schedule(), cell.decision(), experiment.seed(), experiment.sampleBatch(), head.device(),
        head.threads(), run.result());
    Map<String, Path> files = SampleOutputs.write(report, cellDir);
    Path samplesFile = run.samples().write(cellDir);
    Quality q = run.sums() == null ? null
        : quality.measure(run.sums(), run.kidRows(), experiment, progress).orElse(null);
    TimingResult timing = run.timing();
    Latency b1 = WorkUnits.JSON.readValue(timing.batch1Json(), Latency.class);
    Latency large = WorkUnits.JSON.readValue(timing.largeJson(), Latency.class);
    double driverSeconds = (System.nanoTime() - start) / 1e9; // the merge; waiting for the tasks is not work
    return SamplingBenchWiring.cellResult(report, files, samplesFile, resultsDir, q, b1, large,
        run.peakMemoryBytes(), cell, run.taskSeconds() + driverSeconds);
  }

  @Override
  public void close() {
    for (Submitted s : submitted.values()) {
      s.shards().cancel();
      s.timing().cancel();
    }
    submitted.clear();
  }
}
