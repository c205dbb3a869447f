package io.diffexit.harness.bench;

import io.diffexit.api.DecisionMode;
import java.util.Objects;

/**
 * One point of an experiment's grid: a backbone, a sampler and a strategy with resolved parameters, and the exit
 * decision mode. Its {@link #id()} is stable across runs as long as the instance ids and the varied values stay the
 * same: {@code backbone/sampler/strategy}, each with its varied parameters, e.g.
 * {@code uvit/ddim50/uem[threshold=0.9]}.
 *
 * @param backbone the backbone instance
 * @param sampler the sampler instance
 * @param strategy the exit strategy instance (without the {@code decision} key)
 * @param decision whether exits are decided per sample or per batch
 * @param decisionVaried whether {@code decision} was written as a list, so that it appears in the id
 */
public record Cell(Component backbone, Component sampler, Component strategy, DecisionMode decision,
    boolean decisionVaried) {

  public Cell {
    Objects.requireNonNull(backbone, "backbone");
    Objects.requireNonNull(sampler, "sampler");
    Objects.requireNonNull(strategy, "strategy");
    Objects.requireNonNull(decision, "decision");
  }

  /** @return the stable id, e.g. {@code uvit/ddim50/uem[threshold=0.9]} or {@code uvit/ddim50/uem@per-batch} */
  public String id() {
    String s = backbone.label() + "/" + sampler.label() + "/" + strategy.label();
    return decisionVaried || decision != DecisionMode.PER_SAMPLE ? s + "@" + decision.label() : s;
  }

  /**
   * @return the id made safe for a file or folder name, with the first 8 hex digits of its SHA-256 so that ids
   *     differing only in replaced characters ({@code a/b} and {@code a_b}) do not share a folder
   */
  public String fileName() {
    return id().replaceAll("[^A-Za-z0-9._=-]+", "_") + "-" + Experiment.sha256(id()).substring(0, 8);
  }

  /** @return the key of the group this cell is compared within: backbone and sampler labels */
  public String groupKey() {
    return backbone.label() + "/" + sampler.label();
  }
}
