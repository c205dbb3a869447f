package io.diffexit.harness.bench;

import io.diffexit.harness.fid.KernelDistance;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The conventions section of {@code report.md} and {@code report.html}: how each number was measured, the FID set-up,
 * the machine and the run.
 */
final class ReportConventions {

  private ReportConventions() {}

  /**
   * @param model the reported cells and the run's manifest
   * @return the conventions, one paragraph each, with `code` spans in backticks
   */
  static List<String> of(ReportModel model) {
    Manifest manifest = model.manifest();
    List<String> out = new ArrayList<>();
    out.add("MACs are counted analytically per generated image over all sampler steps, from the batch sizes actually "
        + "executed: every linear and convolution, the attention matmuls, skip linears, every exit head evaluated and "
        + "the strategy's own work. FLOPs = 2 × MACs. G = 10⁹.");
    out.add("MACs saved = 100 × (1 − MACs / MACs of the `none` cell of the same backbone and sampler).");
    CellResult any = model.firstFinished();
    out.add("Latency: wall-clock per image (run time of one batch through the whole sampler ÷ batch size), median "
        + "[Q1–Q3], on CPU: " + (any == null ? "at batch 1 and at the large batch"
            : protocol(any.latencyBatch1()) + "; " + protocol(any.latencyLarge()))
        + ". When the experiment samples at its large batch, the timed large-batch repeats are the FID sampling "
        + "run's own full batches (the first one, which also records certainty maps, untimed).");
    out.add("Full passes: each timed run is followed by one full-depth call of the backbone at the same batch size "
        + "(every block and the final head; mean of the calls made in 50 ms, at least one), which measures how fast the machine was at that "
        + "moment; a run's time ÷ that call's time is its cost in full passes (a `none` cell of an S-step sampler "
        + "costs about S), median over the repeats. Machine speed on a shared VM drifts by up to 2× within minutes, "
        + "so cells timed minutes apart are compared in full passes, not in milliseconds.");
    out.add("Time saved = 100 × (1 − time / time of `none`) and speed-up ÷ MACs reduction = (time of `none` ÷ time) ÷ "
        + "(MACs of `none` ÷ MACs), from median full passes (from median milliseconds where a cell was not paced, "
        + "marked \"(ms)\"): 1 means wall-clock fell in proportion to MACs; below 1, overheads (exit heads, "
        + "strategy, batch compaction, per-op cost) ate part of the saving.");
    out.add("Mean exit layer: 1-based layer of the exit point used, averaged over all samples and steps (a sample that "
        + "reused a step-reuse cache counts the head that gave its ε). Steps reused: the share of (step, sample) pairs "
        + "that reused a cache (a skipped call, a resumed pass or a substituted head); the CSV gives the cache's peak "
        + "bytes.");
    Set<String> fid = new LinkedHashSet<>();
    for (ReportRow r : model.rows()) {
      if (r.finished() && r.result().quality() != null) {
        Quality q = r.result().quality();
        fid.add("extractor " + q.extractor() + " (sha256 " + abbreviate(q.extractorChecksum()) + "), " + q.samples()
            + " samples per cell, reference split " + q.referenceSplit()
            + (q.floorFid() == null ? "" : String.format(Locale.ROOT, "; floor %.2f (FID of %d real %s images)",
                q.floorFid(), q.samples(), q.floorSplit())));
      }
    }
    out.add("FID/KID: " + (fid.isEmpty() ? "not measured" : String.join("; ", fid))
        + ". Every cell starts from the same initial noise (seed " + manifest.seed() + "), so cells are paired. "
        + "FID from few samples is biased upwards; compare only within one extractor and sample count. KID is the "
        + "unbiased MMD² with the cubic kernel (xᵀy/d + 1)³ on the same features, on torch-fidelity's and clean-fid's "
        + "scale (raw, not ×10³; 0 for identical distributions), mean ± std over " + KernelDistance.DEFAULT_SUBSETS
        + " subsets of up to " + KernelDistance.DEFAULT_SUBSET_SIZE + " samples per side.");
    out.add("PSNR/SSIM vs none: each sample against the sample of the full-model cell (`none` on the backbone's own "
        + "checkpoint, same backbone and sampler) from the same initial noise, on the 8-bit images as saved; "
        + "mean [95% interval of the mean, ±1.96·s/√n]. PSNR = 10·log10(255²/MSE), identical images count as "
        + "100 dB; SSIM as scikit-image with a Gaussian window (σ 1.5, 11×11, K1 0.01, K2 0.03, 5-pixel border "
        + "cropped). Higher is closer to the full model; the full model's own row shows —.");
    out.add("Decision mode: per-sample exits compact the batch; per-batch exits (official AdaDiff code) depend on "
        + "the batch composition.");
    out.add("Machine: " + manifest.cpuModel() + ", " + manifest.cores() + " cores, " + manifest.threads()
        + " threads, GPU " + manifest.gpu() + ", " + manifest.os() + ", " + manifest.jvm() + ".");
    if (manifest.engine() != null && !manifest.engine().equals("in-process")) {
      out.add("Engine: " + manifest.engine() + "; latency timed in separate runs, one per executor at a time.");
    }
    out.add("Run: git " + manifest.gitCommit() + ", config sha256 " + abbreviate(manifest.configHash())
        + ", started " + manifest.startedAt() + ", diffexit " + manifest.diffexitVersion()
        + (manifest.overrides().isEmpty() ? "" : ", --set " + String.join(" --set ", manifest.overrides())) + "."
        + earlierRunNote(model));
    return out;
  }

  /**
   * A resumed bench writes the manifest of the invocation that resumed it, but keeps the records of cells an earlier
   * invocation measured: say how many there are, since the machine line describes the latest invocation only.
   *
   * @return a sentence with a leading space, or empty when every shown cell started after the manifest's start
   */
  static String earlierRunNote(ReportModel model) {
    Instant started = instant(model.manifest().startedAt());
    if (started == null) {
      return "";
    }
    long earlier = model.rows().stream().map(r -> instant(r.record().startedAt()))
        .filter(t -> t != null && t.isBefore(started)).count();
    if (earlier == 0) {
      return "";
    }
    return " " + earlier + " of the " + model.rows().size() + " cells shown were measured by an earlier run of this "
        + "experiment and resumed from " + ResultStore.RESULTS + "; the machine and threads above are this run's, so "
        + "check that the earlier one ran on the same (`bench --report-only` rebuilds the reports without replacing "
        + "the manifest).";
  }

  private static Instant instant(String iso) {
    if (iso == null) {
      return null;
    }
    try {
      return Instant.parse(iso);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private static String protocol(Latency l) {
    return "batch " + l.batchSize() + ", " + l.repeats() + " timed repeats after " + l.warmup() + " warm-up run"
        + (l.warmup() == 1 ? "" : "s");
  }

  private static String abbreviate(String hash) {
    return hash == null || hash.length() <= 12 ? String.valueOf(hash) : hash.substring(0, 12);
  }
}
