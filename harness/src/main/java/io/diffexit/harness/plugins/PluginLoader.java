package io.diffexit.harness.plugins;

import io.diffexit.api.DiffexitApi;
import io.diffexit.api.DiffexitPlugin;
import io.diffexit.api.NamedFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds every {@link DiffexitPlugin}: the built-ins on the harness class path, then each entry of the plugins folder
 * (sorted by name), where an entry is a jar or a folder of jars forming one plugin with its own
 * {@link PluginClassLoader}. Plain Java, run before any injector exists; its result feeds {@link PluginModule}.
 *
 * <p>A plugin that cannot be used is recorded as a {@link PluginProblem} (path and one-line reason), logged as a
 * warning, and skipped; the other plugins still load. The exception is a factory name that is already taken: that
 * fails discovery with both origins, because which of the two a run would get is otherwise an accident.
 *
 * <p>A plugin jar's manifest must declare {@value #API_VERSION_ATTRIBUTE}, the SPI version it was built against: a
 * missing or different version is refused (the README promises it; a jar built against an unknown SPI would
 * otherwise fail later, inside a run, with a linkage error).
 */
public final class PluginLoader {

  /** The resource every plugin jar registers its one {@link DiffexitPlugin} in. */
  public static final String SERVICES_ENTRY = "META-INF/services/" + DiffexitPlugin.class.getName();

  /** Manifest attribute naming the SPI version a plugin jar was built against. */
  public static final String API_VERSION_ATTRIBUTE = "Diffexit-Api-Version";

  /** Origin of the factories found on the harness class path. */
  public static final String BUILT_IN = "built-in";

  /** Version shown when a jar's manifest has no Implementation-Version. */
  public static final String UNKNOWN_VERSION = "unknown";

  private static final Logger LOG = LoggerFactory.getLogger(PluginLoader.class);

  private final ClassLoader harnessLoader;

  /**
   * @param harnessLoader where the built-ins are found and the loader plugins share {@code io.diffexit.api.} and
   *     {@code ai.djl.} with; normally the harness's own class loader
   */
  public PluginLoader(ClassLoader harnessLoader) {
    this.harnessLoader = harnessLoader;
  }

  /** @return a loader over the harness's own class loader */
  public static PluginLoader forHarness() {
    return new PluginLoader(PluginLoader.class.getClassLoader());
  }

  /**
   * @param pluginsDir the plugins folder; when it does not exist only the built-ins are loaded
   * @return the accepted factories and the refused plugins
   * @throws IllegalStateException when two plugins (or a plugin and a built-in) register the same name for a kind
   * @throws IllegalArgumentException when {@code pluginsDir} exists but is not a folder
   */
  public LoadedPlugins load(Path pluginsDir) {
    LoadedPlugins.Builder result = new LoadedPlugins.Builder();
    loadBuiltIns(result);
    for (Path entry : entries(pluginsDir)) {
      loadEntry(entry, result);
    }
    return result.build();
  }

  private void loadBuiltIns(LoadedPlugins.Builder result) {
    Iterator<DiffexitPlugin> it = ServiceLoader.load(DiffexitPlugin.class, harnessLoader).iterator();
    // ServiceLoader's iterator moves on to the next provider after an error; the bound only guards a broken loader.
    for (int errors = 0; errors < 100; ) {
      DiffexitPlugin plugin;
      try {
        if (!it.hasNext()) {
          break;
        }
        plugin = it.next();
      } catch (ServiceConfigurationError e) {
        errors++;
        problem(result, BUILT_IN, "class-path services entry is broken: " + oneLine(e));
        continue;
      }
      String where = BUILT_IN + " (" + plugin.getClass().getName() + ")";
      try {
        String version = Optional.ofNullable(plugin.getClass().getPackage().getImplementationVersion())
            .orElse(UNKNOWN_VERSION);
        for (LoadedPlugins.Component c : components(plugin, BUILT_IN, version, null)) {
          result.add(c);
        }
      } catch (Rejected e) {
        problem(result, where, e.getMessage());
      }
    }
  }

  private static List<Path> entries(Path pluginsDir) {
    if (pluginsDir == null || !Files.exists(pluginsDir)) {
      return List.of();
    }
    if (!Files.isDirectory(pluginsDir)) {
      throw new IllegalArgumentException(
          "plugins folder '" + pluginsDir + "' is not a folder; point --plugins or DIFFEXIT_PLUGINS at a folder");
    }
    try (Stream<Path> list = Files.list(pluginsDir)) {
      return list.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list plugins folder '" + pluginsDir + "'", e);
    }
  }

