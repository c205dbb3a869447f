package io.diffexit.examples.library;

import io.diffexit.harness.sampling.Diffexit;
import io.diffexit.harness.sampling.SampleReport;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Samples 8 images from a checkpoint with no early exit and with a fixed exit, and prints what each cost. */
public final class SampleReference {

  private SampleReference() {}

  /** @param args the checkpoint folder (default: the repository's reference U-ViT) */
  public static void main(String[] args) {
    Path checkpoint = Path.of(args.length > 0 ? args[0] : "../../checkpoints/uvit-fmnist");
    try (Diffexit model = Diffexit.load(checkpoint)) {
      for (String strategy : List.of("none", "fixed:layer=7")) {
        SampleReport r = model.sample(strategy, "ddim:steps=20", 8, 0);
        float[] pixels = r.result().images(); // 8 x 1 x 28 x 28, NCHW
        System.out.printf(Locale.ROOT, "%-14s %d images (%d values), %.3f GMACs/image, mean exit layer %.2f of %d,"
            + " %.1f ms/image%n", strategy, r.result().samples(), pixels.length, r.macsPerImage() / 1e9,
            r.meanExitLayer(), r.depth(), r.result().msPerImage());
      }
    }
  }
}
