package io.diffexit.strategies;

import static org.assertj.core.api.Assertions.assertThat;

import io.diffexit.api.DiffexitPlugin;
import io.diffexit.api.ExitStrategyFactory;
import io.diffexit.api.NamedFactory;
import io.diffexit.api.ParamSpec;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class BuiltinStrategiesPluginTest {

  @Test
  void serviceLoaderFindsThePluginWithEveryBuiltinStrategy() {
    List<DiffexitPlugin> plugins = ServiceLoader.load(DiffexitPlugin.class).stream()
        .map(ServiceLoader.Provider::get).filter(p -> p instanceof BuiltinStrategiesPlugin).toList();
    assertThat(plugins).hasSize(1);
    List<String> names = plugins.get(0).strategies().stream().map(ExitStrategyFactory::name).toList();
    assertThat(names).containsExactly("none", "fixed", "deediff", "berxit", "similarity", "schedule", "oracle",
        "block-cache", "deepcache", "step-skip");
  }

  @Test
  void namesFollowThePatternAndEveryParameterIsDocumented() {
    for (ExitStrategyFactory f : new BuiltinStrategiesPlugin().strategies()) {
      assertThat(f.name()).matches(NamedFactory.NAME_PATTERN);
      assertThat(f.description()).isNotBlank();
      for (ParamSpec p : f.params()) {
        assertThat(p.description()).as(f.name() + "." + p.name()).isNotBlank();
      }
    }
  }
}
