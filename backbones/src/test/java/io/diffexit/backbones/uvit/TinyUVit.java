package io.diffexit.backbones.uvit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.diffexit.api.Backbone;
import io.diffexit.api.BackboneContext;
import io.diffexit.api.Pass;
import io.diffexit.api.Params;

/** A tiny, non-square U-ViT for fast tests: 2×8×12 images, patch 2 (4×6 = 24 patch tokens), D 16, 2 heads, 5 blocks. */
final class TinyUVit {

  static final Params PARAMS =
      Params.parse("channels=2,height=8,width=12,patch=2,dim=16,depth=5,heads=2,mlp-ratio=4");

  /** The same shape with the convolutional v head and a head per exit (exit-heads=per-exit). */
  static final Params PER_EXIT_V = Params.parse("channels=2,height=8,width=12,patch=2,dim=16,depth=5,heads=2,"
      + "mlp-ratio=4,head-channels=3,prediction=v,exit-heads=per-exit");

  private TinyUVit() {}

  /** @return a U-ViT of {@code params} for the linear schedule of 1000 steps (v prediction needs one), seed 7 */
  static UVitBackbone createForSchedule(NDManager manager, Params params) {
    return (UVitBackbone) new UVitFactory().create(
        params, new BackboneContext(manager, 7, new io.diffexit.testkit.LinearSchedule(1000)));
  }

  /** @return the largest absolute difference of two arrays of the same length */
  static double maxDifference(float[] a, float[] b) {
    if (a.length != b.length) {
      throw new AssertionError("lengths differ: " + a.length + " and " + b.length);
    }
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
  }

  static UVitBackbone create(NDManager manager, long seed) {
    return (UVitBackbone) new UVitFactory().create(PARAMS, new BackboneContext(manager, seed));
  }

  /** Advances a U-ViT pass to its last exit point and returns that head (the full model's ε). */
  static NDArray advanceToOutput(Pass pass) {
    while (pass.position() < pass.exitPoints() - 1) {
      pass.advance();
    }
    return pass.head();
  }

  /** @return the head at each exit point of one pass of {@code b}, as float arrays */
  static float[][] exitHeads(Backbone b, ParameterStore store, NDArray x, NDArray t) {
    Pass pass = b.begin(store, x, t, false);
    float[][] out = new float[pass.exitPoints()][];
    for (int i = 0; i < out.length; i++) {
      pass.advance();
      out[i] = pass.head().toFloatArray();
    }
    return out;
  }

  /** Deterministic inputs that differ per sample: uniform noise images and distinct times. */
  static NDArray images(NDManager m, int batch, int seedOffset) {
    float[] v = new float[batch * 2 * 8 * 12];
    java.util.Random r = new java.util.Random(1000 + seedOffset);
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return m.create(v, new Shape(batch, 2, 8, 12));
  }
}
