/**
 * Training-free step reuse: caches across sampler steps that let a sample reuse earlier work instead of running (part
 * of) the network. {@code block-cache} (first-block residual cache, U-ViT), {@code deepcache} (DeepCache, U-Net) and
 * {@code step-skip} (AdaptiveDiffusion, any backbone). Each decides per sample by default, so batch mates do not change
 * each other's images, and per batch as an option. See {@link io.diffexit.api.StepReuseStrategy} for the protocol.
 */
package io.diffexit.strategies.reuse;
