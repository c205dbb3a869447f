package io.diffexit.harness.bench;

import io.diffexit.api.DecisionMode;
import io.diffexit.api.NamedFactory;
import io.diffexit.api.ParamSpec;
import io.diffexit.harness.plugins.Registry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Expands an experiment into its grid: the product of every backbone, sampler and strategy variant (list-valued
 * parameters expand), minus the combinations that make no sense:
 *
 * <ul>
 *   <li>an instance's {@code requires} names other instances of a kind, and the cell has another one;
 *   <li>a strategy's {@code checkpoint} was trained on another backbone checkpoint than the cell's (as the
 *       {@link CheckpointProbe} reports);
 *   <li>{@code decision: per-batch} for a strategy whose factory declares that its exits do not depend on the
 *       sample ({@link io.diffexit.api.ExitStrategyFactory#decidesIndependentlyOfSamples}, e.g. {@code none},
 *       {@code fixed}, {@code schedule}): it would duplicate the per-sample cell.
 * </ul>
 */
public final class GridBuilder {

  private GridBuilder() {}

  /**
   * @return the grid with no checkpoint knowledge ({@link CheckpointProbe#UNKNOWN}) and no strategy traits
   *     ({@link StrategyTraits#UNKNOWN}: no baselines, no per-batch duplicates rejected)
   */
  public static Grid build(Experiment experiment) {
    return build(experiment, CheckpointProbe.UNKNOWN, StrategyTraits.UNKNOWN);
  }

  /**
   * @param experiment the experiment
   * @param probe tells which backbone checkpoint a strategy checkpoint belongs to
   * @param traits which strategy types run the full model (baselines) and decide independently of the samples
   * @return the cells, the rejected combinations and each cell's baseline
   * @throws IllegalArgumentException if two cells would get the same id
   */
  public static Grid build(Experiment experiment, CheckpointProbe probe, StrategyTraits traits) {
    List<Cell> cells = new ArrayList<>();
    List<RejectedCell> rejected = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    for (InstanceSpec b : experiment.backbones()) {
      for (Map<String, String> bp : b.expand()) {
        Component backbone = new Component("backbone", b.id(), b.type(), bp, b.listKeys());
        for (InstanceSpec sa : experiment.samplers()) {
          for (Map<String, String> sp : sa.expand()) {
            Component sampler = new Component("sampler", sa.id(), sa.type(), sp, sa.listKeys());
            for (InstanceSpec st : experiment.strategies()) {
              for (Map<String, String> stp : st.expand()) {
                Map<String, String> params = new LinkedHashMap<>(stp);
                String d = params.remove("decision");
                DecisionMode mode = d == null ? DecisionMode.PER_SAMPLE
                    : ExperimentParser.decisionMode(d, "strategies." + st.id() + ".decision");
                List<String> varied = new ArrayList<>(st.listKeys());
                boolean decisionVaried = varied.remove("decision");
                Component strategy = new Component("strategy", st.id(), st.type(), params, varied);
                Cell cell = new Cell(backbone, sampler, strategy, mode, decisionVaried);
                if (!ids.add(cell.id())) {
                  throw new IllegalArgumentException("two cells have the id '" + cell.id()
                      + "'; give the instances distinct ids or write the differing parameter as a list");
                }
                Optional<String> reason = rejection(experiment, cell, b, sa, st, probe, traits);
                if (reason.isPresent()) {
                  rejected.add(new RejectedCell(cell.id(), reason.get()));
                } else {
                  cells.add(cell);
                }
              }
            }
          }
        }
      }
    }
    Map<Cell, Cell> baselines = new LinkedHashMap<>();
    for (Cell c : cells) {
      Cell base = Comparison.baselineOf(c, cells, traits);
      if (base != null) {
        baselines.put(c, base);
      }
    }
    return new Grid(cells, rejected, baselines);
  }

  private static Optional<String> rejection(
      Experiment experiment, Cell cell, InstanceSpec b, InstanceSpec sa, InstanceSpec st, CheckpointProbe probe,
      StrategyTraits traits) {
    Map<String, String> idsByKind = Map.of("backbone", b.id(), "sampler", sa.id(), "strategy", st.id());
    for (InstanceSpec inst : List.of(b, sa, st)) {
      for (Map.Entry<String, List<String>> req : inst.requires().entrySet()) {
        String other = idsByKind.get(req.getKey());
        if (!req.getValue().contains(other)) {
          return Optional.of(inst.kind() + " '" + inst.id() + "' requires " + req.getKey() + " "
              + req.getValue() + ", not '" + other + "'");
        }
      }
    }
    String strategyCheckpoint = cell.strategy().params().get("checkpoint");
    if (strategyCheckpoint != null) {
      String backboneCheckpoint = cell.backbone().params().get("checkpoint");
      Optional<String> wrongBase =
          wrongBackboneCheckpoint(experiment.resolve(strategyCheckpoint), backboneCheckpoint, experiment, probe);
      if (wrongBase.isPresent()) {
        return Optional.of("strategy '" + st.id() + "' checkpoint " + strategyCheckpoint + " " + wrongBase.get()
            + ", not on backbone '" + b.id() + "' (" + Objects.requireNonNullElse(backboneCheckpoint, "no checkpoint")
            + ")");
      }
    }
    if (cell.decision() == DecisionMode.PER_BATCH && traits.decidesIndependentlyOfSamples(st.type())) {
      return Optional.of("decision per-batch equals per-sample for strategy type '" + st.type()
          + "' (its exits do not depend on the sample)");
    }
    return Optional.empty();
  }

  /**
   * A strategy checkpoint fits a backbone checkpoint that it was fine-tuned from, directly or through other fine-tunes
   * (a whole-model fine-tune that continues a frozen-trunk one still starts from that trunk's base).
   *
   * @return empty when it fits or the probe cannot tell; else "was trained on backbone checkpoint P" and the chain
   */
  private static Optional<String> wrongBackboneCheckpoint(
      Path strategyCheckpoint, String backboneCheckpoint, Experiment experiment, CheckpointProbe probe) {
    Path expected = backboneCheckpoint == null ? null
        : experiment.resolve(backboneCheckpoint).toAbsolutePath().normalize();
    List<Path> chain = new ArrayList<>();
    for (Optional<Path> parent = probe.backboneCheckpointOf(strategyCheckpoint); parent.isPresent();
        parent = probe.backboneCheckpointOf(chain.get(chain.size() - 1))) {
      Path p = parent.get().toAbsolutePath().normalize();
      if (p.equals(expected)) {
        return Optional.empty();
      }
      if (chain.contains(p)) {
        break; // the parents loop
      }
      chain.add(p);
    }
    if (chain.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of("was trained on backbone checkpoint " + chain.get(0)
        + (chain.size() == 1 ? "" : " (fine-tuned from " + chain.subList(1, chain.size()).stream()
            .map(Path::toString).collect(Collectors.joining(", from ")) + ")"));
  }

  /**
   * Checks every instance against the registered factories: the type exists and every parameter is one the factory
   * declares (Trino/Airlift style: a typo fails instead of being ignored).
   *
   * @throws IllegalArgumentException naming the instance path, e.g.
   *     {@code strategies.uem: unknown parameter 'treshold' of exit strategy 'deediff'; known: [patience, threshold]}
   */
  public static void checkAgainst(Experiment experiment, Registry registry) {
    check(experiment.backbones(), "backbones", "backbone", t -> registry.backbone(t));
    check(experiment.samplers(), "samplers", "sampler", t -> registry.sampler(t));
    List<InstanceSpec> plain = new ArrayList<>();
    for (InstanceSpec inst : experiment.strategies()) {
      if (inst.type().contains("+")) {
        checkComposed(inst, registry);
      } else {
        plain.add(inst);
      }
    }
    check(plain, "strategies", "exit strategy", t -> registry.strategy(t));
  }

  /**
   * A composed strategy ({@code type: block-cache+deediff}): the pair must combine, its own parameters belong to the
   * step-reuse part and those under the exit part's name ({@code deediff: {threshold: 0.7}}) to the exit part.
   */
  private static void checkComposed(InstanceSpec inst, Registry registry) {
    String path = "strategies." + inst.id();
    io.diffexit.harness.ComponentSpec spec =
        new io.diffexit.harness.ComponentSpec(inst.type(), io.diffexit.api.Params.empty());
    Optional<String> reason;
    try {
      reason = io.diffexit.harness.runner.StrategyComposition.rejection(spec, registry);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(path + ": " + e.getMessage(), e);
    }
    if (reason.isPresent()) {
      throw new IllegalArgumentException(path + ": " + reason.get());
    }
    List<io.diffexit.harness.ComponentSpec> parts = spec.parts();
    String prefix = parts.get(1).name() + ".";
    Map<String, List<String>> first = new LinkedHashMap<>();
    Map<String, List<String>> second = new LinkedHashMap<>();
    inst.params().forEach((k, v) -> {
      if (k.startsWith(prefix)) {
        second.put(k.substring(prefix.length()), v);
      } else {
        first.put(k, v);
      }
    });
    check(List.of(new InstanceSpec("strategy", inst.id(), parts.get(0).name(), first, List.of(), Map.of())),
        "strategies", "exit strategy", t -> registry.strategy(t));
    check(List.of(new InstanceSpec("strategy", inst.id() + "." + parts.get(1).name(), parts.get(1).name(), second,
            List.of(), Map.of())), "strategies", "exit strategy", t -> registry.strategy(t));
  }

  private static void check(List<InstanceSpec> instances, String group, String kindLabel,
      java.util.function.Function<String, ? extends NamedFactory> lookup) {
    for (InstanceSpec inst : instances) {
      String path = group + "." + inst.id();
      NamedFactory factory;
      try {
        factory = lookup.apply(inst.type());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(path + ": " + e.getMessage(), e);
      }
      Set<String> known = new TreeSet<>();
      for (ParamSpec p : factory.params()) {
        known.add(p.name());
      }
      for (String key : inst.params().keySet()) {
        if (key.equals("decision") && inst.kind().equals("strategy")) {
          continue;
        }
        // The checkpoint folder is the benchmark's business (which weights to load), not the factory's.
        if (key.equals("checkpoint") && !inst.kind().equals("sampler")) {
          continue;
        }
        if (!known.contains(key)) {
          throw new IllegalArgumentException(path + ": unknown parameter '" + key + "' of " + kindLabel + " '"
              + inst.type() + "'; known: " + known);
        }
      }
    }
  }
}
