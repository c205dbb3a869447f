/**
 * The built-in exit strategies ({@link io.diffexit.strategies.BuiltinStrategiesPlugin}) and what they share: turning
 * hidden states into per-pixel maps from a {@link io.diffexit.api.HiddenLayout} ({@link
 * io.diffexit.strategies.PixelMaps}), per-exit-point linear probes ({@link io.diffexit.strategies.ExitProbeBlock}),
 * loss pieces and parameter checks. Cost convention: MACs (FLOPs = 2 × MACs) of linear maps only; activations,
 * reductions and pooling sums are not counted.
 */
package io.diffexit.strategies;
