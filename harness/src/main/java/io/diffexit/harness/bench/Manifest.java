package io.diffexit.harness.bench;

import io.diffexit.harness.plugins.ComponentInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Collections;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What a benchmark ran with, written as {@code manifest.json} next to the results: enough to tell whether two result
 * folders are comparable.
 *
 * @param experiment the experiment name
 * @param configHash SHA-256 of the canonical experiment ({@link Experiment#configHash()})
 * @param config the canonical experiment as JSON text (after {@code --set})
 * @param overrides the {@code --set} entries given
 * @param gitCommit {@code git rev-parse HEAD} of the working folder, with {@code -dirty} for uncommitted changes, or
 *     {@code unknown}
 * @param startedAt ISO-8601 instant this run started
 * @param diffexitVersion the harness jar's implementation version, or {@code development}
 * @param plugins every registered component with its origin and jar version
 * @param jvm JVM vendor, name and version
 * @param os OS name, version and architecture
 * @param cpuModel the CPU model ({@code /proc/cpuinfo}), or {@code unknown}
 * @param cores processors available to the JVM
 * @param gpu the GPU used, {@code none} on CPU
 * @param threads compute threads (intra-op threads of the engine)
 * @param seed the experiment seed (initial noise, stochastic samplers)
 * @param samples images per cell
 * @param cells number of cells in the grid
 * @param rejected combinations left out, with their reasons
 * @param engine how the cells ran: {@code in-process}, or e.g. {@code spark local[2]: 1 executor, 2 cores}; null in
 *     manifests written before engines existed
 * @param cellHashes the grid's cell ids in order, each with its cell hash: reports show only the records of these
 *     cells with these hashes (results of cells since removed or changed stay in {@code results.jsonl}); null in
 *     manifests written before it was recorded
 */
public record Manifest(
    String experiment,
    String configHash,
    String config,
    List<String> overrides,
    String gitCommit,
    String startedAt,
    String diffexitVersion,
    List<ComponentInfo> plugins,
    String jvm,
    String os,
    String cpuModel,
    int cores,
    String gpu,
    int threads,
    long seed,
    int samples,
    int cells,
    List<RejectedCell> rejected,
    String engine,
    Map<String, String> cellHashes) {

  public Manifest {
    overrides = List.copyOf(overrides);
    plugins = List.copyOf(plugins);
    rejected = List.copyOf(rejected);
    cellHashes = cellHashes == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(cellHashes));
  }

  /**
   * @param records the latest record of every cell id in the results folder
   * @return the records of this manifest's grid: its cell ids with its cell hashes (all records for an older manifest
   *     without {@link #cellHashes})
   */
  public List<CellRecord> current(List<CellRecord> records) {
    if (cellHashes == null) {
      return records;
    }
    return records.stream().filter(r -> r.cellHash().equals(cellHashes.get(r.cellId()))).toList();
  }

  /**
   * Collects the manifest of this process.
   *
   * @param experiment the experiment (after overrides)
   * @param overrides the {@code --set} entries
   * @param grid its grid
   * @param plugins the registry's components
   * @param threads compute threads the engine uses
   * @param workDir the folder whose git commit is recorded
   * @return the manifest
   */
  public static Manifest collect(Experiment experiment, List<String> overrides, Grid grid,
      List<ComponentInfo> plugins, int threads, Path workDir) {
    return collect(experiment, overrides, grid, plugins, threads, workDir, "in-process");
  }

  /**
   * As {@link #collect(Experiment, List, Grid, List, int, Path)} for cells run by {@code engine}.
   *
   * @param engine how the cells run ({@link BenchWiring#engine()})
   * @return the manifest
   */
  public static Manifest collect(Experiment experiment, List<String> overrides, Grid grid,
      List<ComponentInfo> plugins, int threads, Path workDir, String engine) {
    String version = Manifest.class.getPackage().getImplementationVersion();
    return new Manifest(
        experiment.name(),
        experiment.configHash(),
        Experiment.canonicalJson(experiment),
        overrides,
        gitCommit(workDir),
        Instant.now().toString(),
        version == null ? "development" : version,
        plugins,
        System.getProperty("java.vendor") + " " + System.getProperty("java.vm.name") + " "
            + System.getProperty("java.version"),
        System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
        cpuModel(Path.of("/proc/cpuinfo")),
        Runtime.getRuntime().availableProcessors(),
        "none",
        threads,
        experiment.seed(),
        experiment.samples(),
        grid.cells().size(),
        grid.rejected(),
        engine,
        hashes(experiment, grid));
  }

  private static Map<String, String> hashes(Experiment experiment, Grid grid) {
    Map<String, String> hashes = new LinkedHashMap<>();
    for (Cell c : grid.cells()) {
      hashes.put(c.id(), experiment.cellHash(c));
    }
    return hashes;
  }

  /** @return the first {@code model name} of a cpuinfo file, or {@code unknown} */
  static String cpuModel(Path cpuinfo) {
    try {
      for (String line : Files.readAllLines(cpuinfo, StandardCharsets.UTF_8)) {
        if (line.startsWith("model name")) {
          int colon = line.indexOf(':');
          return colon < 0 ? "unknown" : line.substring(colon + 1).trim();
        }
      }
    } catch (IOException e) {
      // not Linux, or no access: the manifest says unknown
    }
    return "unknown";
  }

  /** @return HEAD's commit of the repository containing {@code dir} (+ {@code -dirty}), or {@code unknown} */
  static String gitCommit(Path dir) {
    String head = run(dir, "git", "rev-parse", "HEAD");
    if (head == null || head.isBlank()) {
      return "unknown";
    }
    String status = run(dir, "git", "status", "--porcelain", "--untracked-files=no");
    return head.trim() + (status != null && !status.isBlank() ? "-dirty" : "");
  }

  private static String run(Path dir, String... command) {
    try {
      Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(false).start();
      p.getOutputStream().close();
      byte[] out = p.getInputStream().readAllBytes();
      p.getErrorStream().readAllBytes();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroy();
        return null;
      }
      return p.exitValue() == 0 ? new String(out, StandardCharsets.UTF_8) : null;
    } catch (IOException e) {
      return null; // no git on this machine
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** @return the environment variables that set thread counts, for the record ({@code OMP_NUM_THREADS} etc.) */
  static Map<String, String> threadEnvironment() {
    Map<String, String> out = new java.util.TreeMap<>();
    for (String k : List.of("OMP_NUM_THREADS", "MKL_NUM_THREADS")) {
      String v = System.getenv(k);
      if (v != null) {
        out.put(k, v);
      }
    }
    return out;
  }
}
