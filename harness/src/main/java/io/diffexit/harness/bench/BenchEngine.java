package io.diffexit.harness.bench;

import io.diffexit.harness.UserError;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * A way to run a benchmark's cells other than one after another in this process, chosen with
 * {@code diffexit bench --engine NAME}. Engines are found with {@link ServiceLoader} on the class path, so the harness
 * does not depend on them: the optional {@code diffexit-spark} module provides {@code spark}.
 */
public interface BenchEngine {

  /** The name of the in-process engine, the default. */
  String LOCAL = "local";

  /** @return the name given to {@code --engine}, e.g. {@code spark} */
  String name();

  /**
   * @param local the in-process wiring, whose registry, checkpoint probe and cell code the engine reuses
   * @param options the engine's options from the command line ({@code master}, {@code shard-samples}); absent keys
   *     take the engine's defaults
   * @return the wiring whose executor runs the cells on this engine
   * @throws UserError for options the engine cannot use
   */
  BenchWiring wiring(BenchWiring local, Map<String, String> options);

  /**
   * @param name {@value #LOCAL} or an engine's name
   * @param local the in-process wiring
   * @param options engine options; must be empty for {@value #LOCAL}
   * @return the wiring to run with
   * @throws UserError for an unknown engine (naming the known ones and how to build the Spark one) or options given
   *     to the local engine
   */
  static BenchWiring select(String name, BenchWiring local, Map<String, String> options) {
    if (LOCAL.equals(name)) {
      if (!options.isEmpty()) {
        throw new UserError("--" + options.keySet().iterator().next() + " needs a distributed engine (--engine spark); "
            + "the local engine runs the cells in this process");
      }
      return local;
    }
    List<String> known = new ArrayList<>(List.of(LOCAL));
    for (BenchEngine engine : ServiceLoader.load(BenchEngine.class, BenchEngine.class.getClassLoader())) {
      if (engine.name().equals(name)) {
        return engine.wiring(local, options);
      }
      known.add(engine.name());
    }
    throw new UserError("unknown --engine '" + name + "'; known: " + known
        + ("spark".equals(name) ? " (the spark engine is the optional diffexit-spark module: build it with "
            + "`mvn -pl spark -am -DskipTests package` and run through bin/diffexit, which then puts it on the class "
            + "path)" : ""));
  }
}
