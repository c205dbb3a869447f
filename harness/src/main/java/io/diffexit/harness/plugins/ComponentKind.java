package io.diffexit.harness.plugins;

import io.diffexit.api.DiffexitPlugin;
import io.diffexit.api.NamedFactory;
import java.util.List;
import java.util.function.Function;

/** The four kinds of factory a {@link DiffexitPlugin} can contribute, in the order {@code diffexit list} shows them. */
public enum ComponentKind {
  /** denoising networks */
  BACKBONE("backbone", "backbone", DiffexitPlugin::backbones, "backbones()"),
  /** exit strategies */
  STRATEGY("strategy", "exit strategy", DiffexitPlugin::strategies, "strategies()"),
  /** samplers */
  SAMPLER("sampler", "sampler", DiffexitPlugin::samplers, "samplers()"),
  /** feature extractors for FID/KID */
  FEATURE_EXTRACTOR(
      "feature-extractor", "feature extractor", DiffexitPlugin::featureExtractors, "featureExtractors()");

  private final String id;
  private final String label;
  private final Function<DiffexitPlugin, List<? extends NamedFactory>> getter;
  private final String getterName;

  ComponentKind(
      String id, String label, Function<DiffexitPlugin, List<? extends NamedFactory>> getter, String getterName) {
    this.id = id;
    this.label = label;
    this.getter = getter;
    this.getterName = getterName;
  }

  /** @return the identifier used in {@link ComponentInfo#kind()} and JSON output, e.g. {@code feature-extractor} */
  public String id() {
    return id;
  }

  /** @return the words used in messages, e.g. {@code exit strategy} */
  public String label() {
    return label;
  }

  /** @return the name of the {@link DiffexitPlugin} getter for this kind, e.g. {@code strategies()}, for messages */
  String getterName() {
    return getterName;
  }

  /**
   * @param id an {@link #id()}
   * @return the kind with that id
   */
  public static ComponentKind ofId(String id) {
    for (ComponentKind k : values()) {
      if (k.id.equals(id)) {
        return k;
      }
    }
    throw new IllegalArgumentException(
        "unknown component kind '" + id + "'; known: backbone, strategy, sampler, feature-extractor");
  }

  /** Calls the plugin's getter for this kind (plugin code: the caller guards the context class loader). */
  List<? extends NamedFactory> factoriesOf(DiffexitPlugin plugin) {
    return getter.apply(plugin);
  }
}
