package io.diffexit.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.diffexit.harness.fid.StatsFile;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class FidCommandTest {

  @TempDir Path dir;

  record Run(int code, String out, String err) {
    List<String> lines() {
      return out.lines().toList();
    }

    String last() {
      List<String> l = lines();
      return l.get(l.size() - 1);
    }
  }

  static Run run(String... args) {
    CommandLine cl = DiffexitCli.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void statisticsFileThenFidPrintsProvenanceAndTheNumberLast() {
    Path stats = dir.resolve("test500.npz");
    Run s = run("fid-stats", "--split", "test", "--limit", "500", "--out", stats.toString());
    assertThat(s.code()).as(s.err()).isZero();
    StatsFile.Loaded l = StatsFile.load(stats);
    assertThat(l.stats().count()).isEqualTo(500);
    assertThat(l.provenance().extractorId()).isEqualTo("fmnist-net/penultimate-128");
    assertThat(l.provenance().source()).isEqualTo("fashion-mnist:test[:500]");
    assertThat(l.provenance().split()).isEqualTo("test");

    Run again = run("fid-stats", "--split", "test", "--limit", "500", "--out", stats.toString());
    assertThat(again.out()).startsWith(stats + " is up to date (fashion-mnist:test[:500], n=500, extractor "
        + "fmnist-net/penultimate-128 checksum " + l.provenance().checksum() + "); --force recomputes it");

    Run f = run("fid", "fashion-mnist:train[:500]", stats.toString());
    assertThat(f.code()).as(f.err()).isZero();
    assertThat(f.out()).contains("A: fashion-mnist:train[:500] (n=500)")
        .contains("B (reference): " + stats + " (fashion-mnist:test[:500]) (n=500)")
        .contains("extractor: fmnist-net/penultimate-128 checksum " + l.provenance().checksum() + " (d=128)")
        .contains("FID ").contains("n=500 vs 500, ref " + stats);
    double value = Double.parseDouble(f.last());
    assertThat(value).isPositive();

    // the same comparison from images on both sides gives the same number
    Run g = run("fid", "fashion-mnist:train[:500]", "fashion-mnist:test[:500]");
    assertThat(Double.parseDouble(g.last())).isEqualTo(value);
  }

  @Test
  void kidNeedsImagesOnBothSides() {
    Path stats = dir.resolve("s.npz");
    assertThat(run("fid-stats", "--split", "test", "--limit", "50", "--out", stats.toString()).code()).isZero();
    Run r = run("fid", "--kid", "fashion-mnist:train[:50]", stats.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err().strip()).isEqualTo("diffexit: --kid needs images on both sides (KID uses the features, not "
        + "the statistics); " + stats + " is a statistics file");
  }

  @Test
  void kidAndFidOfPngFolders() throws IOException {
    Path grey = dir.resolve("grey");
    Path rgb = dir.resolve("rgb");
    Files.createDirectories(grey);
    Files.createDirectories(rgb);
    java.util.Random r = new java.util.Random(1);
    for (int i = 0; i < 40; i++) {
      BufferedImage g = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
      BufferedImage c = new BufferedImage(28, 28, BufferedImage.TYPE_INT_RGB);
      for (int y = 0; y < 28; y++) {
        for (int x = 0; x < 28; x++) {
          int v = r.nextInt(256);
          g.getRaster().setSample(x, y, 0, v);
          c.setRGB(x, y, v << 16 | v << 8 | v);
        }
      }
      ImageIO.write(g, "png", grey.resolve(String.format("%03d.png", i)).toFile());
      ImageIO.write(c, "png", rgb.resolve(String.format("%03d.png", i)).toFile());
    }
    Run k = run("fid", "--kid", "--kid-subsets", "3", "--kid-subset-size", "20", grey.toString(), rgb.toString());
    assertThat(k.code()).as(k.err()).isZero();
    assertThat(k.out()).contains("KID ").contains("3 subsets of 20, seed 0");
    // identical pixels, grey or RGB with R = G = B: the same features up to float rounding
    assertThat(Math.abs(Double.parseDouble(k.last()))).isLessThan(1e-3);
  }

  @Test
  void corruptStatisticsFileIsOneLineAndExitCodeTwo() throws IOException {
    Path bad = dir.resolve("bad.npz");
    Files.writeString(bad, "garbage");
    Run r = run("fid", bad.toString(), bad.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err().lines().count()).isEqualTo(1);
    assertThat(r.err()).startsWith("diffexit: " + bad + " is not a valid .npz (zip) file");
  }

  @Test
  void missingInputsNameTheAcceptedForms() {
    Run r = run("fid", dir.resolve("missing").toString(), "fashion-mnist:test");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err().strip()).isEqualTo("diffexit: cannot read '" + dir.resolve("missing") + "': give a .npz "
        + "statistics file, a folder of PNGs, fashion-mnist:train|test[:N] or gaussian-noise:N");
    Run s = run("fid", "fashion-mnist:valid", "fashion-mnist:test");
    assertThat(s.err().strip()).isEqualTo("diffexit: cannot read 'fashion-mnist:valid': write fashion-mnist:train, "
        + "fashion-mnist:test or fashion-mnist:train[:N]");
    Run m = run("fid", dir.resolve("none.npz").toString(), "fashion-mnist:test");
    assertThat(m.err().strip()).isEqualTo("diffexit: statistics file " + dir.resolve("none.npz")
        + " not found; make one with `diffexit fid-stats`");
  }

  @Test
  void statisticsOfAnotherExtractorAreRefused() {
    Path px = dir.resolve("pixels.npz");
    assertThat(run("fid-stats", "--split", "test", "--limit", "20", "--extractor", "pixels", "--out", px.toString())
        .code()).isZero();
    Run r = run("fid", "fashion-mnist:train[:20]", px.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).startsWith("diffexit: cannot compare: fashion-mnist:train[:20] has features of "
            + "fmnist-net/penultimate-128@")
        .contains("but " + px + " (fashion-mnist:test[:20]) of pixels/784@none; recompute the statistics with the "
            + "same --extractor");
  }
}
