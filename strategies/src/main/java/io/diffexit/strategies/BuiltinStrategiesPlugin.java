package io.diffexit.strategies;

import io.diffexit.api.DiffexitPlugin;

/** The built-in strategies, registered like any third-party plugin in {@code META-INF/services}. */
public final class BuiltinStrategiesPlugin implements DiffexitPlugin {}
