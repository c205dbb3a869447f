package io.diffexit.backbones.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import io.diffexit.api.Pass;
import io.diffexit.backbones.nn.SeededInitializer;
import io.diffexit.api.Params;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Shared small configurations and helpers for the U-Net tests. */
final class UNetFixtures {

  private UNetFixtures() {}

  /** 8×8×1, base 4, two levels (8, 4), one residual block, attention with two heads, two groups. */
  static Params tinyParams() {
    return Params.parse("height=8,width=8,base=4,mult=1;2,res-blocks=1,attention=true,heads=2,groups=2");
  }

  /** 10×10×2 with three levels (10, 5, 3): the decoder upsamples 3→5 and 5→10, so the non-×2 path is exercised. */
  static Params oddParams() {
    return Params.parse("channels=2,height=10,width=10,base=4,mult=1;2;2,res-blocks=1,heads=2,groups=2");
  }

  /**
   * Replaces every parameter with seeded N(0, 0.3²) values, so that zero-initialised layers (DDPM's last convolutions)
   * do not make outputs trivially zero or blocks trivially the identity.
   */
  static void randomize(UNetBackbone backbone, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    for (Pair<String, Parameter> p : backbone.block().getParameters()) {
      NDArray a = p.getValue().getArray();
      float[] v = new float[Math.toIntExact(a.size())];
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) (0.3 * gaussian(random));
      }
      a.set(v);
    }
  }

  private static double gaussian(SplittableRandom r) {
    double u = r.nextDouble();
    double w = r.nextDouble();
    return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * w);
  }

  /** @return seeded N(0, 1) images (B, C, H, W) */
  static NDArray images(NDManager m, UNetConfig c, int batch, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] v = new float[batch * c.channels() * c.height() * c.width()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) gaussian(random);
    }
    return SeededInitializer.torchOwned(m.create(v, new Shape(batch, c.channels(), c.height(), c.width())));
  }

  /** @return model times as float32 (B) */
  static NDArray times(NDManager m, float... t) {
    return m.create(t);
  }

  /** @return a non-copying parameter store on the manager's device */
  static ParameterStore store(NDManager m) {
    return new ParameterStore(m, false);
  }

  /** Runs a full pass and returns the head at every exit point as float arrays, one per exit point. */
  static List<float[]> allHeads(UNetBackbone b, NDManager m, NDArray x, NDArray t) {
    Pass pass = b.begin(store(m), x, t, false);
    List<float[]> heads = new ArrayList<>();
    while (pass.position() < pass.exitPoints() - 1) {
      pass.advance();
      heads.add(pass.head().toFloatArray());
    }
    return heads;
  }

  /** @return a slice of a flat (B, ...) float array: sample i of n */
  static float[] sample(float[] batch, int i, int n) {
    int per = batch.length / n;
    float[] out = new float[per];
    System.arraycopy(batch, i * per, out, 0, per);
    return out;
  }

  /** @return a boolean mask array */
  static NDArray mask(NDManager m, boolean... keep) {
    return m.create(keep);
  }
}
