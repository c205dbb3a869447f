package io.diffexit.harness.plugins;

/**
 * A harness-side class whose name a test plugin reuses for a class of its own: the plugin must get its own version.
 */
public final class Shadowed {
  private Shadowed() {}

  /** @return where this copy of the class lives */
  public static String origin() {
    return "harness";
  }
}
