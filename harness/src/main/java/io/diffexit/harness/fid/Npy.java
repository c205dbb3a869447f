package io.diffexit.harness.fid;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * numpy's {@code .npy} format (numpy.lib.format, NEP 1): magic {@code \x93NUMPY}, version, a little-endian header
 * length, then a Python-literal dict {@code {'descr': '<f8', 'fortran_order': False, 'shape': (d,), }} padded with
 * spaces and a final newline so the data starts at a multiple of 64 bytes, then the raw data.
 *
 * <p>Written: version 1.0 only. Read: versions 1.0, 2.0 and 3.0; little-endian {@code <f8}, {@code <f4},
 * {@code <i8}, {@code <i4}, {@code |u1}, {@code <U…} (strings); C order. Anything else fails with a one-line message.
 */
public final class Npy {

  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final int ALIGN = 64;
  private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
  private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

  /**
   * An array as read: the numbers as doubles (for numeric types) or a string (for {@code <U}).
   *
   * @param descr numpy dtype string, e.g. {@code <f8}
   * @param shape dimensions; empty for a scalar
   * @param values numeric values in C order (null for strings)
   * @param text the string value of a {@code <U} scalar (null otherwise)
   */
  public record Array(String descr, long[] shape, double[] values, String text) {
    /** @return the number of elements */
    public long size() {
      long n = 1;
      for (long s : shape) {
        n *= s;
      }
      return n;
    }

    /** @return the shape as numpy prints it, e.g. {@code (128, 128)} */
    public String shapeText() {
      return shapeLiteral(shape);
    }
  }

  private Npy() {}

  /** @return a v1.0 {@code .npy} of little-endian float64 in C order */
  public static byte[] writeFloat64(double[] values, long... shape) {
    checkSize(values.length, shape);
    ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (double v : values) {
      b.putDouble(v);
    }
    return withHeader("<f8", shape, b.array());
  }

  /** @return a v1.0 {@code .npy} of unsigned bytes ({@code |u1}) in C order */
  public static byte[] writeUint8(byte[] values, long... shape) {
    checkSize(values.length, shape);
    return withHeader("|u1", shape, values.clone());
  }

