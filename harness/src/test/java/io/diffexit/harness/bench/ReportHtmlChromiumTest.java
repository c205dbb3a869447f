package io.diffexit.harness.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opens report.html in headless Chromium (Debian package {@code chromium}): the DOM after scripts ran must contain
 * the results table and the marker the page's own script sets, and Chromium's log must hold no console message
 * (uncaught errors, blocked external loads under the page's content security policy, console.error).
 */
class ReportHtmlChromiumTest {

  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

  @TempDir Path dir;

  /** DOM and stderr of one headless page load. */
  private record Rendered(String dom, String log) {
    List<String> consoleLines() {
      return log.lines().filter(l -> l.contains(":CONSOLE")).toList();
    }
  }

  private Rendered render(Path html) throws Exception {
    if (!Files.isExecutable(CHROMIUM)) {
      fail("headless Chromium is needed to check report.html: install it with `apt-get install -y chromium`");
    }
    Path profile = Files.createDirectories(dir.resolve("chromium-profile"));
    Path out = dir.resolve("dom.html");
    Path err = dir.resolve("chromium.log");
    Process p = new ProcessBuilder(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0", "--dump-dom", html.toUri().toString())
        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    p.getOutputStream().close();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("chromium did not finish rendering " + html + " within 120 s");
    }
    String log = Files.readString(err, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as("chromium exit status; log:\n" + log).isZero();
    return new Rendered(Files.readString(out, StandardCharsets.UTF_8), log);
  }

  @Test
  void reportRendersItsTableWithoutConsoleMessages() throws Exception {
    Fixtures.benchAndReport(dir);
    Rendered r = render(dir.resolve(ReportWriter.HTML));
    assertThat(r.consoleLines()).as("console messages of report.html").isEmpty();
    assertThat(r.log).doesNotContain("Uncaught");
    assertThat(r.dom).contains("data-rendered=\"table\"");
    assertThat(r.dom).contains("<table id=\"results\">").contains("fixed[layer=7]").contains("<svg");
  }

  @Test
  void theCheckSeesScriptErrorsAndBlockedExternalLoads() throws Exception {
    Fixtures.benchAndReport(dir);
    String html = Files.readString(dir.resolve(ReportWriter.HTML));
    Path broken = dir.resolve("broken.html");
    Files.writeString(broken, html.replace("</body>",
        "<img src=\"https://example.invalid/x.png\"><script>notDefined();</script></body>"));
    Rendered r = render(broken);
    assertThat(r.consoleLines()).anyMatch(l -> l.contains("Uncaught ReferenceError: notDefined is not defined"));
    assertThat(r.consoleLines()).anyMatch(l -> l.contains("Content Security Policy"));
  }
}
