package io.diffexit.harness.cli;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import io.diffexit.api.NoiseSchedule;
import io.diffexit.harness.bench.BenchWiring;
import io.diffexit.harness.plugins.Registries;
import io.diffexit.harness.plugins.Registry;
import io.diffexit.harness.bench.inprocess.SamplingBenchWiring;
import io.diffexit.samplers.schedule.NoiseSchedules;
import java.nio.file.Path;

/**
 * Wires the harness for the command line: the plugin registry (built-ins plus the plugins folder, created lazily on
 * first use so {@code --help} never scans jars), the training noise schedule, and the benchmark's cell executor.
 */
public final class HarnessModule extends AbstractModule {

  private final Path pluginsDir;

  /** @param pluginsDir the plugins folder ({@code $DIFFEXIT_PLUGINS} or {@code plugins/} by default) */
  public HarnessModule(Path pluginsDir) {
    this.pluginsDir = pluginsDir;
  }

  @Override
  protected void configure() {
    bind(BenchWiring.class).to(SamplingBenchWiring.class);
    bind(io.diffexit.harness.bench.inprocess.QualityMeter.class).to(io.diffexit.harness.bench.inprocess.FidQualityMeter.class);
  }

  @Provides
  @Singleton
  Registry registry() {
    // A $DIFFEXIT_PLUGINS folder that does not exist is an error (checked here, when a command first needs plugins).
    String configured = System.getenv(Registries.PLUGINS_ENV);
    if (configured != null && !configured.isBlank() && pluginsDir.equals(Path.of(configured))) {
      Registries.pluginsDir(null, System.getenv());
    }
    return Registries.create(pluginsDir);
  }

  @Provides
  TrainingServices trainingServices(com.google.inject.Provider<Registry> registry, com.google.inject.Provider<NoiseSchedule> schedule) {
    return new TrainingServices(registry::get, schedule::get);
  }

  /** DDPM's linear β (1e-4 → 0.02, T = 1000): the schedule every built-in model is trained with. */
  @Provides
  NoiseSchedule trainingSchedule() {
    return NoiseSchedules.ddpmLinear();
  }
}
