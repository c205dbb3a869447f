package io.diffexit.harness.plugins;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Key;
import com.google.inject.TypeLiteral;
import com.google.inject.multibindings.MapBinder;
import io.diffexit.api.BackboneFactory;
import io.diffexit.api.ExitStrategyFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Guice-built registry: lookups by name, unknown-name messages, listing, composition into other injectors. */
class RegistryTest {

  @TempDir Path tmp;
  private LoadedPlugins loaded;
  private Path goodJar;

  @BeforeEach
  void setUp() throws IOException {
    Path plugins = Files.createDirectories(tmp.resolve("plugins"));
    goodJar = TestPlugins.fixtureJar()
        .classes("fixture.good.", "fixture.common.", "io.diffexit.harness.plugins.Shadowed")
        .services("fixture.good.GoodPlugin")
        .manifest("Implementation-Version", "1.2")
        .writeTo(plugins.resolve("good.jar"));
    Files.writeString(plugins.resolve("corrupt.jar"), "junk");
    ClassLoader builtIns = TestPlugins.builtIns(tmp.resolve("builtins"), TestBuiltinPlugin.class);
    loaded = new PluginLoader(builtIns).load(plugins);
  }

  @Test
  void findsBuiltInAndPluginFactoriesByName() {
    Registry registry = Registries.create(loaded);

    assertThat(registry.strategy("test-builtin").description()).isEqualTo("test strategy test-builtin");
    assertThat(registry.strategy("good-exit").name()).isEqualTo("good-exit");
    assertThat(registry.factory(ComponentKind.STRATEGY, "good-exit").name()).isEqualTo("good-exit");
  }

  @Test
  void unknownNamesListTheKnownOnesForEveryKind() {
    Registry registry = Registries.create(loaded);

    assertThatThrownBy(() -> registry.strategy("nope"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Unknown exit strategy 'nope'; known: [good-exit, test-builtin]; plugins not loaded: ")
        .hasMessageContaining("corrupt.jar (not a readable jar");
    assertThatThrownBy(() -> registry.backbone("uvit-xl"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Unknown backbone 'uvit-xl'; known: []; plugins not loaded: ");
    assertThatThrownBy(() -> registry.sampler("ddim"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Unknown sampler 'ddim'; known: []; plugins not loaded: ");
    assertThatThrownBy(() -> registry.featureExtractor("inception"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Unknown feature extractor 'inception'; known: []; plugins not loaded: ");
  }

  @Test
  void componentsCarryKindOriginAndVersionAndProblemsAreKept() {
    Registry registry = Registries.create(loaded);

    assertThat(registry.components())
        .containsExactly(
            new ComponentInfo(
                "strategy",
                "good-exit",
                "shadowed=plugin private=only-in-plugin harnessVisible=false apiVisible=true",
                goodJar.toString(),
                "1.2"),
            new ComponentInfo("strategy", "test-builtin", "test strategy test-builtin", "built-in", "unknown"));
    assertThat(registry.problems()).extracting(PluginProblem::path)
        .containsExactly(tmp.resolve("plugins").resolve("corrupt.jar").toString());
  }

  @Test
  void pluginModuleComposesIntoAnotherInjectorThatAddsEntries() {
    Injector injector = Guice.createInjector(new PluginModule(loaded), new AbstractModule() {
      @Override
      protected void configure() {
        MapBinder.newMapBinder(binder(), String.class, ExitStrategyFactory.class)
            .addBinding("extra")
            .toInstance(new NeverExitStrategyFactory("extra"));
      }
    });

    Map<String, ExitStrategyFactory> strategies =
        injector.getInstance(Key.get(new TypeLiteral<Map<String, ExitStrategyFactory>>() {}));
    Map<String, BackboneFactory> backbones =
        injector.getInstance(Key.get(new TypeLiteral<Map<String, BackboneFactory>>() {}));
    assertThat(strategies).containsOnlyKeys("extra", "good-exit", "test-builtin");
    assertThat(backbones).isEmpty();
    assertThat(injector.getInstance(Registry.class).strategy("extra").name()).isEqualTo("extra");
  }

  @Test
  void theRegistryIsASingletonOfItsInjector() {
    Injector injector = Guice.createInjector(new PluginModule(loaded));

    assertThat(injector.getInstance(Registry.class)).isSameAs(injector.getInstance(Registry.class));
  }

  @Test
  void thePluginsFolderDefaultsToPluginsUnlessTheEnvironmentNamesOne() {
    assertThat(Registries.defaultPluginsDir(Map.of())).isEqualTo(Path.of("plugins"));
    assertThat(Registries.defaultPluginsDir(Map.of("DIFFEXIT_PLUGINS", " "))).isEqualTo(Path.of("plugins"));
    assertThat(Registries.defaultPluginsDir(Map.of("DIFFEXIT_PLUGINS", "/opt/diffexit/plugins")))
        .isEqualTo(Path.of("/opt/diffexit/plugins"));
  }

  @Test
  void aPluginsFolderNamedByOptionOrEnvironmentMustExist() throws java.io.IOException {
    Path gone = tmp.resolve("nonexistent");
    assertThatThrownBy(() -> Registries.pluginsDir(gone, Map.of())).hasMessage("plugins folder " + gone
        + " (--plugins) not found; point --plugins at the folder holding the plugin jars");
    assertThatThrownBy(() -> Registries.pluginsDir(null, Map.of("DIFFEXIT_PLUGINS", gone.toString()))).hasMessage(
        "plugins folder " + gone + " ($DIFFEXIT_PLUGINS) not found; point $DIFFEXIT_PLUGINS at the folder holding the"
            + " plugin jars");
    Path file = java.nio.file.Files.writeString(tmp.resolve("a-file"), "x");
    assertThatThrownBy(() -> Registries.pluginsDir(file, Map.of())).hasMessageContaining(" is not a folder;");
    assertThat(Registries.pluginsDir(null, Map.of())).as("the default may be missing").isEqualTo(Path.of("plugins"));
    assertThat(Registries.pluginsDir(tmp, Map.of())).isEqualTo(tmp);
  }

  @Test
  void aMissingPluginsFolderGivesTheClassPathBuiltInsWithoutProblems() {
    Registry registry = Registries.create(tmp.resolve("absent"));

    assertThat(registry.problems()).isEmpty();
    assertThat(registry.components()).allSatisfy(c -> assertThat(c.origin()).isEqualTo("built-in"));
  }
}
