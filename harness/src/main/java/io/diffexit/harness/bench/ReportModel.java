package io.diffexit.harness.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What every report of a results folder shows, read once from {@code manifest.json} and {@code results.jsonl}: the
 * cells of the current grid with their comparisons, grouped by backbone and sampler, and the run's counts. The
 * formats ({@link ReportFormat}) only lay it out.
 */
final class ReportModel {

  private final Path dir;
  private final Manifest manifest;
  private final Map<String, List<ReportRow>> groups;
  private final List<ReportRow> rows;
  private final int notShown;

  private ReportModel(Path dir, Manifest manifest, List<CellRecord> current, int notShown, StrategyTraits traits) {
    this.dir = dir;
    this.manifest = manifest;
    this.notShown = notShown;
    Map<String, Comparison> comparisons = Comparison.of(current, traits);
    Map<String, List<ReportRow>> byGroup = new LinkedHashMap<>();
    for (CellRecord r : current) {
      byGroup.computeIfAbsent(r.cell().groupKey(), k -> new ArrayList<>())
          .add(new ReportRow(r, comparisons.get(r.cellId())));
    }
    List<ReportRow> all = new ArrayList<>();
    byGroup.replaceAll((k, v) -> Collections.unmodifiableList(v));
    byGroup.values().forEach(all::addAll);
    this.groups = Collections.unmodifiableMap(byGroup);
    this.rows = List.copyOf(all);
  }

  /**
   * @param dir a results folder with {@code manifest.json} and {@code results.jsonl}
   * @param traits which strategy types run the full model (the baselines of the comparison columns)
   * @return the model of its reports: the latest record of every cell of the manifest's grid
   * @throws IllegalArgumentException if the folder has no manifest
   */
  static ReportModel read(Path dir, StrategyTraits traits) {
    Manifest manifest = ResultStore.readManifest(dir).orElseThrow(() -> new IllegalArgumentException(
        "no " + ResultStore.MANIFEST + " in " + dir + "; run diffexit bench on the experiment first"));
    List<CellRecord> all = ResultStore.readLatest(dir);
    List<CellRecord> current = manifest.current(all);
    return new ReportModel(dir, manifest, current, all.size() - current.size(), traits);
  }

  /** @return the results folder; relative paths in the results (images, saved samples) resolve against it */
  Path dir() {
    return dir;
  }

  Manifest manifest() {
    return manifest;
  }

  /** @return every reported cell, those of one backbone and sampler together, groups in order of first appearance */
  List<ReportRow> rows() {
    return rows;
  }

  /** @return the rows by backbone/sampler group ({@link Cell#groupKey()}), in the order of {@link #rows()} */
  Map<String, List<ReportRow>> groups() {
    return groups;
  }

  long finished() {
    return rows.stream().filter(ReportRow::finished).count();
  }

  long failed() {
    return rows.size() - finished();
  }

  /** @return cells of the grid with no record yet */
  int notRunYet() {
    return manifest.cells() - rows.size();
  }

  /** @return the first finished cell's result (its latency protocol is the run's), or null when none finished */
  CellResult firstFinished() {
    return rows.stream().filter(ReportRow::finished).map(ReportRow::result).findFirst().orElse(null);
  }

  /**
   * @return a sentence, with a leading space, on the records of cells no longer in the grid (or run with other
   *     settings), which are kept but not reported; empty when there are none
   */
  String notShownNote() {
    return notShown == 0 ? "" : " " + notShown + (notShown == 1 ? " earlier result" : " earlier results")
        + " of cells no longer in the experiment (or run with other settings) " + (notShown == 1 ? "is" : "are")
        + " kept in " + ResultStore.RESULTS + " and not shown.";
  }
}
