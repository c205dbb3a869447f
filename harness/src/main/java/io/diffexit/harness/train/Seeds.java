package io.diffexit.harness.train;

/** Derives independent seeds from (run seed, purpose, index), so every random stream is a function of the step. */
final class Seeds {

  private Seeds() {}

  /** @return a well-mixed 64-bit seed (SplitMix64 finaliser over the three inputs) */
  static long mix(long seed, long purpose, long index) {
    long z = seed * 0x9E3779B97F4A7C15L + purpose * 0xC2B2AE3D27D4EB4FL + index * 0x165667B19E3779F9L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
