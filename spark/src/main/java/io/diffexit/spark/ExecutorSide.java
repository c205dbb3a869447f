package io.diffexit.spark;

import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.diffexit.api.CostMeter;
import io.diffexit.api.ExitStrategy;
import io.diffexit.api.ExitTrace;
import io.diffexit.api.FeatureExtractor;
import io.diffexit.api.Sampler;
import io.diffexit.harness.fidelity.SavedSamples;
import io.diffexit.harness.bench.Cell;
import io.diffexit.harness.bench.CellProgress;
import io.diffexit.harness.bench.Experiment;
import io.diffexit.harness.bench.Latency;
import io.diffexit.harness.bench.PeakMemory;
import io.diffexit.harness.checkpoint.Weights;
import io.diffexit.harness.fid.FeatureSums;
import io.diffexit.harness.fid.Features;
import io.diffexit.harness.plugins.Registries;
import io.diffexit.harness.plugins.Registry;
import io.diffexit.harness.runner.PixelMapRecorder;
import io.diffexit.harness.runner.SamplingJob;
import io.diffexit.harness.bench.inprocess.FidQualityMeter;
import io.diffexit.harness.sampling.SampleReport;
import io.diffexit.harness.sampling.SampleSession;
import io.diffexit.harness.bench.inprocess.SamplingBenchWiring;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.apache.spark.SparkEnv;
import org.apache.spark.SparkFiles;
import org.apache.spark.TaskContext;
import scala.collection.Iterator;
import scala.runtime.AbstractFunction1;

/**
 * What runs inside an executor JVM: the task functions of sample shards and timing runs, and the per-JVM state they
 * share (the plugin registry, built once, and the lock that keeps timing runs alone on their executor).
 *
 * <p>Memory: every task loads its checkpoint into its own manager and closes it at the end, so an executor holds at
 * most one model per task slot (core). Threads: a shard runs with its task's CPUs ({@code spark.task.cpus}) as
 * PyTorch intra-op threads; a timing task with the executor's cores, since it has the executor to itself.
 */
final class ExecutorSide {

  /**
   * Shards share it (read lock); a timing task takes it alone (write lock), so latency is never measured while other
   * work runs in the same JVM. Fair, so that waiting timing tasks are not starved by a stream of shards.
   */
  static final ReentrantReadWriteLock MEASURING = new ReentrantReadWriteLock(true);
  /** Checkpoint loading and strategy creation set the engine's global random seed: one at a time per JVM. */
  private static final Object OPENING = new Object();
  private static final Map<String, Registry> REGISTRIES = new ConcurrentHashMap<>();

  private ExecutorSide() {}

  /** @return this JVM's registry of the built-ins and the plugins folder shipped with the job */
  static Registry registry(String pluginsFile) {
    Path dir = pluginsFile == null
        ? Path.of(SparkFiles.getRootDirectory(), "no-plugins-shipped")
        : Path.of(SparkFiles.get(pluginsFile));
    return REGISTRIES.computeIfAbsent(dir.toString(), k -> Registries.create(dir));
  }

  /** A cell's checkpoint, strategy and sampler, opened in one task. */
  private record Opened(NDManager manager, SampleSession session, ExitStrategy strategy, Sampler sampler)
      implements AutoCloseable {

    static Opened open(Registry registry, Cell cell, Experiment experiment) {
      Path checkpoint = SamplingBenchWiring.checkpointOf(cell, experiment);
      synchronized (OPENING) {
        NDManager manager = NDManager.newBaseManager();
        SampleSession session = null;
        try {
          session = SampleSession.open(checkpoint, registry, manager, Weights.EMA);
          SamplingBenchWiring.requireBackboneType(session, cell, checkpoint);
          ExitStrategy strategy = session.strategy(SamplingBenchWiring.spec(cell.strategy(), experiment),
              experiment.seed());
          try {
            Sampler sampler = session.sampler(SamplingBenchWiring.spec(cell.sampler(), experiment), null, false);
            return new Opened(manager, session, strategy, sampler);
          } catch (RuntimeException e) {
            strategy.close();
            throw e;
          }
        } catch (RuntimeException e) {
          if (session != null) {
            session.close();
          }
          manager.close();
          throw e;
        }
      }
    }

    @Override
    public void close() {
      try {
        strategy.close();
      } finally {
        session.close();
        manager.close();
      }
    }
  }

