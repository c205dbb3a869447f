package io.diffexit.harness.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One named instance of an experiment, as written under {@code backbones:}, {@code strategies:} or {@code samplers:}:
 * a factory {@code type} and its parameters, where a parameter given as a list expands into one grid cell per value.
 *
 * @param kind {@code backbone}, {@code strategy} or {@code sampler}
 * @param id the user's name for it, e.g. {@code uem}
 * @param type the factory name, e.g. {@code deediff}
 * @param params parameter values; a list of several values expands the grid
 * @param listKeys the keys whose value was written as a list (they appear in cell ids, even with one value)
 * @param requires constraints on the other instances of a cell: kind ({@code backbone}, {@code strategy},
 *     {@code sampler}) to the instance ids this one may be combined with
 */
public record InstanceSpec(
    String kind,
    String id,
    String type,
    Map<String, List<String>> params,
    List<String> listKeys,
    Map<String, List<String>> requires) {

  public InstanceSpec {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(type, "type");
    Map<String, List<String>> p = new LinkedHashMap<>();
    params.forEach((k, v) -> p.put(k, List.copyOf(v)));
    params = java.util.Collections.unmodifiableMap(p);
    listKeys = List.copyOf(listKeys);
    Map<String, List<String>> r = new LinkedHashMap<>();
    requires.forEach((k, v) -> r.put(k, List.copyOf(v)));
    requires = java.util.Collections.unmodifiableMap(r);
  }

  /**
   * @return every combination of the list-valued parameters, in key order then value order (the first key varies
   *     slowest); one map with the scalars when nothing is a list
   */
  public List<Map<String, String>> expand() {
    List<Map<String, String>> out = new ArrayList<>();
    out.add(new LinkedHashMap<>());
    for (Map.Entry<String, List<String>> e : params.entrySet()) {
      List<Map<String, String>> next = new ArrayList<>();
      for (Map<String, String> partial : out) {
        for (String value : e.getValue()) {
          Map<String, String> m = new LinkedHashMap<>(partial);
          m.put(e.getKey(), value);
          next.add(m);
        }
      }
      out = next;
    }
    return out;
  }
}
