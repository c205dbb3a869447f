package io.diffexit.api;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;

/**
 * An immutable map of named parameters as users write them ({@code threshold=0.9,patience=1}), with typed getters
 * whose errors name the owner, the key and what would fix it.
 *
 * <p>Factories call {@link #requireKnown(Collection)} first so that a typo ({@code treshold=0.9}) fails instead of
 * being silently ignored.
 */
public final class Params {

  private static final Params EMPTY = new Params("parameters", Map.of());

  private final String owner;
  private final Map<String, String> values;

  private Params(String owner, Map<String, String> values) {
    this.owner = owner;
    this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
  }

  /** @return no parameters */
  public static Params empty() {
    return EMPTY;
  }

  /** @return parameters with these values, in this order */
  public static Params of(Map<String, String> values) {
    values.forEach((k, v) -> {
      if (k == null || k.isBlank()) {
        throw new IllegalArgumentException("parameter names must not be blank, got '" + k + "'");
      }
      Objects.requireNonNull(v, () -> "parameter '" + k + "' has no value");
    });
    return new Params("parameters", values);
  }

  /**
   * Parses {@code k=v,k=v}. A value may not contain ',' (lists use ';', e.g. {@code table=0-300:13;300-1000:7}).
   *
   * @param text the text after the name, e.g. {@code "threshold=0.9,patience=1"}; empty or blank means no parameters
   * @return the parameters
   * @throws IllegalArgumentException naming the malformed entry or a repeated key
   */
  public static Params parse(String text) {
    Map<String, String> map = new LinkedHashMap<>();
    if (text != null && !text.isBlank()) {
      for (String entry : text.split(",")) {
        int eq = entry.indexOf('=');
        if (eq <= 0) {
          throw new IllegalArgumentException(
              "malformed parameter '" + entry.trim() + "': write key=value, separated by commas");
        }
        String key = entry.substring(0, eq).trim();
        String value = entry.substring(eq + 1).trim();
        if (map.put(key, value) != null) {
          throw new IllegalArgumentException("parameter '" + key + "' is given twice");
        }
      }
    }
    return of(map);
  }

  /**
   * @param owner what these parameters configure, e.g. {@code "exit strategy 'deediff'"}; used in error messages
   * @return the same values with that owner
   */
  public Params forOwner(String owner) {
    return new Params(Objects.requireNonNull(owner, "owner"), values);
  }

  /** @return the owner label used in error messages */
  public String owner() {
    return owner;
  }

  /** @return a copy with {@code key} set to {@code value} */
  public Params with(String key, Object value) {
    Map<String, String> copy = new LinkedHashMap<>(values);
    copy.put(key, String.valueOf(value));
    return new Params(owner, copy);
  }

  /** @return a copy where every key of {@code overrides} replaces or adds to these values */
  public Params withAll(Params overrides) {
    Map<String, String> copy = new LinkedHashMap<>(values);
    copy.putAll(overrides.values);
    return new Params(owner, copy);
  }

  /**
   * @param known the keys the owner accepts
   * @return this
   * @throws IllegalArgumentException naming the first unknown key and the known ones
   */
  public Params requireKnown(Collection<String> known) {
    for (String key : values.keySet()) {
      if (!known.contains(key)) {
        throw new IllegalArgumentException(
            owner + ": unknown parameter '" + key + "'; known: " + new TreeSet<>(known));
      }
    }
    return this;
  }

  /** As {@link #requireKnown(Collection)} with the names of the specs. */
  public Params requireKnownSpecs(List<ParamSpec> specs) {
    List<String> names = new ArrayList<>();
    specs.forEach(s -> names.add(s.name()));
    return requireKnown(names);
  }

  /** @return whether the key is present */
  public boolean has(String key) {
    return values.containsKey(key);
  }

  /** @return the raw value */
  public Optional<String> get(String key) {
    return Optional.ofNullable(values.get(key));
  }

  /** @return the value or the default */
  public String getString(String key, String defaultValue) {
    return values.getOrDefault(key, defaultValue);
  }

  /** @return the value; fails naming the key when absent */
  public String requireString(String key) {
    String v = values.get(key);
    if (v == null) {
      throw new IllegalArgumentException(owner + ": parameter '" + key + "' is required");
    }
    return v;
  }

  /** @return the integer value or the default */
  public int getInt(String key, int defaultValue) {
    String v = values.get(key);
    if (v == null) {
      return defaultValue;
    }
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(owner + ": parameter '" + key + "' must be an integer, got '" + v + "'");
    }
  }

  /** @return the integer value or the default, checked to lie in [min, max] */
  public int getInt(String key, int defaultValue, int min, int max) {
    int v = getInt(key, defaultValue);
    if (v < min || v > max) {
      throw new IllegalArgumentException(
          owner + ": parameter '" + key + "' must be in [" + min + ", " + max + "], got " + v);
    }
    return v;
  }

  /** @return the long value or the default */
  public long getLong(String key, long defaultValue) {
    String v = values.get(key);
    if (v == null) {
      return defaultValue;
    }
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(owner + ": parameter '" + key + "' must be an integer, got '" + v + "'");
    }
  }

  /** @return the number or the default; NaN and infinities are refused */
  public double getDouble(String key, double defaultValue) {
    String v = values.get(key);
    if (v == null) {
      return defaultValue;
    }
    double d;
    try {
      d = Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(owner + ": parameter '" + key + "' must be a number, got '" + v + "'");
    }
    if (!Double.isFinite(d)) {
      throw new IllegalArgumentException(owner + ": parameter '" + key + "' must be finite, got '" + v + "'");
    }
    return d;
  }

  /** @return the number or the default, checked to lie in [min, max] */
  public double getDouble(String key, double defaultValue, double min, double max) {
    double d = getDouble(key, defaultValue);
    if (d < min || d > max) {
      throw new IllegalArgumentException(
          owner + ": parameter '" + key + "' must be in [" + min + ", " + max + "], got " + values.get(key));
    }
    return d;
  }

  /** @return {@code true}/{@code false} or the default */
  public boolean getBoolean(String key, boolean defaultValue) {
    String v = values.get(key);
    if (v == null) {
      return defaultValue;
    }
    if (v.equalsIgnoreCase("true")) {
      return true;
    }
    if (v.equalsIgnoreCase("false")) {
      return false;
    }
    throw new IllegalArgumentException(owner + ": parameter '" + key + "' must be true or false, got '" + v + "'");
  }

  /**
   * @param allowed the accepted values
   * @return the value (or the default), checked to be one of {@code allowed}
   */
  public String getChoice(String key, String defaultValue, Collection<String> allowed) {
    String v = getString(key, defaultValue);
    if (!allowed.contains(v)) {
      throw new IllegalArgumentException(
          owner + ": parameter '" + key + "' must be one of " + allowed + ", got '" + v + "'");
    }
    return v;
  }

  /** @return the values as an unmodifiable ordered map */
  public Map<String, String> asMap() {
    return values;
  }

  /** @return whether there are no parameters */
  public boolean isEmpty() {
    return values.isEmpty();
  }

  /** @return {@code k=v,k=v}, the form {@link #parse(String)} reads */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    values.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ",").append(k).append('=').append(v));
    return sb.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Params p && p.values.equals(values);
  }

  @Override
  public int hashCode() {
    return values.hashCode();
  }
}
