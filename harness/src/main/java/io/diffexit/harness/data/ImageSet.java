package io.diffexit.harness.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * Images held compactly as unsigned bytes (N, C, H, W), with optional labels.
 *
 * <p>Convention: {@link #batch} maps pixel values p ∈ [0, 255] to p/127.5 − 1 ∈ [−1, 1], the data range the diffusion
 * models are trained on (U-ViT's Normalize(0.5, 0.5)); {@link #batchUnit} maps to [0, 1] (feature extractors).
 */
public final class ImageSet {

  private final String name;
  private final byte[] pixels;
  private final int[] labels;
  private final int count;
  private final int channels;
  private final int height;
  private final int width;

  /**
   * @param name where the images came from, for messages and model cards (e.g. {@code fashion-mnist/train})
   * @param pixels (N, C, H, W) unsigned bytes
   * @param labels N labels, or null
   */
  public ImageSet(String name, byte[] pixels, int[] labels, int count, int channels, int height, int width) {
    this.name = Objects.requireNonNull(name, "name");
    if ((long) count * channels * height * width != pixels.length) {
      throw new IllegalArgumentException(
          name + ": " + pixels.length + " pixel bytes do not make " + count + " images of " + channels + "x" + height
              + "x" + width);
    }
    if (labels != null && labels.length != count) {
      throw new IllegalArgumentException(name + ": " + labels.length + " labels for " + count + " images");
    }
    this.pixels = pixels;
    this.labels = labels;
    this.count = count;
    this.channels = channels;
    this.height = height;
    this.width = width;
  }

  /** @return the source name, e.g. {@code fashion-mnist/train} */
  public String name() {
    return name;
  }

  /** @return number of images */
  public int size() {
    return count;
  }

  /** @return channels per image */
  public int channels() {
    return channels;
  }

  /** @return image height */
  public int height() {
    return height;
  }

  /** @return image width */
  public int width() {
    return width;
  }

  /** @return whether labels are present */
  public boolean hasLabels() {
    return labels != null;
  }

  /** @return the label of image i */
  public int label(int i) {
    if (labels == null) {
      throw new IllegalStateException(name + " has no labels");
    }
    return labels[i];
  }

  /** @return the first {@code n} images (no copy of the bytes beyond that range) */
  public ImageSet head(int n) {
    if (n < 1 || n > count) {
      throw new IllegalArgumentException(name + " has " + count + " images; cannot take " + n);
    }
    int per = channels * height * width;
    byte[] p = java.util.Arrays.copyOf(pixels, n * per);
    int[] l = labels == null ? null : java.util.Arrays.copyOf(labels, n);
    return new ImageSet(name + "[:" + n + "]", p, l, n, channels, height, width);
  }

  /**
   * @param indices distinct image indices
   * @param label the new set's name suffix, e.g. {@code random-1000}
   * @return the images at {@code indices}, in that order (a copy)
   */
  public ImageSet subset(int[] indices, String label) {
    int per = channels * height * width;
    byte[] p = new byte[indices.length * per];
    int[] l = labels == null ? null : new int[indices.length];
    for (int k = 0; k < indices.length; k++) {
      int i = indices[k];
      if (i < 0 || i >= count) {
        throw new IndexOutOfBoundsException(name + ": image " + i + " outside [0, " + count + ")");
      }
      System.arraycopy(pixels, i * per, p, k * per, per);
      if (l != null) {
        l[k] = labels[i];
      }
    }
    return new ImageSet(name + "[" + label + "]", p, l, indices.length, channels, height, width);
  }

  /** @return images at these indices as float32 (B, C, H, W) in [−1, 1] */
  public NDArray batch(NDManager manager, int[] indices) {
    return batchUnit(manager, indices).muli(2).subi(1);
  }

  /** @return images at these indices as float32 (B, C, H, W) in [0, 1] */
  public NDArray batchUnit(NDManager manager, int[] indices) {
    int per = channels * height * width;
    ByteBuffer buf = ByteBuffer.allocateDirect(indices.length * per);
    for (int i : indices) {
      if (i < 0 || i >= count) {
        throw new IndexOutOfBoundsException(name + ": image " + i + " outside [0, " + count + ")");
      }
      buf.put(pixels, i * per, per);
    }
    buf.flip();
    NDArray bytes = manager.create(buf, new Shape(indices.length, channels, height, width), DataType.UINT8);
    NDArray out = bytes.toType(DataType.FLOAT32, false).divi(255f);
    bytes.close();
    return out;
  }

  /** @return labels at these indices as int64 (B) */
  public NDArray labels(NDManager manager, int[] indices) {
    long[] out = new long[indices.length];
    for (int k = 0; k < indices.length; k++) {
      out[k] = label(indices[k]);
    }
    return manager.create(out);
  }
}
