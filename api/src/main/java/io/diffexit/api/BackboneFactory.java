package io.diffexit.api;

/**
 * Creates a {@link Backbone} (a denoising network with exit points) from its configuration.
 *
 * <p>The configuration is stored in a checkpoint's model card and given back to {@code create} when the checkpoint is
 * loaded, so {@code create(spec().config(), ...)} must rebuild the same architecture.
 */
public interface BackboneFactory extends NamedFactory {

  /**
   * @param params the architecture (width, depth, ...); unknown keys or malformed values fail with a message that names
   *     them and the known keys
   * @param context where the parameters live
   * @return a new, initialised backbone owned by the caller
   */
  Backbone create(Params params, BackboneContext context);
}
