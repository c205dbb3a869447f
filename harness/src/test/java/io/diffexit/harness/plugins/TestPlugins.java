package io.diffexit.harness.plugins;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.StandardLocation;
import javax.tools.ToolProvider;

/**
 * Builds plugin jars inside the tests: compiles sources in-process with {@link JavaCompiler} against the test class
 * path and packs them with {@link JarOutputStream}, so no Maven invocation is needed. Compiled classes are cached per
 * JVM; every test writes its jars into its own temporary folder.
 */
public final class TestPlugins {

  /** The example plugin project, relative to the harness module (surefire's working directory). */
  static final Path EXAMPLE = Path.of("..", "examples", "strategy-plugin");

  private static Path fixtureClasses;
  private static Path exampleClasses;

  private TestPlugins() {}

  /** Sources of the fixture plugins, by class name. Each fixture plugin lives in its own package. */
  private static Map<String, String> fixtureSources() {
    Map<String, String> s = new LinkedHashMap<>();
    s.put(
        "fixture.common.NamedStrategyFactory",
        """
        package fixture.common;
        import ai.djl.ndarray.NDArray;
        import ai.djl.ndarray.types.DataType;
        import io.diffexit.api.*;
        public class NamedStrategyFactory implements ExitStrategyFactory {
          private final String name;
          private final String description;
          public NamedStrategyFactory(String name, String description) {
            this.name = name;
            this.description = description;
          }
          public String name() { return name; }
          public String description() { return description; }
          public ExitStrategy create(Params params, StrategyContext context) {
            ClassLoader tccl = Thread.currentThread().getContextClassLoader();
            String loader = tccl == getClass().getClassLoader() ? "plugin" : String.valueOf(tccl);
            return new ExitStrategy() {
              public String describe() { return name + "(tccl=" + loader + ")"; }
              public NDArray decide(ExitPoint point) {
                return point.sampleIds().zerosLike().toType(DataType.BOOLEAN, false);
              }
            };
          }
        }
        """);
    s.put(
        "fixture.good.GoodPlugin",
        """
        package fixture.good;
        import fixture.common.NamedStrategyFactory;
        import io.diffexit.api.*;
        import java.util.List;
        public final class GoodPlugin implements DiffexitPlugin {
          public List<ExitStrategyFactory> strategies() {
            return List.of(new NamedStrategyFactory("good-exit",
                "shadowed=" + io.diffexit.harness.plugins.Shadowed.origin()
                    + " private=" + OnlyInPlugin.tag()
                    + " harnessVisible=" + visible("io.diffexit.harness.plugins.Registry")
                    + " apiVisible=" + visible("io.diffexit.api.Params")));
          }
          private static boolean visible(String name) {
            try {
              Class.forName(name, false, GoodPlugin.class.getClassLoader());
              return true;
            } catch (ClassNotFoundException e) {
              return false;
            }
          }
        }
        """);
    s.put(
        "fixture.good.OnlyInPlugin",
        """
        package fixture.good;
        public final class OnlyInPlugin {
          public static String tag() { return "only-in-plugin"; }
        }
        """);
    s.put(
        "io.diffexit.harness.plugins.Shadowed",
        """
        package io.diffexit.harness.plugins;
        public final class Shadowed {
          public static String origin() { return "plugin"; }
        }
        """);
    s.put("fixture.two.FirstPlugin", plugin("fixture.two", "FirstPlugin", "first-exit"));
    s.put("fixture.two.SecondPlugin", plugin("fixture.two", "SecondPlugin", "second-exit"));
    s.put("fixture.dup.DupPlugin", plugin("fixture.dup", "DupPlugin", "test-builtin"));
    s.put("fixture.badname.BadNamePlugin", plugin("fixture.badname", "BadNamePlugin", "Bad_Name"));
    s.put(
        "fixture.boom.BoomPlugin",
        """
        package fixture.boom;
        import io.diffexit.api.*;
        import java.util.List;
        public final class BoomPlugin implements DiffexitPlugin {
          public List<ExitStrategyFactory> strategies() { throw new IllegalStateException("boom"); }
        }
        """);
    s.put(
        "fixture.withlib.LibPlugin",
        """
        package fixture.withlib;
        import fixture.common.NamedStrategyFactory;
        import io.diffexit.api.*;
        import java.util.List;
        public final class LibPlugin implements DiffexitPlugin {
          public List<ExitStrategyFactory> strategies() {
            return List.of(new NamedStrategyFactory(fixture.lib.Helper.name(), "needs its library jar"));
          }
        }
        """);
    s.put(
        "fixture.lib.Helper",
        """
        package fixture.lib;
        public final class Helper {
          public static String name() { return "lib-exit"; }
        }
        """);
    return s;
  }

