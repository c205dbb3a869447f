package io.diffexit.harness.plugins;

import io.diffexit.api.NamedFactory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The outcome of plugin discovery, before any Guice module sees it: every accepted factory by kind and name, with
 * its origin, and the plugins that were refused. Built by {@link PluginLoader}; {@link PluginModule} binds it.
 */
public final class LoadedPlugins {

  /**
   * One accepted factory.
   *
   * @param kind what it creates
   * @param factory the factory (for third-party plugins, wrapped so its calls run under the plugin's class loader)
   * @param origin {@code built-in} or the path of the plugin jar or folder
   * @param version the Implementation-Version of the jar it came from, or {@code unknown}
   * @param provider the class name of the {@code DiffexitPlugin} that contributed it, for diagnostics
   */
  public record Component(ComponentKind kind, NamedFactory factory, String origin, String version, String provider) {
    public Component {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(factory, "factory");
      Objects.requireNonNull(origin, "origin");
      Objects.requireNonNull(version, "version");
      Objects.requireNonNull(provider, "provider");
    }

    /** @return the factory's name */
    public String name() {
      return factory.name();
    }

    /** @return the row {@code diffexit list} shows for it */
    public ComponentInfo info() {
      return new ComponentInfo(kind.id(), factory.name(), factory.description(), origin, version);
    }
  }

  private final Map<ComponentKind, Map<String, Component>> byKind;
  private final List<PluginProblem> problems;

  private LoadedPlugins(Map<ComponentKind, Map<String, Component>> byKind, List<PluginProblem> problems) {
    this.byKind = byKind;
    this.problems = List.copyOf(problems);
  }

  /** @return nothing loaded, no problems (for tests and library users that register nothing) */
  public static LoadedPlugins empty() {
    return new Builder().build();
  }

  /** @return the accepted factories of one kind, by name, sorted by name */
  public Map<String, Component> components(ComponentKind kind) {
    return byKind.get(kind);
  }

  /** @return every accepted factory, ordered by kind (backbone, strategy, sampler, feature extractor) then name */
  public List<Component> components() {
    List<Component> all = new ArrayList<>();
    byKind.values().forEach(m -> all.addAll(m.values()));
    return Collections.unmodifiableList(all);
  }

  /** @return plugins that were refused, in discovery order */
  public List<PluginProblem> problems() {
    return problems;
  }

  /** Collects components, refusing a second factory of the same kind and name. */
  static final class Builder {
    private final Map<ComponentKind, Map<String, Component>> byKind = new EnumMap<>(ComponentKind.class);
    private final List<PluginProblem> problems = new ArrayList<>();

    Builder() {
      for (ComponentKind kind : ComponentKind.values()) {
        byKind.put(kind, new TreeMap<>());
      }
    }

    /**
     * @throws IllegalStateException {@code Duplicate exit strategy 'x': built-in and plugins/foo.jar} when the name
     *     is taken: silently preferring one would make results depend on the order jars are found in
     */
    void add(Component component) {
      Map<String, Component> names = byKind.get(component.kind());
      Component previous = names.get(component.name());
      if (previous != null) {
        String first = previous.origin();
        String second = component.origin();
        if (first.equals(second)) {
          first += " (" + previous.provider() + ")";
          second += " (" + component.provider() + ")";
        }
        throw new IllegalStateException(
            "Duplicate "
                + component.kind().label()
                + " '"
                + component.name()
                + "': "
                + first
                + " and "
                + second
                + "; remove one of them");
      }
      names.put(component.name(), component);
    }

    void problem(PluginProblem problem) {
      problems.add(problem);
    }

    LoadedPlugins build() {
      Map<ComponentKind, Map<String, Component>> frozen = new EnumMap<>(ComponentKind.class);
      byKind.forEach((k, v) -> frozen.put(k, Collections.unmodifiableMap(new LinkedHashMap<>(v))));
      return new LoadedPlugins(Collections.unmodifiableMap(frozen), problems);
    }
  }
}
