package io.diffexit.api;

import java.util.Objects;

/**
 * Documentation of one named parameter a factory accepts.
 *
 * @param name the key, e.g. {@code threshold}
 * @param defaultValue the default as text, or {@code null} when the parameter is required
 * @param description what it means, with its unit or range
 */
public record ParamSpec(String name, String defaultValue, String description) {
  public ParamSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(description, "description");
  }

  /** @return a spec for a parameter that has no default */
  public static ParamSpec required(String name, String description) {
    return new ParamSpec(name, null, description);
  }

  /** @return a spec for a parameter with a default */
  public static ParamSpec optional(String name, Object defaultValue, String description) {
    return new ParamSpec(name, String.valueOf(defaultValue), description);
  }
}
