package io.diffexit.harness;

import io.diffexit.api.Params;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A component as users write it on the command line: {@code name} or {@code name:key=value,key=value}, e.g.
 * {@code fixed:layer=7} or {@code ddim:steps=50,eta=0}.
 *
 * <p>A strategy may be a composition of a step-reuse strategy and an exit strategy, written
 * {@code block-cache:threshold=0.1+deediff:threshold=0.7}. It is held as the name {@code block-cache+deediff} with the
 * second part's parameters prefixed by its name ({@code threshold=0.1,deediff.threshold=0.7}), which is also the form
 * {@link #toString()} writes and {@link #parse} reads back, and the form of an experiment's
 * {@code {type: block-cache+deediff, threshold: 0.1, deediff: {threshold: 0.7}}}.
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
    int firstColon = text.indexOf(':');
    String head = firstColon < 0 ? text : text.substring(0, firstColon);
    if (!head.contains("+")) {
      List<String> parts = splitParts(text);
      if (parts.size() > 1) {
        return compose(text, parts);
      }
    }
    int colon = text.indexOf(':');
    String name = (colon < 0 ? text : text.substring(0, colon)).trim();
    if (name.isEmpty()) {
      throw new IllegalArgumentException("component '" + text + "' has no name before ':'");
    }
    Params params = colon < 0 ? Params.empty() : Params.parse(text.substring(colon + 1));
    return new ComponentSpec(name, params);
  }

  /** Where a new part starts: a '+' followed by a name (a '+' inside a number such as 1e+3 is followed by a digit). */
  private static final Pattern PART = Pattern.compile("\\+(?=[a-z])");

  private static List<String> splitParts(String text) {
    return List.of(PART.split(text, -1));
  }

  private static ComponentSpec compose(String text, List<String> parts) {
    if (parts.size() != 2) {
      throw new IllegalArgumentException("strategy '" + text + "' joins " + parts.size() + " parts; combine one "
          + "step-reuse strategy with one exit strategy: REUSE+EXIT, e.g. block-cache:threshold=0.1+deediff");
    }
    ComponentSpec first = parse(parts.get(0));
    ComponentSpec second = parse(parts.get(1));
    Map<String, String> params = new LinkedHashMap<>(first.params().asMap());
    second.params().asMap().forEach((k, v) -> params.put(second.name() + "." + k, v));
    return new ComponentSpec(first.name() + "+" + second.name(), Params.of(params));
  }

  /** @return whether this joins a step-reuse strategy and an exit strategy ({@code block-cache+deediff}) */
  public boolean isComposed() {
    return name.contains("+");
  }

  /**
   * @return the parts of a composition, each with its own parameters (the first part's are the unprefixed ones, the
   *     second's those prefixed with its name); just this spec when it is not composed
   * @throws IllegalArgumentException for more than two parts, or a prefixed parameter of neither part
   */
  public List<ComponentSpec> parts() {
    if (!isComposed()) {
      return List.of(this);
    }
    String[] names = name.split("\\+", -1);
    if (names.length != 2 || names[0].isEmpty() || names[1].isEmpty()) {
      throw new IllegalArgumentException("strategy '" + name + "': combine one step-reuse strategy with one exit "
          + "strategy, written REUSE+EXIT, e.g. block-cache+deediff");
    }
    Map<String, String> first = new LinkedHashMap<>();
    Map<String, String> second = new LinkedHashMap<>();
    String prefix = names[1] + ".";
    params.asMap().forEach((k, v) -> {
      if (k.startsWith(prefix)) {
        second.put(k.substring(prefix.length()), v);
      } else if (k.contains(".")) {
        throw new IllegalArgumentException("strategy '" + name + "': parameter '" + k + "' belongs to neither part; "
            + "prefix the exit strategy's parameters with '" + prefix + "'");
      } else {
        first.put(k, v);
      }
    });
    return List.of(new ComponentSpec(names[0], Params.of(first)), new ComponentSpec(names[1], Params.of(second)));
  }

  @Override
  public String toString() {
    return params.isEmpty() ? name : name + ":" + params;
  }
}