  /** The task function of a sample shard (one shard per partition). */
  static final class RunShard extends AbstractFunction1<Iterator<WorkUnits.Shard>, ShardResult>
      implements Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public ShardResult apply(Iterator<WorkUnits.Shard> shards) {
      return run(shards.next());
    }
  }

  /** The task function of a timing run. */
  static final class RunTiming extends AbstractFunction1<Iterator<WorkUnits.Timing>, TimingResult>
      implements Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public TimingResult apply(Iterator<WorkUnits.Timing> timings) {
      return time(timings.next());
    }
  }

  static ShardResult run(WorkUnits.Shard shard) {
    long start = System.nanoTime();
    TaskContext task = TaskContext.get();
    int threads = task == null ? 1 : Math.max(1, task.cpus());
    JniUtils.setNumThreads(threads); // intra-op threads are per Java thread in the PyTorch engine, like grad mode
    Cell cell = shard.job().cell();
    Experiment experiment = shard.job().experiment();
    Registry registry = registry(shard.job().pluginsFile());
    Lock lock = MEASURING.readLock();
    lock.lock();
    try (Opened o = Opened.open(registry, cell, experiment)) {
      SamplingJob.Settings whole = SamplingBenchWiring.fidSettings(cell, experiment, o.sampler().evaluations());
      int maps = Math.max(0, Math.min(whole.mapSamples() - shard.first(), shard.count()));
      SamplingJob.Settings settings = new SamplingJob.Settings(shard.count(), whole.batchSize(), whole.seed(),
          whole.mode(), maps, whole.mapSteps(), true, false);
      SampleReport report = o.session().run(o.strategy(), o.sampler(), settings, shard.first(), null);
      SamplingJob.Result r = report.result();

      FeatureSums sums = null;
      float[][] kidRows = new float[shard.kidRows().length][];
      if (experiment.reference() != null) {
        FidQualityMeter meter = new FidQualityMeter(registry);
        try (FeatureExtractor extractor = meter.extractor(experiment.reference(), o.manager())) {
          Features f = FidQualityMeter.generatedFeatures(extractor, r, o.manager());
          sums = FeatureSums.of(f);
          int d = f.dimension();
          for (int k = 0; k < kidRows.length; k++) {
            int local = shard.kidRows()[k] - shard.first();
            kidRows[k] = java.util.Arrays.copyOfRange(f.data(), local * d, (local + 1) * d);
          }
        }
      }
      int per = r.channels() * r.height() * r.width();
      int shown = Math.max(0, Math.min(SparkCellExecutor.GRID_SAMPLES - shard.first(), shard.count()));
      float[] grid = java.util.Arrays.copyOf(r.images(), shown * per);

      ExitTrace trace = r.trace();
      int steps = trace.steps();
      int[][] exits = new int[steps][shard.count()];
      boolean[][] reused = new boolean[steps][shard.count()];
      double[] times = new double[steps];
      for (int s = 0; s < steps; s++) {
        for (int j = 0; j < shard.count(); j++) {
          exits[s][j] = trace.exitAt(s, j);
          reused[s][j] = trace.outcomeAt(s, j) == ExitTrace.Outcome.REUSED;
        }
        times[s] = trace.modelTime(s);
      }
      CostMeter cost = r.cost();
      long[] byCategory = new long[CostMeter.Category.values().length];
      for (CostMeter.Category c : CostMeter.Category.values()) {
        byCategory[c.ordinal()] = cost.total(c);
      }
      long[] byStep = new long[steps];
      for (int s = 0; s < steps; s++) {
        byStep[s] = cost.totalAtStep(s);
      }
      List<PixelMapRecorder.Entry> entries = r.maps();
      int[] mapSample = new int[entries.size()];
      int[] mapStep = new int[entries.size()];
      int[] mapExit = new int[entries.size()];
      float[][] mapValues = new float[entries.size()][];
      for (int k = 0; k < entries.size(); k++) {
        PixelMapRecorder.Entry e = entries.get(k);
        mapSample[k] = shard.first() + e.sample();
        mapStep[k] = e.step();
        mapExit[k] = e.exitPoint();
        mapValues[k] = e.values();
      }
      double[] batchSeconds = r.batchSeconds().stream().mapToDouble(Double::doubleValue).toArray();
      return new ShardResult(shard.first(), shard.count(), trace.exitPoints(), exits, reused,
          r.cost().peakCacheBytes(), times, byCategory, byStep, sums, shard.kidRows(),
          kidRows, grid, SavedSamples.of(r.images(), r.samples(), r.channels(), r.height(), r.width()).pixels(),
          mapSample, mapStep, mapExit, mapValues, batchSeconds, r.channels(), r.height(), r.width(),
          report.strategy(), report.upperBound(), report.sampler(), report.schedule(), report.device(), threads,
          executorId(), PeakMemory.peakBytes(), (System.nanoTime() - start) / 1e9);
    } finally {
      lock.unlock();
    }
  }

  static TimingResult time(WorkUnits.Timing timing) {
    long start = System.nanoTime();
    int threads = timing.threads() > 0 ? timing.threads() : executorCores();
    JniUtils.setNumThreads(threads);
    Cell cell = timing.job().cell();
    Experiment experiment = timing.job().experiment();
    Registry registry = registry(timing.job().pluginsFile());
    try (Opened o = Opened.open(registry, cell, experiment)) {
      Lock lock = MEASURING.writeLock();
      lock.lock();
      try {
        Latency b1 = SamplingBenchWiring.latency(o.session(), o.strategy(), o.sampler(), cell, experiment, 1,
            CellProgress.none());
        Latency large = SamplingBenchWiring.latency(o.session(), o.strategy(), o.sampler(), cell, experiment,
            experiment.largeBatch(), CellProgress.none());
        return new TimingResult(WorkUnits.JSON.writeValueAsString(b1), WorkUnits.JSON.writeValueAsString(large),
            executorId(), threads, PeakMemory.peakBytes(), (System.nanoTime() - start) / 1e9);
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("cannot serialise a latency: " + e.getOriginalMessage(), e);
      } finally {
        lock.unlock();
      }
    }
  }

  private static String executorId() {
    SparkEnv env = SparkEnv.get();
    return env == null ? "driver" : env.executorId();
  }

  /** @return {@code spark.executor.cores} where set, else the processors this JVM sees */
  private static int executorCores() {
    SparkEnv env = SparkEnv.get();
    int available = Runtime.getRuntime().availableProcessors();
    return env == null ? available : env.conf().getInt("spark.executor.cores", available);
  }
}