  private void loadEntry(Path entry, LoadedPlugins.Builder result) {
    String origin = entry.toString();
    List<Path> jars;
    if (Files.isDirectory(entry)) {
      try (Stream<Path> list = Files.list(entry)) {
        jars = list.filter(PluginLoader::isJar).sorted().toList();
      } catch (IOException e) {
        problem(result, origin, "cannot list the folder (" + oneLine(e) + ")");
        return;
      }
      if (jars.isEmpty()) {
        problem(
            result, origin, "folder contains no .jar file; a plugin folder holds the plugin jar and its dependencies");
        return;
      }
    } else if (isJar(entry)) {
      jars = List.of(entry);
    } else {
      LOG.debug("Ignoring {}: neither a .jar nor a folder", entry);
      return;
    }
    PluginClassLoader loader = null;
    try {
      JarFacts facts = inspect(entry, jars);
      loader = new PluginClassLoader(origin, urls(jars), harnessLoader);
      List<LoadedPlugins.Component> components;
      try (ThreadContextClassLoader ignored = new ThreadContextClassLoader(loader)) {
        DiffexitPlugin plugin = instantiate(loader);
        components = components(plugin, origin, facts.version(), loader);
      }
      for (LoadedPlugins.Component c : components) {
        result.add(c);
      }
      LOG.info(
          "Loaded plugin {} (version {}): {}",
          origin,
          facts.version(),
          components.stream().map(c -> c.kind().label() + " '" + c.name() + "'").collect(Collectors.joining(", ")));
    } catch (Rejected e) {
      closeQuietly(loader);
      problem(result, origin, e.getMessage());
    } catch (RuntimeException e) {
      closeQuietly(loader); // a duplicate name: the run fails, the loader is of no use
      throw e;
    }
  }

  private static boolean isJar(Path p) {
    return Files.isRegularFile(p) && p.getFileName().toString().endsWith(".jar");
  }

  /** What the jars' manifests say: checked before any plugin class is loaded. */
  private record JarFacts(String version) {}

  private static JarFacts inspect(Path entry, List<Path> jars) throws Rejected {
    boolean folder = jars.size() > 1 || !jars.get(0).equals(entry);
    Manifest pluginManifest = null;
    boolean found = false;
    for (Path jar : jars) {
      try (JarFile jf = new JarFile(jar.toFile())) {
        if (jf.getEntry(SERVICES_ENTRY) != null && !found) {
          found = true;
          pluginManifest = jf.getManifest();
        }
      } catch (IOException | SecurityException e) {
        throw new Rejected(
            (folder ? jar.getFileName() + " is " : "")
                + "not a readable jar ("
                + oneLine(e)
                + "); rebuild it or remove it from the plugins folder");
      }
    }
    if (!found) {
      throw new Rejected(noServicesEntry());
    }
    Attributes attrs = pluginManifest == null ? new Attributes() : pluginManifest.getMainAttributes();
    String declared = attrs.getValue(API_VERSION_ATTRIBUTE);
    int served = DiffexitApi.version();
    if (declared == null) {
      throw new Rejected(
          "declares no " + API_VERSION_ATTRIBUTE + " in its manifest; build it with the parent"
              + " io.diffexit:diffexit-plugin-parent (see examples/strategy-plugin) or add the manifest attribute "
              + API_VERSION_ATTRIBUTE + ": " + served);
    } else if (!declared.trim().equals(Integer.toString(served))) {
      throw new Rejected(
          "built for "
              + API_VERSION_ATTRIBUTE
              + " "
              + declared.trim()
              + ", but this harness serves "
              + served
              + "; rebuild it against diffexit-api with "
              + API_VERSION_ATTRIBUTE
              + " "
              + served);
    }
    String version = attrs.getValue(Attributes.Name.IMPLEMENTATION_VERSION);
    return new JarFacts(version == null || version.isBlank() ? UNKNOWN_VERSION : version.trim());
  }

  private static String noServicesEntry() {
    return "no "
        + SERVICES_ENTRY
        + " entry; a plugin registers exactly one DiffexitPlugin implementation there";
  }

  private static List<URL> urls(List<Path> jars) {
    List<URL> urls = new ArrayList<>();
    for (Path jar : jars) {
      try {
        urls.add(jar.toUri().toURL());
      } catch (MalformedURLException e) {
        throw new IllegalStateException("cannot turn " + jar + " into a URL", e);
      }
    }
    return urls;
  }

