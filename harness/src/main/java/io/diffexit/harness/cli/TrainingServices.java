package io.diffexit.harness.cli;

import io.diffexit.api.NoiseSchedule;
import io.diffexit.harness.plugins.Registry;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * What {@code train} and {@code finetune} need from the rest of the harness: the plugin registry and the noise schedule
 * models are trained with. Guice provides it ({@link HarnessModule}); tests bind their own.
 *
 * @param registry supplies the registry (called once per command)
 * @param schedule supplies the training noise schedule (DDPM's linear β, T = 1000, for the built-in models)
 */
public record TrainingServices(Supplier<Registry> registry, Supplier<NoiseSchedule> schedule) {


  public TrainingServices {
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(schedule, "schedule");
  }
}