  /** @return a v1.0 {@code .npy} of one little-endian int64 scalar */
  public static byte[] writeInt64Scalar(long value) {
    ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value);
    return withHeader("<i8", new long[0], b.array());
  }

  /** @return a v1.0 {@code .npy} of one unicode string scalar ({@code <U n}, UTF-32LE code points) */
  public static byte[] writeString(String s) {
    int[] cps = s.codePoints().toArray();
    ByteBuffer b = ByteBuffer.allocate(Math.max(cps.length, 1) * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int cp : cps) {
      b.putInt(cp);
    }
    return withHeader("<U" + Math.max(cps.length, 1), new long[0], b.array());
  }

  private static byte[] withHeader(String descr, long[] shape, byte[] data) {
    String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shapeLiteral(shape) + ", }";
    int unpadded = MAGIC.length + 2 + 2 + dict.length() + 1; // + the final '\n'
    int pad = (ALIGN - unpadded % ALIGN) % ALIGN;
    String header = dict + " ".repeat(pad) + "\n";
    if (header.length() > 0xffff) {
      throw new IllegalArgumentException("npy header of " + header.length() + " bytes does not fit format 1.0");
    }
    byte[] h = header.getBytes(StandardCharsets.ISO_8859_1);
    ByteBuffer out = ByteBuffer.allocate(MAGIC.length + 4 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
    out.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) h.length).put(h).put(data);
    return out.array();
  }

  static String shapeLiteral(long[] shape) {
    if (shape.length == 0) {
      return "()";
    }
    if (shape.length == 1) {
      return "(" + shape[0] + ",)";
    }
    StringBuilder sb = new StringBuilder("(");
    for (int i = 0; i < shape.length; i++) {
      sb.append(i == 0 ? "" : ", ").append(shape[i]);
    }
    return sb.append(')').toString();
  }

  private static void checkSize(int n, long[] shape) {
    long expected = 1;
    for (long s : shape) {
      expected *= s;
    }
    if (expected != n) {
      throw new IllegalArgumentException(n + " values do not fill shape " + shapeLiteral(shape));
    }
  }

  /**
   * @param bytes a whole {@code .npy} file
   * @param name what it is, for messages (e.g. {@code stats.npz:sigma.npy})
   * @throws IllegalArgumentException one line naming {@code name} and the problem
   */
  public static Array read(byte[] bytes, String name) {
    if (bytes.length < 10 || !Arrays.equals(Arrays.copyOf(bytes, MAGIC.length), MAGIC)) {
      throw new IllegalArgumentException(name + " is not a .npy array (no \\x93NUMPY magic)");
    }
    int major = bytes[6] & 0xff;
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int headerLen;
    int start;
    if (major == 1) {
      headerLen = b.getShort(8) & 0xffff;
      start = 10;
    } else if (major == 2 || major == 3) {
      if (bytes.length < 12) {
        throw new IllegalArgumentException(name + " is truncated inside its header");
      }
      headerLen = b.getInt(8);
      start = 12;
    } else {
      throw new IllegalArgumentException(name + " has .npy format version " + major + "." + (bytes[7] & 0xff)
          + "; only 1.0, 2.0 and 3.0 are known");
    }
    if (headerLen < 0 || start + headerLen > bytes.length) {
      throw new IllegalArgumentException(name + " is truncated inside its header");
    }
    String header = new String(bytes, start, headerLen,
        major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    String descr = group(DESCR, header, name, "descr");
    if (group(FORTRAN, header, name, "fortran_order").equals("True")) {
      throw new IllegalArgumentException(name + " is stored in Fortran order; re-save it with np.ascontiguousarray");
    }
    long[] shape = parseShape(group(SHAPE, header, name, "shape"), name);
    int dataStart = start + headerLen;
    long n = 1;
    for (long s : shape) {
      n *= s;
    }
    if (descr.startsWith(">")) {
      throw new IllegalArgumentException(name + " is big-endian (" + descr + "); re-save it with arr.astype('<"
          + descr.substring(1) + "')");
    }
    if (descr.startsWith("<U")) {
      int chars = parseInt(descr.substring(2), name);
      long need = n * chars * 4L;
      requireBytes(bytes, dataStart, need, name);
      if (n != 1) {
        throw new IllegalArgumentException(name + " is a string array of shape " + shapeLiteral(shape)
            + "; only string scalars are read");
      }
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < chars; i++) {
        int cp = b.getInt(dataStart + 4 * i);
        if (cp == 0) {
          break; // numpy pads short strings with NUL
        }
        sb.appendCodePoint(cp);
      }
      return new Array(descr, shape, null, sb.toString());
    }
    int width = switch (descr) {
      case "<f8", "<i8" -> 8;
      case "<f4", "<i4" -> 4;
      case "|u1" -> 1;
      default -> throw new IllegalArgumentException(name + " has dtype '" + descr
          + "'; only little-endian float64/float32 ('<f8', '<f4'), '<i8', '<i4', '|u1' and '<U' strings are read");
    };
    requireBytes(bytes, dataStart, n * width, name);
    if (n > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(name + " has " + n + " elements, more than this reader holds");
    }
    double[] v = new double[(int) n];
    for (int i = 0; i < v.length; i++) {
      int at = dataStart + i * width;
      v[i] = switch (descr) {
        case "<f8" -> b.getDouble(at);
        case "<f4" -> b.getFloat(at);
        case "<i8" -> b.getLong(at);
        case "<i4" -> b.getInt(at);
        default -> bytes[at] & 0xff;
      };
    }
    return new Array(descr, shape, v, null);
  }

  private static void requireBytes(byte[] bytes, int start, long need, String name) {
    if (start + need > bytes.length) {
      throw new IllegalArgumentException(String.format(Locale.ROOT,
          "%s is truncated: its header announces %d data bytes but %d follow", name, need, bytes.length - start));
    }
  }

  private static String group(Pattern p, String header, String name, String key) {
    Matcher m = p.matcher(header);
    if (!m.find()) {
      throw new IllegalArgumentException(name + " has a malformed .npy header (no '" + key + "'): " + header.trim());
    }
    return m.group(1);
  }

  private static long[] parseShape(String text, String name) {
    String t = text.trim();
    if (t.isEmpty()) {
      return new long[0];
    }
    String[] parts = t.split(",");
    int count = 0;
    long[] out = new long[parts.length];
    for (String p : parts) {
      if (!p.isBlank()) {
        out[count++] = parseInt(p.trim().replace("L", ""), name);
      }
    }
    return Arrays.copyOf(out, count);
  }

  private static int parseInt(String s, String name) {
    try {
      int v = Integer.parseInt(s);
      if (v < 0) {
        throw new NumberFormatException();
      }
      return v;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " has a malformed .npy header (bad number '" + s + "')");
    }
  }
}