  /** Exactly one provider declared in the plugin's own jars (not one visible through the shared packages). */
  private static DiffexitPlugin instantiate(PluginClassLoader loader) throws Rejected {
    List<ServiceLoader.Provider<DiffexitPlugin>> own;
    try {
      own = ServiceLoader.load(DiffexitPlugin.class, loader).stream()
          .filter(p -> p.type().getClassLoader() == loader)
          .toList();
    } catch (ServiceConfigurationError | LinkageError e) {
      throw new Rejected("its services entry is broken (" + oneLine(e) + ")");
    }
    if (own.isEmpty()) {
      throw new Rejected(noServicesEntry());
    }
    if (own.size() > 1) {
      throw new Rejected(
          "registers "
              + own.size()
              + " DiffexitPlugin implementations ("
              + own.stream().map(p -> p.type().getName()).collect(Collectors.joining(", "))
              + "); a plugin registers exactly one");
    }
    ServiceLoader.Provider<DiffexitPlugin> provider = own.get(0);
    try {
      return provider.get();
    } catch (ServiceConfigurationError | RuntimeException | LinkageError e) {
      Throwable cause = e instanceof ServiceConfigurationError && e.getCause() != null ? e.getCause() : e;
      throw new Rejected("cannot create " + provider.type().getName() + " (" + oneLine(cause) + ")");
    }
  }

  /**
   * Calls every getter of the plugin and checks each factory's name; any failure refuses the whole plugin.
   *
   * @param loader the plugin's loader, whose factories get wrapped; {@code null} for built-ins
   */
  private static List<LoadedPlugins.Component> components(
      DiffexitPlugin plugin, String origin, String version, ClassLoader loader) throws Rejected {
    String pluginClass = plugin.getClass().getName();
    List<LoadedPlugins.Component> out = new ArrayList<>();
    for (ComponentKind kind : ComponentKind.values()) {
      List<? extends NamedFactory> factories;
      try {
        factories = kind.factoriesOf(plugin);
      } catch (RuntimeException | LinkageError e) {
        throw new Rejected(pluginClass + "." + kind.getterName() + " failed: " + oneLine(e));
      }
      if (factories == null) {
        throw new Rejected(pluginClass + "." + kind.getterName() + " returned null; return an empty list instead");
      }
      Set<String> seen = new HashSet<>();
      for (NamedFactory factory : factories) {
        if (factory == null) {
          throw new Rejected(pluginClass + "." + kind.getterName() + " returned a null " + kind.label() + " factory");
        }
        String factoryClass = factory.getClass().getName();
        String name;
        try {
          name = factory.name();
          factory.description();
          factory.params();
        } catch (RuntimeException | LinkageError e) {
          throw new Rejected(kind.label() + " factory " + factoryClass + " failed to describe itself: " + oneLine(e));
        }
        if (name == null || !NamedFactory.NAME_PATTERN.matcher(name).matches()) {
          throw new Rejected(
              kind.label()
                  + " factory "
                  + factoryClass
                  + " has name '"
                  + name
                  + "'; names must match "
                  + NamedFactory.NAME_PATTERN.pattern());
        }
        if (!seen.add(name)) {
          throw new Rejected(pluginClass + " registers " + kind.label() + " '" + name + "' twice");
        }
        NamedFactory registered = loader == null ? factory : GuardedFactories.wrap(kind, factory, loader);
        out.add(new LoadedPlugins.Component(kind, registered, origin, version, pluginClass));
      }
    }
    return out;
  }

  private static void problem(LoadedPlugins.Builder result, String path, String reason) {
    LOG.warn("Plugin {} not loaded: {}", path, reason);
    result.problem(new PluginProblem(path, reason));
  }

  private static void closeQuietly(PluginClassLoader loader) {
    if (loader != null) {
      try {
        loader.close();
      } catch (IOException e) {
        LOG.debug("Closing the class loader of {} failed", loader.getName(), e);
      }
    }
  }

  /** @return {@code ClassName: first line of the message} */
  static String oneLine(Throwable t) {
    String message = t.getMessage();
    String first = message == null ? "" : message.lines().findFirst().orElse("");
    return t.getClass().getName() + (first.isEmpty() ? "" : ": " + first);
  }

  /** A plugin that cannot be used; the message is the problem's one-line reason. */
  private static final class Rejected extends Exception {
    private static final long serialVersionUID = 1L;

    Rejected(String reason) {
      super(reason, null, false, false);
    }
  }
}
