package io.diffexit.harness;

import io.diffexit.api.Params;

/**
 * A component as users write it on the command line: {@code name} or {@code name:key=value,key=value}, e.g.
 * {@code fixed:layer=7} or {@code ddim:steps=50,eta=0}.
 *
 * @param name the factory name
 * @param params its parameters
 */
public record ComponentSpec(String name, Params params) {

  /**
   * @param text the spec
   * @return the parsed spec
   * @throws IllegalArgumentException for an empty name or malformed parameters
   */
  public static ComponentSpec parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("empty component: write name or name:key=value,...");
    }
    int colon = text.indexOf(':');
    String name = (colon < 0 ? text : text.substring(0, colon)).trim();
    if (name.isEmpty()) {
      throw new IllegalArgumentException("component '" + text + "' has no name before ':'");
    }
    Params params = colon < 0 ? Params.empty() : Params.parse(text.substring(colon + 1));
    return new ComponentSpec(name, params);
  }

  @Override
  public String toString() {
    return params.isEmpty() ? name : name + ":" + params;
  }
}