  private static String plugin(String pkg, String className, String strategyName) {
    return "package " + pkg + ";\n"
        + "import fixture.common.NamedStrategyFactory;\n"
        + "import io.diffexit.api.*;\n"
        + "import java.util.List;\n"
        + "public final class " + className + " implements DiffexitPlugin {\n"
        + "  public List<ExitStrategyFactory> strategies() {\n"
        + "    return List.of(new NamedStrategyFactory(\"" + strategyName + "\", \"from " + className + "\"));\n"
        + "  }\n"
        + "}\n";
  }

  /** @return a folder with every fixture class compiled (once per JVM) */
  static synchronized Path fixtureClasses() throws IOException {
    if (fixtureClasses == null) {
      Path out = Files.createTempDirectory("diffexit-fixtures");
      List<JavaFileObject> units = new ArrayList<>();
      fixtureSources().forEach((name, code) -> units.add(new StringSource(name, code)));
      compile(units, out);
      fixtureClasses = out;
    }
    return fixtureClasses;
  }

  /** @return a folder with the example plugin's classes compiled from examples/strategy-plugin (once per JVM) */
  static synchronized Path exampleClasses() throws IOException {
    if (exampleClasses == null) {
      Path out = Files.createTempDirectory("diffexit-example");
      List<Path> sources;
      try (Stream<Path> walk = Files.walk(EXAMPLE.resolve("src/main/java"))) {
        sources = walk.filter(p -> p.toString().endsWith(".java")).sorted().toList();
      }
      JavaCompiler javac = javac();
      try (StandardJavaFileManager fm = javac.getStandardFileManager(null, null, UTF_8)) {
        List<JavaFileObject> units = new ArrayList<>();
        fm.getJavaFileObjectsFromPaths(sources).forEach(units::add);
        compile(units, out);
      }
      exampleClasses = out;
    }
    return exampleClasses;
  }

  /** @return the lines of the example project's services file */
  static List<String> exampleServices() throws IOException {
    return Files.readAllLines(EXAMPLE.resolve("src/main/resources/" + PluginLoader.SERVICES_ENTRY), UTF_8).stream()
        .map(String::trim)
        .filter(l -> !l.isEmpty() && !l.startsWith("#"))
        .toList();
  }

  private static JavaCompiler javac() {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    if (javac == null) {
      throw new IllegalStateException("the tests need a JDK (javax.tools.JavaCompiler), not a JRE");
    }
    return javac;
  }

  private static void compile(List<JavaFileObject> units, Path out) throws IOException {
    JavaCompiler javac = javac();
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    try (StandardJavaFileManager fm = javac.getStandardFileManager(diagnostics, null, UTF_8)) {
      fm.setLocation(StandardLocation.CLASS_OUTPUT, List.of(out.toFile()));
      List<String> options =
          List.of("--release", "17", "-proc:none", "-classpath", System.getProperty("java.class.path"));
      StringWriter log = new StringWriter();
      boolean ok = javac.getTask(log, fm, diagnostics, options, null, units).call();
      if (!ok) {
        throw new IllegalStateException("compiling test plugin sources failed: " + diagnostics.getDiagnostics() + log);
      }
    }
  }

  /** A plugin jar to write: which compiled classes, which services lines, which manifest attributes. */
  public static final class JarBuilder {
    private final Path classes;
    private final List<String> packages = new ArrayList<>();
    private List<String> services;
    private final Map<String, String> manifest = new LinkedHashMap<>();
    private final Map<String, byte[]> extra = new LinkedHashMap<>();

    private JarBuilder(Path classes) {
      this.classes = classes;
      manifest.put(PluginLoader.API_VERSION_ATTRIBUTE, "1");
    }

