package io.diffexit.harness.plugins;

/**
 * One registered factory, for {@code diffexit list}.
 *
 * @param kind {@code backbone}, {@code strategy}, {@code sampler} or {@code feature-extractor}
 * @param name the factory's name
 * @param description its one-line description
 * @param origin {@code built-in} or the path of the plugin jar or folder it came from
 * @param version the implementation version of its jar (manifest), or {@code unknown}
 */
public record ComponentInfo(String kind, String name, String description, String origin, String version) {}
