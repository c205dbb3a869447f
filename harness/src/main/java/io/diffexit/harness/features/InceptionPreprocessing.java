package io.diffexit.harness.features;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * pytorch-fid's input pipeline for Inception-v3 (pytorch_fid/inception.py, {@code resize_input=True,
 * normalize_input=True}): grey images get their channel repeated to RGB, then a bilinear resize to 299×299 with
 * {@code align_corners=False}, then x ↦ 2x − 1 so [0, 1] becomes [−1, 1].
 */
public final class InceptionPreprocessing {

  /** Side length Inception-v3 takes. */
  public static final int SIZE = 299;

  /** torch interpolate mode code for bilinear in DJL's PyTorch JNI (0 nearest, 1 linear, 2 bilinear, 3 bicubic). */
  static final int BILINEAR = 2;

  private InceptionPreprocessing() {}

  /**
   * @param images (B, 1 or 3, H, W) float32 in [0, 1]
   * @return (B, 3, 299, 299) in [−1, 1], owned by {@code images}' manager
   */
  public static NDArray apply(NDArray images) {
    Shape s = images.getShape();
    if (s.dimension() != 4 || (s.get(1) != 1 && s.get(1) != 3)) {
      throw new IllegalArgumentException(
          "feature extractor 'inception' takes (B, 1 or 3, H, W) images in [0, 1], got shape " + s);
    }
    NDArray rgb = s.get(1) == 1 ? images.repeat(1, 3) : images;
    NDArray resized = JniUtils.interpolate((PtNDArray) rgb, new long[] {SIZE, SIZE}, BILINEAR, false);
    if (rgb != images) {
      rgb.close();
    }
    return resized.muli(2f).subi(1f);
  }
}
