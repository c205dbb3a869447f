package io.diffexit.harness.plugins;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Stage;
import java.nio.file.Path;
import java.util.Map;

/** The simple way to get a {@link Registry}: discover plugins and build it through a small injector. */
public final class Registries {

  /** Environment variable that overrides the default plugins folder. */
  public static final String PLUGINS_ENV = "DIFFEXIT_PLUGINS";

  private Registries() {}

  /**
   * @param pluginsDir the plugins folder; when it does not exist only the built-ins are registered
   * @return the registry of the built-ins and that folder's plugins
   * @throws IllegalStateException when a factory name is registered twice (the message names both origins)
   */
  public static Registry create(Path pluginsDir) {
    return create(PluginLoader.forHarness().load(pluginsDir));
  }

  /**
   * @param plugins discovered plugins (e.g. from a {@link PluginLoader} over a test class loader)
   * @return the registry Guice builds for them
   */
  public static Registry create(LoadedPlugins plugins) {
    Injector injector = Guice.createInjector(Stage.PRODUCTION, new StrictBindings(), new PluginModule(plugins));
    return injector.getInstance(Registry.class);
  }

  /**
   * @param env the process environment
   * @return {@code $DIFFEXIT_PLUGINS} when set and not blank, else {@code plugins} under the current directory
   */
  public static Path defaultPluginsDir(Map<String, String> env) {
    String configured = env.get(PLUGINS_ENV);
    return configured == null || configured.isBlank() ? Path.of("plugins") : Path.of(configured);
  }

  /**
   * The plugins folder a command uses: {@code --plugins} when given, else {@code $DIFFEXIT_PLUGINS}, else
   * {@code plugins/}. A folder named on purpose (the option or the variable) must exist: a typo would otherwise run
   * with the built-ins only and fail later with "Unknown exit strategy".
   *
   * @param option the {@code --plugins} value, or null
   * @param env the process environment
   * @throws IllegalArgumentException naming the folder and where it was given
   */
  public static Path pluginsDir(Path option, Map<String, String> env) {
    if (option != null) {
      return requireFolder(option, "--plugins");
    }
    String configured = env.get(PLUGINS_ENV);
    return configured == null || configured.isBlank()
        ? Path.of("plugins") : requireFolder(Path.of(configured), "$" + PLUGINS_ENV);
  }

  private static Path requireFolder(Path dir, String givenBy) {
    if (!java.nio.file.Files.isDirectory(dir)) {
      throw new IllegalArgumentException("plugins folder " + dir + " (" + givenBy + ") "
          + (java.nio.file.Files.exists(dir) ? "is not a folder" : "not found")
          + "; point " + givenBy + " at the folder holding the plugin jars");
    }
    return dir;
  }

  /** Airlift-like strictness: every injected type must be bound on purpose. */
  private static final class StrictBindings extends com.google.inject.AbstractModule {
    @Override
    protected void configure() {
      binder().requireExplicitBindings();
      binder().disableCircularProxies();
    }
  }
}
