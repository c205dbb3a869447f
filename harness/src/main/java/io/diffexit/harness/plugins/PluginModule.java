package io.diffexit.harness.plugins;

import com.google.inject.AbstractModule;
import com.google.inject.Scopes;
import com.google.inject.multibindings.MapBinder;
import io.diffexit.api.BackboneFactory;
import io.diffexit.api.ExitStrategyFactory;
import io.diffexit.api.FeatureExtractorFactory;
import io.diffexit.api.NamedFactory;
import io.diffexit.api.SamplerFactory;
import java.nio.file.Path;

/**
 * Binds every discovered factory by name: {@code Map<String, BackboneFactory>}, {@code Map<String,
 * ExitStrategyFactory>}, {@code Map<String, SamplerFactory>} and {@code Map<String, FeatureExtractorFactory>}
 * (Guice {@link MapBinder}s, so other modules may add entries), plus {@link LoadedPlugins} and the {@link Registry}
 * over those maps. Discovery happens before, in {@link PluginLoader}, so the module only binds (Guice's advice) and
 * works with {@code requireExplicitBindings()}.
 */
public final class PluginModule extends AbstractModule {

  private final LoadedPlugins plugins;

  /** @param plugins the outcome of {@link PluginLoader#load(Path)} */
  public PluginModule(LoadedPlugins plugins) {
    this.plugins = plugins;
  }

  /**
   * @param pluginsDir the plugins folder (may not exist: built-ins only)
   * @return a module over the built-ins and that folder's plugins
   */
  public static PluginModule forPluginsDir(Path pluginsDir) {
    return new PluginModule(PluginLoader.forHarness().load(pluginsDir));
  }

  @Override
  protected void configure() {
    bindKind(BackboneFactory.class, ComponentKind.BACKBONE);
    bindKind(ExitStrategyFactory.class, ComponentKind.STRATEGY);
    bindKind(SamplerFactory.class, ComponentKind.SAMPLER);
    bindKind(FeatureExtractorFactory.class, ComponentKind.FEATURE_EXTRACTOR);
    bind(LoadedPlugins.class).toInstance(plugins);
    bind(MapRegistry.class).in(Scopes.SINGLETON);
    bind(Registry.class).to(MapRegistry.class);
  }

  private <F extends NamedFactory> void bindKind(Class<F> type, ComponentKind kind) {
    // Created even when empty, so that the map can always be injected.
    MapBinder<String, F> binder = MapBinder.newMapBinder(binder(), String.class, type);
    for (LoadedPlugins.Component c : plugins.components(kind).values()) {
      binder.addBinding(c.name()).toInstance(type.cast(c.factory()));
    }
  }
}
