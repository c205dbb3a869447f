package io.diffexit.api;

/** Creates a {@link Sampler} from named parameters, e.g. {@code ddim:steps=50,eta=0,spacing=leading}. */
public interface SamplerFactory extends NamedFactory {

  /**
   * @param params the sampler's parameters; bad values fail with a message that names them
   * @param schedule the noise schedule the model was trained with
   * @return a new sampler
   */
  Sampler create(Params params, NoiseSchedule schedule);
}
