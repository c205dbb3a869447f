package io.diffexit.harness.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.diffexit.api.ParamSpec;
import io.diffexit.harness.plugins.ComponentInfo;
import io.diffexit.harness.plugins.ComponentKind;
import io.diffexit.harness.plugins.PluginProblem;
import io.diffexit.harness.plugins.Registries;
import io.diffexit.harness.plugins.Registry;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code diffexit list}: every backbone, exit strategy, sampler and feature extractor the harness can use, with its
 * origin (built-in or plugin jar) and version, its parameters, and the plugins that could not be loaded.
 */
@Command(
    name = "list",
    mixinStandardHelpOptions = true,
    description = {
      "List backbones, exit strategies, samplers and feature extractors: built-in and from the plugins folder.",
      "Plugins that could not be loaded are listed with the reason."
    })
public final class ListCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--json", description = "Print one JSON object {components: [...], problems: [...]}.")
  boolean json;

  @Option(
      names = "--plugins",
      paramLabel = "DIR",
      description = "Plugins folder (default: $DIFFEXIT_PLUGINS, else plugins/ in the current directory).")
  Path plugins;

  @Override
  public Integer call() throws Exception {
    Path dir = Registries.pluginsDir(plugins, System.getenv());
    Registry registry = Registries.create(dir);
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(toJson(registry));
    } else {
      printTable(registry, dir, out);
    }
    out.flush();
    return 0;
  }

  /**
   * @return {@code {"components": [{kind, name, description, origin, version, params: [{name, default,
   *     description}]}], "problems": [{path, reason}]}}, indented
   */
  static String toJson(Registry registry) throws Exception {
    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode root = mapper.createObjectNode();
    ArrayNode components = root.putArray("components");
    for (ComponentInfo c : registry.components()) {
      ObjectNode node = components.addObject();
      node.put("kind", c.kind());
      node.put("name", c.name());
      node.put("description", c.description());
      node.put("origin", c.origin());
      node.put("version", c.version());
      ArrayNode params = node.putArray("params");
      for (ParamSpec p : paramsOf(registry, c)) {
        ObjectNode pn = params.addObject();
        pn.put("name", p.name());
        if (p.defaultValue() == null) {
          pn.putNull("default");
        } else {
          pn.put("default", p.defaultValue());
        }
        pn.put("description", p.description());
      }
    }
    ArrayNode problems = root.putArray("problems");
    for (PluginProblem p : registry.problems()) {
      problems.addObject().put("path", p.path()).put("reason", p.reason());
    }
    return mapper.writeValueAsString(root);
  }

  private static List<ParamSpec> paramsOf(Registry registry, ComponentInfo c) {
    return registry.factory(ComponentKind.ofId(c.kind()), c.name()).params();
  }

  private static void printTable(Registry registry, Path dir, PrintWriter out) {
    List<ComponentInfo> components = registry.components();
    int kindWidth = "KIND".length();
    int nameWidth = "NAME".length();
    int originWidth = "ORIGIN".length();
    int versionWidth = "VERSION".length();
    for (ComponentInfo c : components) {
      kindWidth = Math.max(kindWidth, c.kind().length());
      nameWidth = Math.max(nameWidth, c.name().length());
      originWidth = Math.max(originWidth, c.origin().length());
      versionWidth = Math.max(versionWidth, c.version().length());
    }
    String row = "%-" + kindWidth + "s  %-" + nameWidth + "s  %-" + originWidth + "s  %-" + versionWidth + "s  %s%n";
    out.printf(row, "KIND", "NAME", "ORIGIN", "VERSION", "DESCRIPTION");
    for (ComponentInfo c : components) {
      out.printf(row, c.kind(), c.name(), c.origin(), c.version(), c.description());
      for (ParamSpec p : paramsOf(registry, c)) {
        String value = p.defaultValue() == null ? "(required)" : "=" + p.defaultValue();
        out.printf("%" + (kindWidth + 2) + "s    %s%s  %s%n", "", p.name(), value, p.description());
      }
    }
    if (components.isEmpty()) {
      out.println("(no components)");
    }
    List<PluginProblem> problems = registry.problems();
    out.println();
    if (!java.nio.file.Files.isDirectory(dir)) {
      out.println("Plugins folder " + dir + " does not exist: built-ins only.");
    } else {
      out.println(problems.isEmpty() ? "Plugins folder " + dir + ": every plugin loaded." : "Plugins not loaded:");
    }
    for (PluginProblem p : problems) {
      out.println("  " + p.path() + ": " + p.reason());
    }
  }
}
