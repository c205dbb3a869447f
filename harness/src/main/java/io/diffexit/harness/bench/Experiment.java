package io.diffexit.harness.bench;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A comparative benchmark as read from its YAML file (see {@link ExperimentParser} for the format): the instances
 * whose product is the grid, and the settings every cell shares.
 *
 * @param name the experiment name, used for the default output folder
 * @param description free text, may be empty
 * @param samples images generated per cell for FID/KID; every cell starts from the same initial noise (the first
 *     {@code samples} draws of the generator seeded with {@code seed}), so cells are paired
 * @param seed the seed of the initial noise and of stochastic samplers
 * @param sampleBatch batch size used to generate the FID samples
 * @param largeBatch the "large" batch size of the latency measurement (the other is batch 1)
 * @param latencyWarmup warm-up runs before latency is timed, per batch size
 * @param latencyRepeats timed repeats per batch size (at least 5); reports give the median and the IQR
 * @param reference FID/KID reference statistics, or {@code null} when the experiment measures no quality
 * @param backbones backbone instances in the order written
 * @param strategies exit strategy instances in the order written
 * @param samplers sampler instances in the order written
 * @param baseDir the folder relative paths (checkpoints, statistics) are resolved against; not part of the hash
 */
public record Experiment(
    String name,
    String description,
    int samples,
    long seed,
    int sampleBatch,
    int largeBatch,
    int latencyWarmup,
    int latencyRepeats,
    Reference reference,
    List<InstanceSpec> backbones,
    List<InstanceSpec> strategies,
    List<InstanceSpec> samplers,
    @JsonIgnore Path baseDir) {

  /** Canonical JSON: sorted properties and map keys, so that equal experiments hash equally. */
  static final ObjectMapper CANONICAL = JsonMapper.builder()
      .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
      .build();

  public Experiment {
    Objects.requireNonNull(name, "name");
    backbones = List.copyOf(backbones);
    strategies = List.copyOf(strategies);
    samplers = List.copyOf(samplers);
    Objects.requireNonNull(baseDir, "baseDir");
  }

  /** @return a path from the experiment resolved against its folder (absolute paths stay as they are) */
  public Path resolve(String path) {
    return baseDir.resolve(path).normalize();
  }

  /** @return SHA-256 (hex) of the canonical JSON of the whole experiment, as recorded in the manifest */
  @JsonIgnore
  public String configHash() {
    return sha256(canonicalJson(this));
  }

  /**
   * @return SHA-256 (hex) of everything that determines one cell's results: the cell's resolved instances and the
   *     shared settings (samples, seed, batch sizes, latency protocol, reference). A finished cell is skipped on a
   *     re-run only if this hash is unchanged, so editing an unrelated instance does not invalidate it.
   */
  public String cellHash(Cell cell) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cell", cell);
    m.put("samples", samples);
    m.put("seed", seed);
    m.put("sampleBatch", sampleBatch);
    m.put("largeBatch", largeBatch);
    m.put("latencyWarmup", latencyWarmup);
    m.put("latencyRepeats", latencyRepeats);
    m.put("reference", reference);
    return sha256(canonicalJson(m));
  }

  static String canonicalJson(Object value) {
    try {
      return CANONICAL.writeValueAsString(value);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise the experiment: " + e.getMessage(), e);
    }
  }

  static String sha256(String text) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(md.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available in this JVM", e);
    }
  }
}
