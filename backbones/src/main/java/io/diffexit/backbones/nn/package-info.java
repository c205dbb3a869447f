/**
 * The layers the built-in backbones are made of, one implementation per concept: {@link
 * io.diffexit.backbones.nn.NativeConv2d} and {@link io.diffexit.backbones.nn.Im2colConv3x3} (the same convolution
 * through PyTorch's kernel and as a matrix product), {@link io.diffexit.backbones.nn.Dense}, {@link
 * io.diffexit.backbones.nn.GroupNorm}, {@link io.diffexit.backbones.nn.NearestResize}, {@link
 * io.diffexit.backbones.nn.Activations#silu SiLU}, the {@link io.diffexit.backbones.nn.SeededInitializer} family and
 * the per-device {@link io.diffexit.backbones.nn.DeviceConstants}. The sinusoidal time embedding, which strategies
 * use too, is {@link io.diffexit.api.SinusoidalTimeEmbedding} in the API.
 *
 * <p>The layers that take a {@link io.diffexit.backbones.nn.ParameterSink} register their parameters on the network
 * block under dotted names; {@code Im2colConv3x3} is a DJL block with its own. Moving or renaming a class here never
 * changes a checkpoint: the saved names come from the sink names and the DJL block hierarchy, not from class names.
 */
package io.diffexit.backbones.nn;
