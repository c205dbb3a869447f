package io.diffexit.backbones;

import io.diffexit.api.DiffexitPlugin;

/** The built-in backbones, registered like any third-party plugin in {@code META-INF/services}. */
public final class BuiltinBackbonesPlugin implements DiffexitPlugin {}
