package io.diffexit.harness.plugins;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.Enumeration;
import java.util.List;

/**
 * The class loader of one third-party plugin (Trino's design). Its parent is the platform class loader, so a plugin
 * sees the JDK and its own jars but not the harness's class path; only the SPI ({@code io.diffexit.api.}) and the
 * tensor library the SPI is written in ({@code ai.djl.}) are delegated to the harness loader, parent-first, so that
 * NDArrays and factories cross the boundary as the same classes. Everything else a plugin bundles (its own Guava,
 * Jackson, a class named like a harness class) stays private to it.
 */
public final class PluginClassLoader extends URLClassLoader {

  /** Class-name prefixes shared with the harness; resource prefixes are derived from them. */
  static final List<String> SHARED_PACKAGES = List.of("io.diffexit.api.", "ai.djl.");

  private static final List<String> SHARED_RESOURCES =
      SHARED_PACKAGES.stream().map(p -> p.replace('.', '/')).toList();

  static {
    registerAsParallelCapable();
  }

  private final ClassLoader harnessLoader;

  /**
   * @param name the plugin's path, shown in class-loader diagnostics
   * @param urls the plugin's jars
   * @param harnessLoader the loader that provides the shared packages
   */
  public PluginClassLoader(String name, List<URL> urls, ClassLoader harnessLoader) {
    super(name, urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
    this.harnessLoader = harnessLoader;
  }

  /** @return whether a class of this binary name comes from the harness rather than the plugin */
  static boolean isShared(String className) {
    for (String prefix : SHARED_PACKAGES) {
      if (className.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  private static boolean isSharedResource(String resourceName) {
    String name = resourceName.startsWith("/") ? resourceName.substring(1) : resourceName;
    for (String prefix : SHARED_RESOURCES) {
      if (name.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  @Override
  protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
    synchronized (getClassLoadingLock(name)) {
      Class<?> loaded = findLoadedClass(name);
      if (loaded == null) {
        // Shared packages come from the harness only, even if the plugin bundles its own copy of the API.
        // Anything else: the platform loader (JDK classes), then this plugin's jars; never the harness class path.
        loaded = isShared(name) ? harnessLoader.loadClass(name) : super.loadClass(name, false);
      }
      if (resolve) {
        resolveClass(loaded);
      }
      return loaded;
    }
  }

  @Override
  public URL getResource(String name) {
    return isSharedResource(name) ? harnessLoader.getResource(name) : super.getResource(name);
  }

  @Override
  public Enumeration<URL> getResources(String name) throws IOException {
    return isSharedResource(name) ? harnessLoader.getResources(name) : super.getResources(name);
  }
}
