package io.diffexit.harness.plugins;

/**
 * A plugin that was not loaded.
 *
 * @param path the jar or folder
 * @param reason one line saying what is wrong and what would fix it
 */
public record PluginProblem(String path, String reason) {}
