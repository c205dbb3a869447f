package io.diffexit.harness.cli;

import io.diffexit.api.NoiseSchedule;
import io.diffexit.harness.plugins.Registry;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * What {@code train} and {@code finetune} need from the rest of the harness: the plugin registry and the noise schedule
 * models are trained with. The CLI's entry point installs them once ({@link #install}); tests install their own.
 *
 * @param registry supplies the registry (called once per command)
 * @param schedule supplies the training noise schedule (DDPM's linear β, T = 1000, for the built-in models)
 */
public record TrainingServices(Supplier<Registry> registry, Supplier<NoiseSchedule> schedule) {

  private static volatile TrainingServices installed;

  public TrainingServices {
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(schedule, "schedule");
  }

  /** Makes these services the ones the commands use. */
  public static void install(TrainingServices services) {
    installed = Objects.requireNonNull(services, "services");
  }

  /**
   * @return the installed services
   * @throws IllegalStateException when the entry point installed none (a wiring bug, not a user error)
   */
  public static TrainingServices current() {
    TrainingServices s = installed;
    if (s == null) {
      throw new IllegalStateException(
          "training services are not wired: the CLI entry point must call TrainingServices.install(...) with the "
              + "plugin registry and the training noise schedule");
    }
    return s;
  }
}
