package io.diffexit.harness.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code results.csv} as text, from the synthetic run of {@link Fixtures#WITH_FAILURE}. */
class CsvReportTest {

  @TempDir Path dir;

  @Test
  void headerNamesEveryColumnInOrder() throws Exception {
    Fixtures.benchAndReport(dir);
    String header = Files.readString(dir.resolve(ReportWriter.CSV)).split("\r\n", -1)[0];
    assertThat(header).isEqualTo("cell_id,status,error,backbone,backbone_type,backbone_params,sampler,sampler_type,"
        + "sampler_params,strategy,strategy_type,strategy_params,decision,fid,kid,kid_std,fid_extractor,"
        + "fid_extractor_sha256,fid_samples,reference_split,fid_floor,psnr_mean_db,psnr_ci95_low_db,psnr_ci95_high_db,"
        + "ssim_mean,ssim_ci95_low,ssim_ci95_high,fidelity_identical_samples,fidelity_baseline_cell,macs_per_image,"
        + "flops_per_image,macs_saved_percent,baseline_cell,latency_b1_median_ms,latency_b1_q1_ms,latency_b1_q3_ms,"
        + "latency_b1_repeats,latency_large_batch,latency_large_median_ms,latency_large_q1_ms,latency_large_q3_ms,"
        + "latency_large_repeats,full_passes_b1_median,full_passes_b1_q1,full_passes_b1_q3,full_pass_b1_ms,"
        + "full_passes_large_median,full_passes_large_q1,full_passes_large_q3,full_pass_large_ms,"
        + "time_saved_percent_b1,time_saved_percent_large,time_compared_by,speedup_over_macs_reduction_b1,"
        + "speedup_over_macs_reduction_large,mean_exit_layer,reused_fraction,peak_cache_bytes,peak_memory_bytes,"
        + "wall_seconds,cell_hash");
  }

  @Test
  void failedCellHasItsDescriptionEmptyMeasurementsAndItsHash() throws Exception {
    Fixtures.benchAndReport(dir);
    List<String> lines = List.of(Files.readString(dir.resolve(ReportWriter.CSV)).split("\r\n"));
    String boom = lines.stream().filter(l -> l.startsWith("uvit/dpm5/boom,")).findFirst().orElseThrow();
    String hash = ResultStore.readLatest(dir).stream().filter(r -> r.cellId().equals("uvit/dpm5/boom"))
        .findFirst().orElseThrow().cellHash();
    // 13 cell columns, 47 measurement columns (fid .. wall_seconds) empty, the hash: 61 columns
    assertThat(boom).isEqualTo("uvit/dpm5/boom,failed,IllegalStateException: strategy 'boom' exploded,uvit,uvit,"
        + "checkpoint=ckpt/uvit,dpm5,dpm-solver-2m,steps=5,boom,boom,,per-sample" + ",".repeat(48) + hash);
    assertThat(ReportColumns.CSV).hasSize(61);
  }

  @Test
  void fieldsWithCommasAreQuotedAndLinesEndInCrLf() throws Exception {
    Fixtures.benchAndReport(dir);
    String csv = Files.readString(dir.resolve(ReportWriter.CSV));
    assertThat(csv).contains(",deediff,\"checkpoint=ckpt/uem,threshold=0.5\",per-sample,");
    assertThat(csv.replace("\r\n", "")).doesNotContain("\n").doesNotContain("\r");
    assertThat(csv).endsWith("\r\n");
    assertThat(csv.split("\r\n")).hasSize(1 + 13);
  }

  @Test
  void fieldQuotingFollowsRfc4180() {
    assertThat(CsvReport.field("plain text")).isEqualTo("plain text");
    assertThat(CsvReport.field("a,b")).isEqualTo("\"a,b\"");
    assertThat(CsvReport.field("say \"hi\"")).isEqualTo("\"say \"\"hi\"\"\"");
    assertThat(CsvReport.field("two\nlines")).isEqualTo("\"two\nlines\"");
    assertThat(CsvReport.field("cr\r")).isEqualTo("\"cr\r\"");
  }
}
