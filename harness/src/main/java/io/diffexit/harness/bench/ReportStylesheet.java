package io.diffexit.harness.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The reports' stylesheet, {@code report.css} next to this class on the classpath: inlined into {@code report.html}
 * (whose content security policy forbids loading a stylesheet) and, its {@code svg } rules only, into the standalone
 * plot files. Lines that are a whole {@code /* ... *}{@code /} comment document the file and are not inlined.
 */
final class ReportStylesheet {

  /** Resource name, relative to this class's package. */
  static final String RESOURCE = "report.css";

  private ReportStylesheet() {}

  /**
   * @return the rules of {@link #RESOURCE}, one rule group per line, without its comment lines
   * @throws IllegalStateException if the resource is not on the classpath
   */
  static List<String> rules() {
    return rules(RESOURCE);
  }

  /** @return the stylesheet as inlined into report.html: {@link #rules()} joined by line breaks */
  static String css() {
    return String.join("\n", rules());
  }

  /** @return the rules of the named resource next to this class, without whole-line comments and blank lines */
  static List<String> rules(String resource) {
    String text;
    try (InputStream in = ReportStylesheet.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("the report stylesheet " + path(resource) + " is missing from the classpath;"
            + " rebuild diffexit (mvn -DskipTests package) so that harness/src/main/resources is packaged");
      }
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the report stylesheet " + path(resource) + ": " + e.getMessage(), e);
    }
    return text.lines().filter(l -> !l.isBlank() && !(l.startsWith("/*") && l.endsWith("*/"))).toList();
  }

  private static String path(String resource) {
    return ReportStylesheet.class.getPackageName().replace('.', '/') + "/" + resource;
  }
}
