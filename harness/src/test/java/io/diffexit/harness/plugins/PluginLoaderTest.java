package io.diffexit.harness.plugins;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.diffexit.api.DiffexitApi;
import io.diffexit.api.DiffexitPlugin;
import io.diffexit.api.ExitStrategyFactory;
import io.diffexit.api.Params;
import io.diffexit.api.StrategyContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Discovery of built-ins and plugin jars/folders, isolation, and every way a plugin can be refused. */
class PluginLoaderTest {

  @TempDir Path tmp;
  private Path plugins;
  private ClassLoader builtIns;

  @BeforeEach
  void setUp() throws IOException {
    plugins = Files.createDirectories(tmp.resolve("plugins"));
    builtIns = TestPlugins.builtIns(tmp.resolve("builtins"), TestBuiltinPlugin.class);
  }

  private LoadedPlugins load() {
    return new PluginLoader(builtIns).load(plugins);
  }

  private static TestPlugins.JarBuilder good() throws IOException {
    return TestPlugins.fixtureJar()
        .classes("fixture.good.", "fixture.common.", "io.diffexit.harness.plugins.Shadowed")
        .services("fixture.good.GoodPlugin");
  }

  private static LoadedPlugins.Component strategy(LoadedPlugins loaded, String name) {
    LoadedPlugins.Component c = loaded.components(ComponentKind.STRATEGY).get(name);
    assertThat(c).as("strategy " + name).isNotNull();
    return c;
  }

  @Test
  void withoutAPluginsFolderOnlyTheBuiltInsAreLoaded() {
    LoadedPlugins loaded = new PluginLoader(builtIns).load(tmp.resolve("no-such-folder"));

    assertThat(loaded.components())
        .extracting(LoadedPlugins.Component::info)
        .containsExactly(
            new ComponentInfo("strategy", "test-builtin", "test strategy test-builtin", "built-in", "unknown"));
    assertThat(loaded.problems()).isEmpty();
  }

  @Test
  void aJarPluginIsRegisteredWithItsPathAndImplementationVersion() throws IOException {
    Path jar = good().manifest("Implementation-Version", "2.3.1").writeTo(plugins.resolve("good.jar"));

    LoadedPlugins loaded = load();

    LoadedPlugins.Component c = strategy(loaded, "good-exit");
    assertThat(c.origin()).isEqualTo(jar.toString());
    assertThat(c.version()).isEqualTo("2.3.1");
    assertThat(c.provider()).isEqualTo("fixture.good.GoodPlugin");
    assertThat(loaded.components()).extracting(LoadedPlugins.Component::name)
        .containsExactly("good-exit", "test-builtin");
    assertThat(loaded.problems()).isEmpty();
  }

  @Test
  void pluginClassesArePrivateAndOnlyTheApiIsShared() throws IOException {
    good().writeTo(plugins.resolve("good.jar"));

    LoadedPlugins.Component c = strategy(load(), "good-exit");

    // Computed inside the plugin: its own Shadowed and OnlyInPlugin, no harness classes, the host's API.
    assertThat(c.factory().description())
        .isEqualTo("shadowed=plugin private=only-in-plugin harnessVisible=false apiVisible=true");
    assertThat(Shadowed.origin()).isEqualTo("harness");
    assertThatThrownBy(() -> Class.forName("fixture.good.OnlyInPlugin", false, getClass().getClassLoader()))
        .isInstanceOf(ClassNotFoundException.class);
  }

  @Test
  void aPluginThatBundlesItsOwnCopyOfTheApiStillUsesTheHarnessApi() throws IOException {
    byte[] apiClass;
    try (var in = DiffexitPlugin.class.getResourceAsStream("DiffexitPlugin.class")) {
      apiClass = in.readAllBytes();
    }
    good().entry("io/diffexit/api/DiffexitPlugin.class", apiClass).writeTo(plugins.resolve("bundles-api.jar"));

    LoadedPlugins loaded = load();

    // Had the plugin's copy been used, its GoodPlugin would not be a subtype of the harness's DiffexitPlugin.
    assertThat(loaded.problems()).isEmpty();
    assertThat(strategy(loaded, "good-exit").factory().description()).contains("apiVisible=true");
  }

  @Test
  void factoryCallsRunWithThePluginAsContextClassLoaderAndRestoreIt() throws IOException {
    good().writeTo(plugins.resolve("good.jar"));
    ClassLoader before = Thread.currentThread().getContextClassLoader();

    LoadedPlugins loaded = load();
    String described = Registries.create(loaded)
        .strategy("good-exit")
        .create(Params.empty(), new StrategyContext(null, null, null))
        .describe();

    assertThat(described).isEqualTo("good-exit(tccl=plugin)");
    assertThat(Thread.currentThread().getContextClassLoader()).isSameAs(before);
  }

