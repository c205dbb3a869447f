package io.diffexit.harness.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.diffexit.api.DecisionMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Reads an experiment from YAML, applies {@code --set} overrides and checks every key. The format:
 *
 * <pre>
 * name: fmnist-compare          # required, [A-Za-z0-9][A-Za-z0-9_-]*
 * description: free text        # optional
 * samples: 1000                 # required, images per cell, the same initial noise for every cell
 * seed: 0                       # default 0
 * batch: {large: 64, sample: 64}            # latency batch (default 64), sampling batch (default = large)
 * latency: {warmup: 2, repeats: 5}          # defaults 2 and 5; repeats must be at least 5
 * reference: {stats: stats.npz, extractor: fmnist-net, split: test}   # optional: without it no FID/KID
 * backbones:  {ID: {type: NAME, KEY: VALUE or [VALUES], requires: {...}}}
 * strategies: {ID: {type: NAME, KEY: ..., decision: per-sample | per-batch | [both], requires: {...}}}
 * samplers:   {ID: {type: NAME, KEY: ...}}
 * </pre>
 *
 * <p>Instance keys other than {@code type}, {@code requires} and {@code decision} are the factory's parameters; a
 * list expands the grid (one cell per value). {@code requires: {backbone: [uvit], sampler: [ddim50]}} limits the
 * instances an instance is combined with. Parameter names are checked against the factories by
 * {@link GridBuilder#checkAgainst}; everything else is checked here, and an unknown key fails with its path and the
 * known keys.
 */
public final class ExperimentParser {

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]*");
  private static final List<String> TOP_KEYS = List.of(
      "name", "description", "samples", "seed", "batch", "latency", "reference", "backbones", "strategies",
      "samplers");
  private static final List<String> BATCH_KEYS = List.of("large", "sample");
  private static final List<String> LATENCY_KEYS = List.of("warmup", "repeats");
  private static final List<String> REFERENCE_KEYS = List.of("stats", "extractor", "split");
  private static final List<String> REQUIRES_KEYS = List.of("backbone", "sampler", "strategy");
  /** Group names in the file, and the singular kind they hold. */
  private static final Map<String, String> GROUPS = Map.of(
      "backbones", "backbone", "strategies", "strategy", "samplers", "sampler");
  /** Minimum latency repeats: the median and IQR of fewer are not worth reporting. */
  public static final int MIN_REPEATS = 5;

  private static final ObjectMapper YAML = new YAMLMapper();

  private final String source;

  private ExperimentParser(String source) {
    this.source = source;
  }

  /**
   * @param file the YAML file
   * @param overrides {@code --set} entries such as {@code strategy.uem.threshold=0.90,0.95}
   * @return the checked experiment
   * @throws IllegalArgumentException naming the file, the key path and what would fix it
   */
  public static Experiment parse(Path file, List<String> overrides) {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("experiment file " + file + " does not exist");
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read experiment file " + file + ": " + e.getMessage());
    }
    Path dir = file.toAbsolutePath().getParent();
    return parse(text, file.getFileName().toString(), dir, overrides);
  }

  /**
   * @param yaml the experiment text
   * @param source how to name it in messages, e.g. the file name
   * @param baseDir the folder relative paths are resolved against
   * @param overrides {@code --set} entries
   * @return the checked experiment
   */
  public static Experiment parse(String yaml, String source, Path baseDir, List<String> overrides) {
    JsonNode root;
    try {
      root = YAML.readTree(yaml);
    } catch (JsonProcessingException e) {
      String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column "
          + e.getLocation().getColumnNr();
      throw new IllegalArgumentException(
          source + ": not valid YAML" + where + ": " + e.getOriginalMessage().lines().findFirst().orElse(""));
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      throw new IllegalArgumentException(source + ": empty experiment; it needs at least name, samples, "
          + "backbones, strategies and samplers");
    }
    ExperimentParser p = new ExperimentParser(source);
    ObjectNode obj = p.object(root, "");
    for (String o : overrides) {
      applyOverride(obj, o);
    }
    return p.read(obj, baseDir.toAbsolutePath().normalize());
  }

  // ---------------------------------------------------------------- overrides

  /**
   * Applies {@code path=value[,value...]}. The path is {@code KIND.ID.KEY} for an instance parameter ({@code KIND} is
   * {@code backbone}, {@code strategy} or {@code sampler}, singular or plural) or a top-level key such as
   * {@code samples} or {@code batch.large}. Several values, or one value for a key that already holds a list, make a
   * list.
   */
  static void applyOverride(ObjectNode root, String override) {
    int eq = override.indexOf('=');
    if (eq <= 0) {
      throw new IllegalArgumentException(
          "--set " + override + ": write PATH=VALUE, e.g. strategy.uem.threshold=0.90,0.95");
    }
    String path = override.substring(0, eq).trim();
    String value = override.substring(eq + 1).trim();
    if (value.isEmpty()) {
      throw new IllegalArgumentException("--set " + override + ": the value is empty");
    }
    List<String> parts = List.of(path.split("\\."));
    ObjectNode target = root;
    int first = 0;
    String group = groupOf(parts.get(0));
    if (group != null) {
      if (parts.size() < 3) {
        throw new IllegalArgumentException(
            "--set " + override + ": write " + parts.get(0) + ".ID.KEY=VALUE, e.g. strategy.uem.threshold=0.9");
      }
      JsonNode instances = root.get(group);
      String id = parts.get(1);
      if (instances == null || !instances.isObject() || !instances.has(id)) {
        Set<String> known = new TreeSet<>();
        if (instances != null) {
          instances.fieldNames().forEachRemaining(known::add);
        }
        throw new IllegalArgumentException(
            "--set " + override + ": no " + GROUPS.get(group) + " '" + id + "'; known: " + known);
      }
      if (!instances.get(id).isObject()) {
        throw new IllegalArgumentException("--set " + override + ": " + group + "." + id + " is not a map");
      }
      target = (ObjectNode) instances.get(id);
      first = 2;
    }
    for (int i = first; i < parts.size() - 1; i++) {
      JsonNode child = target.get(parts.get(i));
      if (child == null) {
        child = target.putObject(parts.get(i));
      }
      if (!child.isObject()) {
        throw new IllegalArgumentException(
            "--set " + override + ": '" + String.join(".", parts.subList(0, i + 1)) + "' is not a map");
      }
      target = (ObjectNode) child;
    }
    String key = parts.get(parts.size() - 1);
    String[] values = value.split(",");
    JsonNode existing = target.get(key);
    if (values.length > 1 || (existing != null && existing.isArray())) {
      ArrayNode array = JsonNodeFactory.instance.arrayNode();
      for (String v : values) {
        array.add(scalar(v.trim(), override));
      }
      target.set(key, array);
    } else {
      target.set(key, scalar(value, override));
    }
  }

  private static String groupOf(String first) {
    for (Map.Entry<String, String> e : GROUPS.entrySet()) {
      if (e.getKey().equals(first) || e.getValue().equals(first)) {
        return e.getKey();
      }
    }
    return null;
  }

  /** Reads one value as YAML would, so that {@code 0.90} on the command line equals {@code 0.90} in the file. */
  private static JsonNode scalar(String text, String override) {
    try {
      JsonNode n = YAML.readTree(text);
      if (n == null || n.isMissingNode() || n.isNull() || n.isContainerNode()) {
        throw new IllegalArgumentException("--set " + override + ": '" + text + "' is not a single value");
      }
      return n;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("--set " + override + ": '" + text + "' is not a single value");
    }
  }

  // ---------------------------------------------------------------- reading

  private Experiment read(ObjectNode root, Path baseDir) {
    knownKeys(root, "", TOP_KEYS);
    String name = requireText(root, "", "name");
    if (!ID.matcher(name).matches()) {
      throw error("name", "'" + name + "' must match [A-Za-z0-9][A-Za-z0-9_-]*");
    }
    String description = root.has("description") ? text(root.get("description"), "description") : "";
    int samples = integer(root, "", "samples", null, 1);
    long seed = root.has("seed") ? longValue(root.get("seed"), "seed") : 0L;
    ObjectNode batch = root.has("batch") ? object(root.get("batch"), "batch") : JsonNodeFactory.instance.objectNode();
    knownKeys(batch, "batch", BATCH_KEYS);
    int large = integer(batch, "batch", "large", 64, 1);
    int sampleBatch = integer(batch, "batch", "sample", large, 1);
    ObjectNode latency =
        root.has("latency") ? object(root.get("latency"), "latency") : JsonNodeFactory.instance.objectNode();
    knownKeys(latency, "latency", LATENCY_KEYS);
    int warmup = integer(latency, "latency", "warmup", 2, 0);
    int repeats = integer(latency, "latency", "repeats", MIN_REPEATS, MIN_REPEATS);
    Reference reference = null;
    if (root.has("reference")) {
      ObjectNode ref = object(root.get("reference"), "reference");
      knownKeys(ref, "reference", REFERENCE_KEYS);
      reference = new Reference(
          requireText(ref, "reference", "stats"),
          requireText(ref, "reference", "extractor"),
          ref.has("split") ? text(ref.get("split"), "reference.split") : "test");
    }
    List<InstanceSpec> backbones = instances(root, "backbones");
    List<InstanceSpec> strategies = instances(root, "strategies");
    List<InstanceSpec> samplers = instances(root, "samplers");
    Map<String, List<InstanceSpec>> byKind = Map.of(
        "backbone", backbones, "strategy", strategies, "sampler", samplers);
    for (List<InstanceSpec> group : byKind.values()) {
      for (InstanceSpec s : group) {
        s.requires().forEach((kind, ids) -> {
          Set<String> known = new TreeSet<>();
          byKind.get(kind).forEach(i -> known.add(i.id()));
          for (String id : ids) {
            if (!known.contains(id)) {
              throw error(plural(s.kind()) + "." + s.id() + ".requires." + kind,
                  "no " + kind + " '" + id + "'; known: " + known);
            }
          }
        });
      }
    }
    return new Experiment(name, description, samples, seed, sampleBatch, large, warmup, repeats, reference,
        backbones, strategies, samplers, baseDir);
  }

  private List<InstanceSpec> instances(ObjectNode root, String group) {
    if (!root.has(group)) {
      throw error(group, "is required: write " + group + ": {ID: {type: NAME, ...}}");
    }
    ObjectNode map = object(root.get(group), group);
    if (map.isEmpty()) {
      throw error(group, "is empty: give at least one instance");
    }
    String kind = GROUPS.get(group);
    List<InstanceSpec> out = new ArrayList<>();
    for (Map.Entry<String, JsonNode> e : map.properties()) {
      String path = group + "." + e.getKey();
      if (!ID.matcher(e.getKey()).matches()) {
        throw error(path, "the id '" + e.getKey() + "' must match [A-Za-z0-9][A-Za-z0-9_-]*");
      }
      ObjectNode inst = object(e.getValue(), path);
      String type = requireText(inst, path, "type");
      Map<String, List<String>> params = new LinkedHashMap<>();
      List<String> listKeys = new ArrayList<>();
      Map<String, List<String>> requires = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> f : inst.properties()) {
        String key = f.getKey();
        String keyPath = path + "." + key;
        if (key.equals("type")) {
          continue;
        }
        if (key.equals("requires")) {
          ObjectNode req = object(f.getValue(), keyPath);
          knownKeys(req, keyPath, REQUIRES_KEYS);
          req.properties().forEach(r -> requires.put(r.getKey(), values(r.getValue(), keyPath + "." + r.getKey())));
          continue;
        }
        if (key.equals("decision")) {
          if (!kind.equals("strategy")) {
            throw error(keyPath, "'decision' belongs to strategies, not " + group);
          }
          for (String d : values(f.getValue(), keyPath)) {
            try {
              decisionMode(d, keyPath);
            } catch (IllegalArgumentException bad) {
              throw new IllegalArgumentException(source + ": " + bad.getMessage());
            }
          }
        }
        if (kind.equals("strategy") && type.contains("+") && f.getValue().isObject()
            && type.endsWith("+" + key)) {
          // a composed strategy's exit part: {type: block-cache+deediff, deediff: {threshold: 0.7}}
          for (Map.Entry<String, JsonNode> g : f.getValue().properties()) {
            String flat = key + "." + g.getKey();
            params.put(flat, values(g.getValue(), keyPath + "." + g.getKey()));
            if (g.getValue().isArray()) {
              listKeys.add(flat);
            }
          }
          continue;
        }
        params.put(key, values(f.getValue(), keyPath));
        if (f.getValue().isArray()) {
          listKeys.add(key);
        }
      }
      out.add(new InstanceSpec(kind, e.getKey(), type, params, listKeys, requires));
    }
    return out;
  }

  /** @return the decision mode for {@code per-sample} or {@code per-batch} */
  static DecisionMode decisionMode(String text, String path) {
    for (DecisionMode m : DecisionMode.values()) {
      if (m.label().equals(text)) {
        return m;
      }
    }
    throw new IllegalArgumentException(path + ": must be per-sample or per-batch, got '" + text + "'");
  }

  private List<String> values(JsonNode node, String path) {
    List<String> out = new ArrayList<>();
    if (node.isArray()) {
      if (node.isEmpty()) {
        throw error(path, "the list is empty; give at least one value");
      }
      for (JsonNode n : node) {
        out.add(text(n, path));
      }
    } else {
      out.add(text(node, path));
    }
    return out;
  }

  private String text(JsonNode node, String path) {
    if (node == null || node.isNull()) {
      throw error(path, "has no value");
    }
    if (!node.isValueNode()) {
      throw error(path, "must be a single value or a list of values, got a " + (node.isObject() ? "map" : "nested list"));
    }
    return node.asText();
  }

  private String requireText(ObjectNode node, String path, String key) {
    String p = join(path, key);
    if (!node.has(key)) {
      throw error(path.isEmpty() ? key : path, path.isEmpty() ? "is required" : "'" + key + "' is required");
    }
    JsonNode v = node.get(key);
    if (v.isArray()) {
      throw error(p, "must be a single value, got a list");
    }
    return text(v, p);
  }

  private int integer(ObjectNode node, String path, String key, Integer defaultValue, int min) {
    String p = join(path, key);
    if (!node.has(key)) {
      if (defaultValue == null) {
        throw error(p, "is required");
      }
      return defaultValue;
    }
    JsonNode v = node.get(key);
    if (!v.isIntegralNumber() || !v.canConvertToInt()) {
      throw error(p, "must be an integer, got '" + v.asText() + "'");
    }
    if (v.intValue() < min) {
      throw error(p, "must be at least " + min + ", got " + v.intValue());
    }
    return v.intValue();
  }

  private long longValue(JsonNode v, String path) {
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw error(path, "must be an integer, got '" + v.asText() + "'");
    }
    return v.longValue();
  }

  private ObjectNode object(JsonNode node, String path) {
    if (node == null || !node.isObject()) {
      throw error(path.isEmpty() ? "top level" : path, "must be a map of key: value");
    }
    return (ObjectNode) node;
  }

  private void knownKeys(ObjectNode node, String path, List<String> known) {
    node.fieldNames().forEachRemaining(k -> {
      if (!known.contains(k)) {
        throw new IllegalArgumentException(
            source + ": unknown key '" + join(path, k) + "'; known: " + new TreeSet<>(known));
      }
    });
  }

  private static String join(String path, String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  private static String plural(String kind) {
    for (Map.Entry<String, String> e : GROUPS.entrySet()) {
      if (e.getValue().equals(kind)) {
        return e.getKey();
      }
    }
    return kind;
  }

  private IllegalArgumentException error(String path, String message) {
    return new IllegalArgumentException(source + ": " + path + ": " + message);
  }
}
