package io.diffexit.spark;

import io.diffexit.harness.bench.BenchWiring;
import io.diffexit.harness.bench.CellExecutor;
import io.diffexit.harness.bench.CheckpointProbe;
import io.diffexit.harness.bench.Experiment;
import io.diffexit.harness.UserError;
import io.diffexit.harness.features.FeatureExtractors;
import io.diffexit.harness.plugins.ComponentInfo;
import io.diffexit.harness.plugins.Registries;
import io.diffexit.harness.plugins.Registry;
import io.diffexit.harness.sampling.SampleSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;

/**
 * {@code diffexit bench --engine spark}: the in-process wiring's registry and checkpoint probe, with cells run by a
 * {@link SparkCellExecutor} on a Spark context this wiring starts (and stops when the executor is closed).
 *
 * <p>The master is {@code --master}, else {@code spark.master} (set by {@code spark-submit}), else {@code local[*]}.
 * Local masters get Spark's cluster retry count, {@code local[N]} becoming {@code local[N,F]} with
 * F = {@code spark.task.maxFailures} (default 4), so that a failed shard is retried as it would be on a cluster.
 */
final class SparkBenchWiring implements BenchWiring {

  /** Samples per shard task unless {@code --shard-samples} says otherwise. */
  static final int DEFAULT_SHARD_SAMPLES = 256;
  private static final Set<String> OPTIONS = Set.of("master", "shard-samples");
  private static final Pattern LOCAL = Pattern.compile("local(?:\\[(\\*|[0-9]+)])?");

  private final BenchWiring local;
  private final String master;
  private final int shardSamples;
  private String engine = "spark (not started)";

  SparkBenchWiring(BenchWiring local, Map<String, String> options) {
    for (String key : options.keySet()) {
      if (!OPTIONS.contains(key)) {
        throw new UserError("the spark engine has no option --" + key + "; it takes --master and --shard-samples");
      }
    }
    this.local = local;
    this.master = options.get("master");
    this.shardSamples = options.containsKey("shard-samples") ? parseShardSamples(options.get("shard-samples"))
        : DEFAULT_SHARD_SAMPLES;
  }

  private static int parseShardSamples(String text) {
    try {
      int n = Integer.parseInt(text.trim());
      if (n >= 1) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new UserError("--shard-samples must be a whole number of at least 1, got '" + text + "'");
  }

  /**
   * @param master a Spark master URL
   * @param maxFailures attempts per task
   * @return {@code local}, {@code local[N]} and {@code local[*]} with {@code maxFailures} attempts; other masters as
   *     they are
   */
  static String withRetries(String master, int maxFailures) {
    Matcher m = LOCAL.matcher(master.trim());
    if (!m.matches()) {
      return master;
    }
    String threads = m.group(1) == null ? "1" : m.group(1);
    return "local[" + threads + "," + maxFailures + "]";
  }

  static boolean isLocal(String master) {
    return master.startsWith("local");
  }

  @Override
  public CellExecutor executor(Experiment experiment) {
    Registry registry = local.registry().orElseThrow(() -> new UserError(
        "the spark engine needs the harness's plugin registry, and this build's bench wiring has none"));
    SparkConf conf = new SparkConf(); // spark.* system properties, e.g. from spark-submit
    String chosen = master != null ? master : conf.get("spark.master", "local[*]");
    String url = withRetries(chosen, conf.getInt("spark.task.maxFailures", 4));
    conf.setMaster(url);
    conf.setIfMissing("spark.app.name", "diffexit bench " + experiment.name());
    boolean isLocal = isLocal(url);
    if (isLocal) {
      conf.setIfMissing("spark.ui.enabled", "false");
      conf.setIfMissing("spark.driver.host", "127.0.0.1");
      conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
    }
    // What each executor JVM needs for DJL: offline natives, the oneDNN kernels the harness trusts, the diffexit home
    // (feature extractor weights). Only for executors Spark starts; in local mode they are this JVM.
    String isa = System.getenv().getOrDefault("ONEDNN_MAX_CPU_ISA", "SSE41");
    conf.setIfMissing("spark.executorEnv.ONEDNN_MAX_CPU_ISA", isa);
    conf.setIfMissing("spark.executor.extraJavaOptions", "-Dai.djl.offline=true -Dai.djl.pytorch.graph_optimizer=false"
        + " -D" + FeatureExtractors.HOME_PROPERTY + "=" + FeatureExtractors.home());
    SparkContext context;
    try {
      context = new SparkContext(conf);
    } catch (RuntimeException e) {
      throw new UserError("cannot start Spark with master '" + url + "': " + firstLine(e), e);
    }
    try {
      String pluginsFile = shipPlugins(context);
      int executors = context.statusTracker().getExecutorInfos().length - (isLocal ? 0 : 1);
      engine = "spark " + url + ": " + executors + " executor(s) at start, default parallelism "
          + context.defaultParallelism() + ", " + shardSamples + " samples per shard (rounded to whole batches of "
          + experiment.sampleBatch() + ")";
      int timingThreads = isLocal ? SampleSession.threads() : 0;
      SparkCellExecutor executor = new SparkCellExecutor(context, registry, shardSamples, timingThreads, pluginsFile);
      return new CellExecutor() {
        @Override
        public io.diffexit.harness.bench.CellResult execute(io.diffexit.harness.bench.Cell cell, Experiment e,
            Path dir, io.diffexit.harness.bench.CellProgress progress) throws Exception {
          return executor.execute(cell, e, dir, progress);
        }

        @Override
        public void prepare(List<io.diffexit.harness.bench.Cell> pending, Experiment e) {
          executor.prepare(pending, e);
        }

        @Override
        public void close() {
          try {
            executor.close();
          } finally {
            context.stop();
          }
        }
      };
    } catch (RuntimeException e) {
      context.stop();
      throw e;
    }
  }

  /** Adds the driver's plugins folder to the job, so that every executor builds the same registry. */
  private static String shipPlugins(SparkContext context) {
    Path dir = Registries.defaultPluginsDir(System.getenv()).toAbsolutePath().normalize();
    if (!Files.isDirectory(dir)) {
      return null;
    }
    context.addFile(dir.toString(), true);
    return dir.getFileName().toString();
  }

  private static String firstLine(Throwable e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return m.lines().findFirst().orElse(m);
  }

  @Override
  public Optional<Registry> registry() {
    return local.registry();
  }

  @Override
  public CheckpointProbe checkpointProbe() {
    return local.checkpointProbe();
  }

  @Override
  public int threads() {
    return Integer.getInteger("spark.task.cpus", 1);
  }

  @Override
  public List<ComponentInfo> components() {
    return local.components();
  }

  @Override
  public String engine() {
    return engine;
  }
}
