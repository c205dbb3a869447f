package io.diffexit.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.diffexit.harness.plugins.TestPlugins;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code diffexit list}: components of the class path and the plugins folder with origin and version, and the
 * refused plugins, as a table and as JSON. The folder holds the example plugin and two broken jars.
 */
class ListCommandTest {

  @TempDir Path tmp;
  private Path plugins;
  private Path corrupt;
  private Path noServices;
  private Path delta;

  @BeforeEach
  void setUp() throws IOException {
    plugins = Files.createDirectories(tmp.resolve("plugins"));
    delta = TestPlugins.exampleJar().writeTo(plugins.resolve("delta-exit.jar"));
    corrupt = Files.writeString(plugins.resolve("corrupt.jar"), "not a zip", StandardCharsets.UTF_8);
    noServices = plugins.resolve("empty.jar");
    Manifest mf = new Manifest();
    mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    try (OutputStream os = Files.newOutputStream(noServices);
        JarOutputStream out = new JarOutputStream(os, mf)) {
      out.putNextEntry(new JarEntry("readme.txt"));
      out.write("no plugin here".getBytes(StandardCharsets.UTF_8));
      out.closeEntry();
    }
  }

  private record Run(int exitCode, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = DiffexitCli.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void jsonListsComponentsWithOriginAndVersionAndTheProblems() throws IOException {
    Run run = run("list", "--json", "--plugins", plugins.toString());

    assertThat(run.exitCode()).as(run.err()).isZero();
    JsonNode root = new ObjectMapper().readTree(run.out());
    assertThat(root.get("components").isArray()).isTrue();
    JsonNode deltaExit = null;
    for (JsonNode c : root.get("components")) {
      assertThat(c.get("kind").asText()).isIn("backbone", "strategy", "sampler", "feature-extractor");
      assertThat(c.get("name").asText()).matches("[a-z][a-z0-9-]*");
      assertThat(c.get("version").isTextual()).isTrue();
      assertThat(c.get("params").isArray()).isTrue();
      if (c.get("name").asText().equals("delta-exit")) {
        deltaExit = c;
      } else {
        assertThat(c.get("origin").asText()).isEqualTo("built-in");
      }
    }
    assertThat(deltaExit).as("delta-exit in " + run.out()).isNotNull();
    assertThat(deltaExit.get("kind").asText()).isEqualTo("strategy");
    assertThat(deltaExit.get("origin").asText()).isEqualTo(delta.toString());
    assertThat(deltaExit.get("version").asText()).isEqualTo("0.1.0");
    assertThat(deltaExit.get("description").asText()).startsWith("exit when the exit head's prediction changes");
    assertThat(deltaExit.get("params").size()).isEqualTo(1);
    assertThat(deltaExit.get("params").get(0).get("name").asText()).isEqualTo("bound");
    assertThat(deltaExit.get("params").get(0).get("default").asText()).isEqualTo("0.05");
    List<String> problems = new ArrayList<>();
    root.get("problems").forEach(p -> problems.add(p.get("path").asText() + " | " + p.get("reason").asText()));
    assertThat(problems)
        .containsExactly(
            corrupt + " | not a readable jar (java.util.zip.ZipException: zip END header not found); rebuild it or"
                + " remove it from the plugins folder",
            noServices + " | no META-INF/services/io.diffexit.api.DiffexitPlugin entry; a plugin registers exactly"
                + " one DiffexitPlugin implementation there");
  }

  @Test
  void tablePrintsAHeaderAndThePluginsNotLoaded() {
    Run run = run("list", "--plugins", plugins.toString());

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out().lines().findFirst().orElseThrow()).matches("KIND +NAME +ORIGIN +VERSION +DESCRIPTION");
    assertThat(run.out().lines())
        .anyMatch(l -> l.matches("strategy +delta-exit +" + java.util.regex.Pattern.quote(delta.toString())
            + " +0\\.1\\.0 +exit when the exit head's prediction changes .*"))
        .anyMatch(l -> l.matches(" +bound=0\\.05 +largest relative change .*"));
    assertThat(run.out())
        .contains(
            "Plugins not loaded:\n  " + corrupt + ": not a readable jar (java.util.zip.ZipException: zip END header"
                + " not found); rebuild it or remove it from the plugins folder\n")
        .contains("  " + noServices + ": no META-INF/services/io.diffexit.api.DiffexitPlugin entry;");
  }

  @Test
  void aPluginsFolderGivenWithTheOptionMustExist() {
    Path absent = tmp.resolve("absent");
    Run run = run("list", "--json", "--plugins", absent.toString());

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).isEqualTo("diffexit: plugins folder " + absent + " (--plugins) not found; point --plugins at"
        + " the folder holding the plugin jars" + System.lineSeparator());
  }

  @Test
  void aNameRegisteredTwiceStopsTheCommandNamingBothJars() throws IOException {
    Path copy = TestPlugins.exampleJar().writeTo(plugins.resolve("delta-exit-copy.jar"));

    Run run = run("list", "--plugins", plugins.toString());

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err())
        .isEqualTo("diffexit: Duplicate exit strategy 'delta-exit': " + copy + " and " + delta
            + "; remove one of them" + System.lineSeparator());
  }

  @Test
  void aPluginsPathThatIsAFileIsAUserErrorOnOneLine() {
    Run run = run("list", "--plugins", corrupt.toString());

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err())
        .isEqualTo("diffexit: plugins folder " + corrupt
            + " (--plugins) is not a folder; point --plugins at the folder holding the plugin jars"
            + System.lineSeparator());
  }
}
