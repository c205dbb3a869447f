package io.diffexit.harness.fid;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.diffexit.harness.UserError;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * FID statistics files in numpy's {@code .npz} format, interchangeable with pytorch-fid's
 * ({@code np.savez(path, mu=mu, sigma=sigma)}; read with {@code np.load(path)['mu']}).
 *
 * <p>Arrays written: {@code mu} float64 (d,), {@code sigma} float64 (d, d), {@code n} int64 scalar and
 * {@code provenance}, a unicode scalar holding JSON (extractor id, checksum, n, source, split). The zip entries are
 * stored uncompressed, as {@code np.savez} does. Reading needs only {@code mu} and {@code sigma}; files without
 * provenance (e.g. from pytorch-fid) are accepted and reported as such.
 */
public final class StatsFile {

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Where statistics came from.
   *
   * @param extractorId feature extractor id
   * @param checksum its weights checksum
   * @param count number of images
   * @param source the images, e.g. {@code fashion-mnist:test[:1000]}
   * @param split the dataset split, or "" when the source is not a dataset split
   */
  public record Provenance(String extractorId, String checksum, long count, String source, String split) {}

  /**
   * A statistics file as read.
   *
   * @param stats mu, sigma and n (n = 0 when the file does not say)
   * @param provenance what made it, or null for a foreign file without one
   */
  public record Loaded(FeatureStats stats, Provenance provenance) {}

  private StatsFile() {}

  /** Writes {@code stats} with its provenance; the file is replaced atomically. */
  public static void save(Path file, FeatureStats stats, Provenance provenance) {
    int d = stats.dimension();
    double[] sigma = new double[d * d];
    for (int i = 0; i < d; i++) {
      System.arraycopy(stats.sigma()[i], 0, sigma, i * d, d);
    }
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("format", "diffexit-fid-stats/1");
    p.put("extractor", provenance.extractorId());
    p.put("checksum", provenance.checksum());
    p.put("n", provenance.count());
    p.put("source", provenance.source());
    p.put("split", provenance.split());
    p.put("covariance", "unbiased (n-1), float64");
    String json;
    try {
      json = JSON.writeValueAsString(p);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    Map<String, byte[]> entries = new LinkedHashMap<>();
    entries.put("mu.npy", Npy.writeFloat64(stats.mu(), d));
    entries.put("sigma.npy", Npy.writeFloat64(sigma, d, d));
    entries.put("n.npy", Npy.writeInt64Scalar(stats.count()));
    entries.put("provenance.npy", Npy.writeString(json));
    try {
      Path abs = file.toAbsolutePath();
      if (abs.getParent() != null) {
        Files.createDirectories(abs.getParent());
      }
      Path tmp = Files.createTempFile(abs.getParent(), abs.getFileName().toString(), ".tmp");
      try (OutputStream os = Files.newOutputStream(tmp); ZipOutputStream zip = new ZipOutputStream(os)) {
        for (Map.Entry<String, byte[]> e : entries.entrySet()) {
          ZipEntry z = new ZipEntry(e.getKey());
          z.setMethod(ZipEntry.STORED);
          z.setSize(e.getValue().length);
          CRC32 crc = new CRC32();
          crc.update(e.getValue());
          z.setCrc(crc.getValue());
          zip.putNextEntry(z);
          zip.write(e.getValue());
          zip.closeEntry();
        }
      }
      Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write statistics file " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * @throws UserError when the file is missing or unreadable
   * @throws IllegalArgumentException one line naming the file when it is not a valid statistics .npz
   */
  public static Loaded load(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new UserError("statistics file " + file + " not found; make one with `diffexit fid-stats`");
    }
    Map<String, byte[]> entries = new LinkedHashMap<>();
    try (ZipFile zip = new ZipFile(file.toFile())) {
      Enumeration<? extends ZipEntry> en = zip.entries();
      while (en.hasMoreElements()) {
        ZipEntry z = en.nextElement();
        try (InputStream in = zip.getInputStream(z)) {
          ByteArrayOutputStream buf = new ByteArrayOutputStream();
          in.transferTo(buf);
          entries.put(z.getName(), buf.toByteArray());
        }
      }
    } catch (ZipException e) {
      throw new IllegalArgumentException(file + " is not a valid .npz (zip) file (" + e.getMessage()
          + "); regenerate it with `diffexit fid-stats` or np.savez(path, mu=mu, sigma=sigma)");
    } catch (IOException e) {
      throw new UserError("cannot read statistics file " + file + ": " + e.getMessage(), e);
    }
    Npy.Array mu = array(entries, "mu", file, true);
    Npy.Array sigma = array(entries, "sigma", file, true);
    if (mu.values() == null || mu.shape().length != 1) {
      throw new IllegalArgumentException(file + ": 'mu' must be a 1-d numeric array, got shape " + mu.shapeText());
    }
    int d = (int) mu.shape()[0];
    if (sigma.values() == null || sigma.shape().length != 2 || sigma.shape()[0] != d || sigma.shape()[1] != d) {
      throw new IllegalArgumentException(
          file + ": 'sigma' must have shape (" + d + ", " + d + ") to match 'mu', got " + sigma.shapeText());
    }
    double[][] s = new double[d][];
    for (int i = 0; i < d; i++) {
      s[i] = java.util.Arrays.copyOfRange(sigma.values(), i * d, (i + 1) * d);
    }
    Npy.Array n = array(entries, "n", file, false);
    long count = n != null && n.values() != null && n.values().length == 1 ? (long) n.values()[0] : 0;
    Provenance prov = null;
    Npy.Array p = array(entries, "provenance", file, false);
    if (p != null && p.text() != null) {
      try {
        Map<?, ?> m = JSON.readValue(p.text(), Map.class);
        prov = new Provenance(str(m.get("extractor")), str(m.get("checksum")),
            m.get("n") instanceof Number num ? num.longValue() : count, str(m.get("source")), str(m.get("split")));
      } catch (JsonProcessingException e) {
        throw new IllegalArgumentException(file + ": its 'provenance' is not valid JSON (" + e.getOriginalMessage()
            + ")");
      }
    }
    return new Loaded(new FeatureStats(mu.values().clone(), s, count), prov);
  }

  private static String str(Object o) {
    return o == null ? "" : o.toString();
  }

  private static Npy.Array array(Map<String, byte[]> entries, String key, Path file, boolean required) {
    byte[] b = entries.get(key + ".npy");
    if (b == null) {
      if (required) {
        List<String> names = new ArrayList<>();
        entries.keySet().forEach(k -> names.add(k.endsWith(".npy") ? k.substring(0, k.length() - 4) : k));
        throw new IllegalArgumentException(file + " has no array '" + key + "' (arrays: " + names
            + "); an FID statistics file needs 'mu' and 'sigma'");
      }
      return null;
    }
    return Npy.read(b, file + ":" + key + ".npy");
  }
}