    /** Includes the classes whose binary name starts with {@code prefix} (e.g. {@code fixture.good.}). */
    JarBuilder classes(String... prefixes) {
      packages.addAll(List.of(prefixes));
      return this;
    }

    /** Writes {@code META-INF/services/io.diffexit.api.DiffexitPlugin} with these lines. */
    JarBuilder services(String... providerClasses) {
      services = List.of(providerClasses);
      return this;
    }

    /** Adds an entry with these bytes (e.g. a copy of an API class the plugin bundles by mistake). */
    JarBuilder entry(String name, byte[] bytes) {
      extra.put(name, bytes);
      return this;
    }

    /** Leaves the services file out. */
    JarBuilder noServices() {
      services = null;
      return this;
    }

    /** Sets a main manifest attribute; a {@code null} value removes it. */
    JarBuilder manifest(String name, String value) {
      if (value == null) {
        manifest.remove(name);
      } else {
        manifest.put(name, value);
      }
      return this;
    }

    /** Writes the jar and returns its path. */
    public Path writeTo(Path jar) throws IOException {
      Manifest mf = new Manifest();
      mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
      manifest.forEach((k, v) -> mf.getMainAttributes().putValue(k, v));
      Files.createDirectories(jar.toAbsolutePath().getParent());
      List<Path> files;
      try (Stream<Path> walk = Files.walk(classes)) {
        files = walk.filter(Files::isRegularFile).sorted().toList();
      }
      try (OutputStream os = Files.newOutputStream(jar);
          JarOutputStream out = new JarOutputStream(os, mf)) {
        for (Path file : files) {
          String entry = classes.relativize(file).toString().replace('\\', '/');
          String className = entry.replace('/', '.');
          if (packages.stream().anyMatch(className::startsWith)) {
            out.putNextEntry(new JarEntry(entry));
            out.write(Files.readAllBytes(file));
            out.closeEntry();
          }
        }
        for (Map.Entry<String, byte[]> e : extra.entrySet()) {
          out.putNextEntry(new JarEntry(e.getKey()));
          out.write(e.getValue());
          out.closeEntry();
        }
        if (services != null) {
          out.putNextEntry(new JarEntry(PluginLoader.SERVICES_ENTRY));
          out.write(String.join("\n", services).concat("\n").getBytes(UTF_8));
          out.closeEntry();
        }
      }
      return jar;
    }
  }

  /** @return a builder over the fixture classes */
  static JarBuilder fixtureJar() throws IOException {
    return new JarBuilder(fixtureClasses());
  }

  /** @return a builder for the example plugin jar, as its pom would build it (version 0.1.0) */
  public static JarBuilder exampleJar() throws IOException {
    return new JarBuilder(exampleClasses())
        .classes("io.diffexit.examples.")
        .services(exampleServices().toArray(String[]::new))
        .manifest("Implementation-Version", "0.1.0");
  }

  /**
   * A class loader on which the built-ins are exactly {@code providers} (the real built-ins of the class path are
   * hidden), so tests do not depend on what the other modules register.
   */
  static ClassLoader builtIns(Path dir, Class<?>... providers) throws IOException {
    Path services = dir.resolve(PluginLoader.SERVICES_ENTRY);
    Files.createDirectories(services.getParent());
    List<String> lines = Stream.of(providers).map(Class::getName).toList();
    Files.write(services, lines, UTF_8);
    URL root = dir.toUri().toURL();
    return new URLClassLoader(new URL[] {root}, TestPlugins.class.getClassLoader()) {
      @Override
      public Enumeration<URL> getResources(String name) throws IOException {
        return name.equals(PluginLoader.SERVICES_ENTRY) ? findResources(name) : super.getResources(name);
      }
    };
  }

  /** Java source held in a string. */
  private static final class StringSource extends SimpleJavaFileObject {
    private final String code;

    StringSource(String className, String code) {
      super(URI.create("string:///" + className.replace('.', '/') + Kind.SOURCE.extension), Kind.SOURCE);
      this.code = code;
    }

    @Override
    public CharSequence getCharContent(boolean ignoreEncodingErrors) {
      return code;
    }
  }
}
