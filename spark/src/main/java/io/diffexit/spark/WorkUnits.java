package io.diffexit.spark;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.diffexit.harness.bench.Cell;
import io.diffexit.harness.bench.Experiment;
import io.diffexit.harness.bench.InstanceSpec;
import io.diffexit.harness.bench.Reference;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The work units of a Spark bench run and what they carry to the executors: a cell and the experiment as JSON text
 * (the harness's records are not {@link Serializable}), and for a sample shard the range of samples it draws.
 */
final class WorkUnits {

  static final ObjectMapper JSON = JsonMapper.builder()
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .build();

  private WorkUnits() {}

  /**
   * Everything an executor needs to rebuild one cell of an experiment.
   *
   * @param cellJson the cell as JSON
   * @param experimentJson the experiment as JSON (without its folder)
   * @param baseDir the experiment folder, against which checkpoints and statistics resolve (a path every executor sees)
   * @param pluginsFile the name under which the driver's plugins folder was added to the job
   *     ({@code SparkContext.addFile}), or null when it has none
   */
  record CellJob(String cellJson, String experimentJson, String baseDir, String pluginsFile) implements Serializable {

    private static final long serialVersionUID = 1L;

    static CellJob of(Cell cell, Experiment experiment, String pluginsFile) {
      try {
        return new CellJob(JSON.writeValueAsString(cell), JSON.writeValueAsString(experiment),
            experiment.baseDir().toString(), pluginsFile);
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("cannot serialise cell '" + cell.id() + "': " + e.getOriginalMessage(), e);
      }
    }

    Cell cell() {
      try {
        return JSON.readValue(cellJson, Cell.class);
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("cannot read the cell sent by the driver: " + e.getOriginalMessage(), e);
      }
    }

    /** The experiment's folder is not part of its JSON (it is not part of its hash), so it is put back here. */
    Experiment experiment() {
      try {
        JsonNode n = JSON.readTree(experimentJson);
        TypeReference<List<InstanceSpec>> specs = new TypeReference<>() {};
        return new Experiment(
            n.get("name").asText(),
            n.path("description").asText(""),
            n.get("samples").asInt(),
            n.get("seed").asLong(),
            n.get("sampleBatch").asInt(),
            n.get("largeBatch").asInt(),
            n.get("latencyWarmup").asInt(),
            n.get("latencyRepeats").asInt(),
            n.get("reference").isNull() ? null : JSON.treeToValue(n.get("reference"), Reference.class),
            JSON.convertValue(n.get("backbones"), specs),
            JSON.convertValue(n.get("strategies"), specs),
            JSON.convertValue(n.get("samplers"), specs),
            Path.of(baseDir));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("cannot read the experiment sent by the driver: " + e.getOriginalMessage(), e);
      }
    }
  }

  /**
   * One Spark task of the FID sampling run of a cell: samples {@code first} … {@code first + count − 1}.
   *
   * @param job the cell
   * @param index the shard's position in the cell
   * @param first index of its first sample in the cell's run (a multiple of the sampling batch)
   * @param count samples in it
   * @param kidRows the samples in it whose feature rows KID's subsets draw (indices in the run)
   */
  record Shard(CellJob job, int index, int first, int count, int[] kidRows) implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  /**
   * The latency measurement of a cell, a task of its own.
   *
   * @param job the cell
   * @param threads intra-op threads for the timed runs; 0 for the executor's cores
   */
  record Timing(CellJob job, int threads) implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  /**
   * Splits a run into shards of whole sampling batches, so that every shard's batches are the unsharded run's.
   *
   * @param samples samples in the run
   * @param batch the sampling batch size
   * @param shardSamples samples wanted per shard (rounded up to a multiple of {@code batch})
   * @return {first, count} of each shard, in order
   */
  static List<int[]> shards(int samples, int batch, int shardSamples) {
    if (samples < 1 || batch < 1 || shardSamples < 1) {
      throw new IllegalArgumentException("shards need samples, batch and shard size >= 1, got " + samples + ", "
          + batch + ", " + shardSamples);
    }
    int per = Math.multiplyExact((shardSamples + batch - 1) / batch, batch);
    List<int[]> out = new ArrayList<>();
    for (int first = 0; first < samples; first += per) {
      out.add(new int[] {first, Math.min(per, samples - first)});
    }
    return out;
  }
}
