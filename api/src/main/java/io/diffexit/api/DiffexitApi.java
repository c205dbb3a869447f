package io.diffexit.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** Facts about this build of the API. */
public final class DiffexitApi {

  private static final int VERSION = readVersion();

  private DiffexitApi() {}

  /**
   * @return the SPI version this API serves. Plugin jars declare the version they were built against in the manifest
   *     attribute {@code Diffexit-Api-Version}; the harness refuses a jar that declares another.
   */
  public static int version() {
    return VERSION;
  }

  private static int readVersion() {
    try (InputStream in = DiffexitApi.class.getResourceAsStream("api-version.properties")) {
      if (in == null) {
        throw new IllegalStateException("api-version.properties missing from the diffexit-api jar");
      }
      Properties p = new Properties();
      p.load(in);
      return Integer.parseInt(p.getProperty("api.version").trim());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