  @Test
  void aFolderOfJarsIsOnePluginWithOneClassPath() throws IOException {
    Path folder = plugins.resolve("with-lib");
    TestPlugins.fixtureJar()
        .classes("fixture.withlib.", "fixture.common.")
        .services("fixture.withlib.LibPlugin")
        .manifest("Implementation-Version", "0.9")
        .writeTo(folder.resolve("plugin.jar"));
    TestPlugins.fixtureJar().classes("fixture.lib.").manifest(PluginLoader.API_VERSION_ATTRIBUTE, null)
        .writeTo(folder.resolve("helper-lib.jar"));

    LoadedPlugins loaded = load();

    LoadedPlugins.Component c = strategy(loaded, "lib-exit");
    assertThat(c.origin()).isEqualTo(folder.toString());
    assertThat(c.version()).isEqualTo("0.9");
    assertThat(loaded.problems()).isEmpty();
  }

  @Test
  void aJarWithoutServicesEntryIsAProblem() throws IOException {
    Path jar = good().noServices().writeTo(plugins.resolve("plain.jar"));

    assertThat(load().problems())
        .containsExactly(new PluginProblem(
            jar.toString(),
            "no META-INF/services/io.diffexit.api.DiffexitPlugin entry; a plugin registers exactly one"
                + " DiffexitPlugin implementation there"));
  }

  @Test
  void aJarWithTwoPluginEntriesIsAProblem() throws IOException {
    Path jar = TestPlugins.fixtureJar()
        .classes("fixture.two.", "fixture.common.")
        .services("fixture.two.FirstPlugin", "fixture.two.SecondPlugin")
        .writeTo(plugins.resolve("two.jar"));

    LoadedPlugins loaded = load();

    assertThat(loaded.problems())
        .containsExactly(new PluginProblem(
            jar.toString(),
            "registers 2 DiffexitPlugin implementations (fixture.two.FirstPlugin, fixture.two.SecondPlugin);"
                + " a plugin registers exactly one"));
    assertThat(loaded.components(ComponentKind.STRATEGY)).doesNotContainKeys("first-exit", "second-exit");
  }

  @Test
  void aJarBuiltForAnotherApiVersionIsAProblem() throws IOException {
    Path jar = good().manifest(PluginLoader.API_VERSION_ATTRIBUTE, "99").writeTo(plugins.resolve("future.jar"));
    int served = DiffexitApi.version();

    LoadedPlugins loaded = load();

    assertThat(loaded.problems())
        .containsExactly(new PluginProblem(
            jar.toString(),
            "built for Diffexit-Api-Version 99, but this harness serves " + served
                + "; rebuild it against diffexit-api with Diffexit-Api-Version " + served));
    assertThat(loaded.components(ComponentKind.STRATEGY)).doesNotContainKey("good-exit");
  }

  @Test
  void aJarWithoutApiVersionIsRefusedWithHowToDeclareIt() throws IOException {
    Path jar = good().manifest(PluginLoader.API_VERSION_ATTRIBUTE, null).writeTo(plugins.resolve("handmade.jar"));

    LoadedPlugins loaded = load();

    assertThat(loaded.components(ComponentKind.STRATEGY)).doesNotContainKey("good-exit");
    assertThat(loaded.problems()).containsExactly(new PluginProblem(jar.toString(), "declares no Diffexit-Api-Version"
        + " in its manifest; build it with the parent io.diffexit:diffexit-plugin-parent (see examples/strategy-plugin)"
        + " or add the manifest attribute Diffexit-Api-Version: " + DiffexitApi.version()));
  }

  @Test
  void anUnknownNameAlsoNamesThePluginsThatWereNotLoaded() throws IOException {
    Path jar = good().noServices().writeTo(plugins.resolve("plain.jar"));

    Registry registry = Registries.create(new PluginLoader(builtIns).load(plugins));

    assertThatThrownBy(() -> registry.strategy("good-exit")).hasMessage("Unknown exit strategy 'good-exit'; known:"
        + " [test-builtin]; plugins not loaded: " + jar + " (no META-INF/services/io.diffexit.api.DiffexitPlugin"
        + " entry; a plugin registers exactly one DiffexitPlugin implementation there)");
    assertThatThrownBy(() -> Registries.create(new PluginLoader(builtIns).load(tmp.resolve("none"))).strategy("x"))
        .as("without problems the message is as before").hasMessage("Unknown exit strategy 'x'; known: [test-builtin]");
  }

  @Test
  void aCorruptJarIsAProblem() throws IOException {
    Path jar = Files.writeString(plugins.resolve("corrupt.jar"), "this is not a zip file", StandardCharsets.UTF_8);

    assertThat(load().problems())
        .containsExactly(new PluginProblem(
            jar.toString(),
            "not a readable jar (java.util.zip.ZipException: zip END header not found); rebuild it or remove it"
                + " from the plugins folder"));
  }

  @Test
  void aCorruptJarInsideAPluginFolderIsNamed() throws IOException {
    Path folder = plugins.resolve("broken");
    good().writeTo(folder.resolve("plugin.jar"));
    Files.writeString(folder.resolve("dep.jar"), "garbage", StandardCharsets.UTF_8);

    assertThat(load().problems())
        .containsExactly(new PluginProblem(
            folder.toString(),
            "dep.jar is not a readable jar (java.util.zip.ZipException: zip END header not found); rebuild it or"
                + " remove it from the plugins folder"));
  }

