package io.diffexit.harness.plugins;

import io.diffexit.api.Backbone;
import io.diffexit.api.BackboneContext;
import io.diffexit.api.BackboneFactory;
import io.diffexit.api.ExitStrategy;
import io.diffexit.api.StrategyContext;
import io.diffexit.api.ExitStrategyFactory;
import io.diffexit.api.FeatureExtractor;
import io.diffexit.api.FeatureExtractorContext;
import io.diffexit.api.FeatureExtractorFactory;
import io.diffexit.api.NamedFactory;
import io.diffexit.api.NoiseSchedule;
import io.diffexit.api.ParamSpec;
import io.diffexit.api.Params;
import io.diffexit.api.Sampler;
import io.diffexit.api.SamplerFactory;
import java.util.List;
import java.util.function.Supplier;

/**
 * Wraps a third-party plugin's factories so that every call into them ({@code create}, {@code params}, ...) runs with
 * the plugin's class loader as the thread's context class loader. The products ({@link ExitStrategy}, ...) are
 * returned as they are: they are API interfaces whose subtypes the runner inspects (e.g. hindsight strategies), and a
 * plugin that relies on the context loader after {@code create} should capture its own class loader there.
 */
final class GuardedFactories {

  private GuardedFactories() {}

  /**
   * @param kind which factory interface {@code factory} implements
   * @param factory the plugin's factory
   * @param loader the plugin's class loader
   * @return a factory of the same kind whose calls run under {@code loader}
   */
  static NamedFactory wrap(ComponentKind kind, NamedFactory factory, ClassLoader loader) {
    return switch (kind) {
      case BACKBONE -> new Backbones((BackboneFactory) factory, loader);
      case STRATEGY -> new Strategies((ExitStrategyFactory) factory, loader);
      case SAMPLER -> new Samplers((SamplerFactory) factory, loader);
      case FEATURE_EXTRACTOR -> new Extractors((FeatureExtractorFactory) factory, loader);
    };
  }

  /** What the four wrappers share: the naming methods. */
  private abstract static class Guarded<F extends NamedFactory> implements NamedFactory {
    final F delegate;
    final ClassLoader loader;

    Guarded(F delegate, ClassLoader loader) {
      this.delegate = delegate;
      this.loader = loader;
    }

    /** @return what {@code call} returns, computed with the plugin's loader as the context class loader */
    final <T> T inLoader(Supplier<T> call) {
      try (ThreadContextClassLoader ignored = new ThreadContextClassLoader(loader)) {
        return call.get();
      }
    }

    @Override
    public String name() {
      return inLoader(delegate::name);
    }

    @Override
    public String description() {
      return inLoader(delegate::description);
    }

    @Override
    public List<ParamSpec> params() {
      return inLoader(delegate::params);
    }

    @Override
    public String toString() {
      return delegate.toString();
    }
  }

  private static final class Backbones extends Guarded<BackboneFactory> implements BackboneFactory {
    Backbones(BackboneFactory delegate, ClassLoader loader) {
      super(delegate, loader);
    }

    @Override
    public Backbone create(Params params, BackboneContext context) {
      return inLoader(() -> delegate.create(params, context));
    }
  }

  private static final class Strategies extends Guarded<ExitStrategyFactory> implements ExitStrategyFactory {
    Strategies(ExitStrategyFactory delegate, ClassLoader loader) {
      super(delegate, loader);
    }

    @Override
    public ExitStrategy create(Params params, StrategyContext context) {
      return inLoader(() -> delegate.create(params, context));
    }

    @Override
    public boolean reusesSteps() {
      return inLoader(delegate::reusesSteps);
    }
  }

  private static final class Samplers extends Guarded<SamplerFactory> implements SamplerFactory {
    Samplers(SamplerFactory delegate, ClassLoader loader) {
      super(delegate, loader);
    }

    @Override
    public Sampler create(Params params, NoiseSchedule schedule) {
      return inLoader(() -> delegate.create(params, schedule));
    }
  }

  private static final class Extractors extends Guarded<FeatureExtractorFactory>
      implements FeatureExtractorFactory {
    Extractors(FeatureExtractorFactory delegate, ClassLoader loader) {
      super(delegate, loader);
    }

    @Override
    public FeatureExtractor create(Params params, FeatureExtractorContext context) {
      return inLoader(() -> delegate.create(params, context));
    }
  }
}
