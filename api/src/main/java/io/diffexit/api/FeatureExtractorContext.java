package io.diffexit.api;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;

/**
 * What the host gives a feature-extractor factory.
 *
 * @param manager the long-lived manager for the extractor's weights
 * @param home the diffexit home (repository root or install dir) against which relative weight paths resolve
 */
public record FeatureExtractorContext(NDManager manager, Path home) {}