  @Test
  void aPluginGetterThatThrowsIsAProblem() throws IOException {
    Path jar = TestPlugins.fixtureJar()
        .classes("fixture.boom.")
        .services("fixture.boom.BoomPlugin")
        .writeTo(plugins.resolve("boom.jar"));

    assertThat(load().problems())
        .containsExactly(new PluginProblem(
            jar.toString(), "fixture.boom.BoomPlugin.strategies() failed: java.lang.IllegalStateException: boom"));
  }

  @Test
  void aServicesEntryNamingAMissingClassIsAProblem() throws IOException {
    Path jar = good().services("fixture.good.NoSuchPlugin").writeTo(plugins.resolve("typo.jar"));

    assertThat(load().problems())
        .containsExactly(new PluginProblem(
            jar.toString(),
            "its services entry is broken (java.util.ServiceConfigurationError: io.diffexit.api.DiffexitPlugin:"
                + " Provider fixture.good.NoSuchPlugin not found)"));
  }

  @Test
  void aFactoryNameOutsideThePatternIsAProblem() throws IOException {
    Path jar = TestPlugins.fixtureJar()
        .classes("fixture.badname.", "fixture.common.")
        .services("fixture.badname.BadNamePlugin")
        .writeTo(plugins.resolve("badname.jar"));

    assertThat(load().problems())
        .containsExactly(new PluginProblem(
            jar.toString(),
            "exit strategy factory fixture.common.NamedStrategyFactory has name 'Bad_Name'; names must match"
                + " [a-z][a-z0-9-]*"));
  }

  @Test
  void anEmptyPluginFolderIsAProblemAndOtherFilesAreIgnored() throws IOException {
    Path empty = Files.createDirectories(plugins.resolve("empty"));
    Files.writeString(plugins.resolve("README.txt"), "not a plugin", StandardCharsets.UTF_8);

    assertThat(load().problems())
        .containsExactly(new PluginProblem(
            empty.toString(),
            "folder contains no .jar file; a plugin folder holds the plugin jar and its dependencies"));
  }

  @Test
  void brokenPluginsDoNotStopTheOthers() throws IOException {
    Path boom = TestPlugins.fixtureJar()
        .classes("fixture.boom.")
        .services("fixture.boom.BoomPlugin")
        .writeTo(plugins.resolve("a-boom.jar"));
    Path corrupt = Files.writeString(plugins.resolve("b-corrupt.jar"), "junk", StandardCharsets.UTF_8);
    good().writeTo(plugins.resolve("c-good.jar"));

    LoadedPlugins loaded = load();

    assertThat(loaded.components(ComponentKind.STRATEGY)).containsKeys("good-exit", "test-builtin");
    assertThat(loaded.problems()).extracting(PluginProblem::path)
        .containsExactly(boom.toString(), corrupt.toString());
  }

  @Test
  void aNameTakenByABuiltInFailsNamingBothOrigins() throws IOException {
    Path jar = TestPlugins.fixtureJar()
        .classes("fixture.dup.", "fixture.common.")
        .services("fixture.dup.DupPlugin")
        .writeTo(plugins.resolve("dup.jar"));

    assertThatThrownBy(this::load)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Duplicate exit strategy 'test-builtin': built-in and " + jar + "; remove one of them");
  }

  @Test
  void aNameTakenByAnotherPluginFailsNamingBothOrigins() throws IOException {
    Path first = good().writeTo(plugins.resolve("a.jar"));
    Path second = good().writeTo(plugins.resolve("b.jar"));

    assertThatThrownBy(this::load)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Duplicate exit strategy 'good-exit': " + first + " and " + second + "; remove one of them");
  }

  @Test
  void twoBuiltInsWithTheSameNameFailNamingTheirClasses() throws IOException {
    ClassLoader twice = TestPlugins.builtIns(tmp.resolve("twice"), TestBuiltinPlugin.class, TwinBuiltinPlugin.class);

    assertThatThrownBy(() -> new PluginLoader(twice).load(plugins))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "Duplicate exit strategy 'test-builtin': built-in (io.diffexit.harness.plugins.TestBuiltinPlugin) and"
                + " built-in (io.diffexit.harness.plugins.PluginLoaderTest$TwinBuiltinPlugin); remove one of them");
  }

  @Test
  void aPluginsPathThatIsAFileFails() throws IOException {
    Path file = Files.writeString(tmp.resolve("plugins.txt"), "x", StandardCharsets.UTF_8);

    assertThatThrownBy(() -> new PluginLoader(builtIns).load(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("plugins folder '" + file + "' is not a folder; point --plugins or DIFFEXIT_PLUGINS at a folder");
  }

  /** A second built-in that reuses {@link TestBuiltinPlugin}'s name. */
  public static final class TwinBuiltinPlugin implements DiffexitPlugin {
    @Override
    public List<ExitStrategyFactory> strategies() {
      return List.of(new NeverExitStrategyFactory("test-builtin"));
    }
  }
}
