package io.diffexit.harness.features;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 of weight files; the first {@value #PREFIX_HEX} hex digits name a network in every FID. */
public final class Checksums {

  /** Hex digits of the SHA-256 kept as the checksum. */
  public static final int PREFIX_HEX = 12;

  private Checksums() {}

  /** @return the full lower-case hex SHA-256 of the file */
  public static String sha256(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (int r; (r = in.read(buf)) > 0; ) {
        md.update(buf, 0, r);
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }

  /** @return the first {@value #PREFIX_HEX} hex digits of the file's SHA-256 */
  public static String sha256Prefix(Path file) {
    return sha256(file).substring(0, PREFIX_HEX);
  }
}
