package io.diffexit.samplers;

import io.diffexit.api.DiffexitPlugin;

/** The built-in samplers, registered like any third-party plugin in {@code META-INF/services}. */
public final class BuiltinSamplersPlugin implements DiffexitPlugin {}
