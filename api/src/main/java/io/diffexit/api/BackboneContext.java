package io.diffexit.api;

import ai.djl.ndarray.NDManager;

/**
 * What the host gives a backbone factory.
 *
 * @param manager the long-lived manager that owns the backbone's parameters (its device is the backbone's device)
 * @param seed the seed used for parameter initialisation, recorded for reproducibility
 */
public record BackboneContext(NDManager manager, long seed) {}
