package io.diffexit.harness.bench.inprocess;

import static org.assertj.core.api.Assertions.assertThat;

import io.diffexit.harness.bench.BenchWiring;
import io.diffexit.harness.cli.DiffexitCli;
import io.diffexit.harness.plugins.Registries;
import io.diffexit.harness.plugins.Registry;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code bench} checks every cell before any runs, against the repository's real checkpoints: the dry run names each
 * bad cell with its fix on one line, and a real run refuses to start.
 */
class BenchValidationTest {

  private static final Path REPO = Path.of("..").toAbsolutePath().normalize();

  @TempDir Path dir;

  private record Run(int code, String out, String err) {}

  private Run bench(String yaml, String... args) throws Exception {
    Path file = dir.resolve("exp.yaml");
    Files.writeString(file, yaml);
    Registry registry = Registries.create(dir.resolve("no-plugins"));
    BenchWiring wiring = new SamplingBenchWiring(registry, new FidQualityMeter(registry));
    CommandLine cl = DiffexitCli.commandLine(binder -> binder.bind(BenchWiring.class).toInstance(wiring));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    String[] all = new String[args.length + 2];
    all[0] = "bench";
    all[1] = file.toString();
    System.arraycopy(args, 0, all, 2, args.length);
    return new Run(cl.execute(all), out.toString(), err.toString());
  }

  private static final String CELLS = """
      name: bad
      samples: 2
      reference: {stats: %s, extractor: %s, split: test}
      backbones:
        uvit: {type: uvit, checkpoint: %s/checkpoints/uvit-fmnist}
        wrong: {type: uvit, checkpoint: %s/checkpoints/unet-fmnist}
        gone: {type: uvit, checkpoint: %s/no-such-checkpoint}
      strategies:
        none: {type: none}
        deep: {type: fixed, layer: 99, requires: {backbone: [uvit]}}
      samplers:
        ddim: {type: ddim, steps: 2}
        zero: {type: ddim, steps: 0, requires: {backbone: [uvit]}}
      """;

  private String experiment(String stats, String extractor) {
    return CELLS.formatted(stats, extractor, REPO, REPO, REPO);
  }

  @Test
  void dryRunNamesEveryBadCellAndTheFixOnOneLineEach() throws Exception {
    Path stats = REPO.resolve("models/fmnist-net/fashion-mnist-test-stats.npz");
    Run r = bench(experiment(stats.toString(), "fmnist-net"), "--dry-run");
    assertThat(r.code()).isEqualTo(2);
    String o = r.out();
    assertThat(o).startsWith("6 cells, 6 rejected, 5 cannot run; config sha256 ");
    assertThat(o).contains("  run   uvit/ddim/none\n");
    assertThat(o).contains("  bad   uvit/ddim/deep: strategies.deep: exit strategy 'fixed': parameter 'layer' must be");
    assertThat(o).contains("  bad   uvit/zero/none: samplers.zero: sampler 'ddim': parameter 'steps'");
    assertThat(o).contains("  bad   wrong/ddim/none: backbones.wrong: checkpoint " + REPO.resolve("checkpoints/unet-fmnist")
        + " holds a 'unet' backbone, but backbones.wrong has type 'uvit'; point `checkpoint:` at a 'uvit' checkpoint or"
        + " use a backbone instance of type 'unet'\n");
    assertThat(o).contains("  bad   gone/ddim/none: backbones.gone: checkpoint folder " + REPO.resolve("no-such-checkpoint")
        + " not found");
    assertThat(o.lines().filter(l -> l.startsWith("  bad")).count()).isEqualTo(5);
    assertThat(o).doesNotContain("Exception").doesNotContain("\tat ");
  }

  @Test
  void aMissingStatisticsFileOrAnUnknownExtractorIsReportedAndNothingIsWritten() throws Exception {
    Path missing = dir.resolve("models/nope.npz");
    Run r = bench(experiment(missing.toString(), "fmnist-net"), "--dry-run");
    assertThat(r.out()).contains(", the reference is unusable; config sha256")
        .contains("  bad   reference: reference statistics " + missing + " not found; make them with `diffexit"
            + " fid-stats --split test --extractor fmnist-net --out " + missing + "` or fix reference.stats in the"
            + " experiment\n");
    assertThat(missing).doesNotExist();

    Path stats = REPO.resolve("models/fmnist-net/fashion-mnist-test-stats.npz");
    Run wrong = bench(experiment(stats.toString(), "fmnist-nett"), "--dry-run");
    assertThat(wrong.out()).contains("  bad   reference: extractor 'fmnist-nett': ");
  }

  @Test
  void aRunWithBadCellsStopsBeforeAnyCellWithOneLinePerProblem() throws Exception {
    Path stats = REPO.resolve("models/fmnist-net/fashion-mnist-test-stats.npz");
    Path results = dir.resolve("results");
    Run r = bench(experiment(stats.toString(), "fmnist-net"), "--out", results.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err().lines().toList()).hasSize(6);
    assertThat(r.err()).contains("diffexit: cannot run cell uvit/ddim/deep: strategies.deep: exit strategy 'fixed':")
        .endsWith("diffexit: 5 of 6 cells cannot run as written (listed above); fix the experiment and run again"
            + " (nothing was run)\n");
    assertThat(results).doesNotExist();
  }
}
