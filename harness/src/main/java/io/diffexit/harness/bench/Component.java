package io.diffexit.harness.bench;

import io.diffexit.api.Params;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One instance of a grid cell with its parameters resolved to single values.
 *
 * @param kind {@code backbone}, {@code strategy} or {@code sampler}
 * @param id the instance id from the experiment, e.g. {@code uem}
 * @param type the factory name, e.g. {@code deediff}
 * @param params the resolved parameters, passed to the factory
 * @param variedKeys the keys written as lists in the experiment; they make the label unique
 */
public record Component(String kind, String id, String type, Map<String, String> params, List<String> variedKeys) {

  public Component {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(type, "type");
    params = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(params));
    variedKeys = List.copyOf(variedKeys);
  }

  /** @return {@code id} or {@code id[k=v,k=v]} with the varied keys, e.g. {@code uem[threshold=0.9]} */
  public String label() {
    if (variedKeys.isEmpty()) {
      return id;
    }
    StringBuilder sb = new StringBuilder(id).append('[');
    for (int i = 0; i < variedKeys.size(); i++) {
      String k = variedKeys.get(i);
      sb.append(i == 0 ? "" : ",").append(k).append('=').append(params.get(k));
    }
    return sb.append(']').toString();
  }

  /** @return the parameters for the factory, with an owner such as {@code strategy 'uem' (deediff)} for messages */
  public Params toParams() {
    return Params.of(params).forOwner(kind + " '" + id + "' (" + type + ")");
  }

  /** @return {@code type} or {@code type:k=v,...}, the form the other CLI commands accept */
  public String describe() {
    return params.isEmpty() ? type : type + ":" + Params.of(params);
  }
}
