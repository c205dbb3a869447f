package io.diffexit.harness.fid;

import static io.diffexit.harness.fid.FrechetDistanceTest.fixtureFeatures;
import static io.diffexit.harness.fid.FrechetDistanceTest.resource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.diffexit.harness.UserError;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StatsFileTest {

  @TempDir Path dir;

  @Test
  void npyHeaderIsExactlyNumpysVersionOneLayout() {
    byte[] b = Npy.writeFloat64(new double[] {1, 2, 3}, 3);
    String dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }";
    int headerLen = (b[8] & 0xff) | (b[9] & 0xff) << 8;
    assertThat(b[0] & 0xff).isEqualTo(0x93);
    assertThat(new String(b, 1, 5, StandardCharsets.US_ASCII)).isEqualTo("NUMPY");
    assertThat(new byte[] {b[6], b[7]}).containsExactly(1, 0);
    assertThat((10 + headerLen) % 64).isZero();
    String header = new String(b, 10, headerLen, StandardCharsets.US_ASCII);
    assertThat(header).startsWith(dict).endsWith("\n");
    assertThat(header.substring(dict.length(), header.length() - 1)).isBlank();
    assertThat(b.length).isEqualTo(10 + headerLen + 24);
    assertThat(Npy.read(b, "x.npy").values()).containsExactly(1, 2, 3);
  }

  @Test
  void twoDimensionalShapeIsWrittenAsATuple() {
    byte[] b = Npy.writeFloat64(new double[6], 2, 3);
    assertThat(new String(b, StandardCharsets.ISO_8859_1)).contains("'shape': (2, 3), }");
    assertThat(Npy.read(b, "x").shape()).containsExactly(2, 3);
  }

  @Test
  void statisticsSurviveARoundTripWithTheirProvenance() {
    FeatureStats s = FeatureStats.of(FrechetDistanceTest.gaussian(50, 4, 9, 0.3));
    Path f = dir.resolve("s.npz");
    StatsFile.save(f, s, new StatsFile.Provenance("fmnist-net/penultimate-128", "abcdef012345", 50,
        "fashion-mnist:test[:50]", "test"));
    StatsFile.Loaded l = StatsFile.load(f);
    assertThat(l.stats().mu()).containsExactly(s.mu());
    for (int i = 0; i < 4; i++) {
      assertThat(l.stats().sigma()[i]).containsExactly(s.sigma()[i]);
    }
    assertThat(l.stats().count()).isEqualTo(50);
    assertThat(l.provenance()).isEqualTo(new StatsFile.Provenance("fmnist-net/penultimate-128", "abcdef012345", 50,
        "fashion-mnist:test[:50]", "test"));
  }

  @Test
  void readsAStatisticsFileWrittenByNumpyLikePytorchFid() throws IOException {
    Path f = dir.resolve("pytorch_fid_stats_a.npz");
    Files.write(f, resource("pytorch_fid_stats_a.npz"));
    StatsFile.Loaded l = StatsFile.load(f);
    FeatureStats mine = FeatureStats.of(fixtureFeatures("features_a.npy"));
    assertThat(l.provenance()).isNull();
    assertThat(l.stats().count()).isZero();
    for (int i = 0; i < mine.dimension(); i++) {
      assertThat(l.stats().mu()[i]).isCloseTo(mine.mu()[i], within(1e-12));
      for (int j = 0; j < mine.dimension(); j++) {
        assertThat(l.stats().sigma()[i][j]).isCloseTo(mine.sigma()[i][j], within(1e-10));
      }
    }
  }

  @Test
  void corruptFileIsAOneLineError() throws IOException {
    Path f = dir.resolve("broken.npz");
    Files.writeString(f, "this is not a zip file");
    assertThatThrownBy(() -> StatsFile.load(f))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(f + " is not a valid .npz (zip) file (")
        .hasMessageEndingWith("); regenerate it with `diffexit fid-stats` or np.savez(path, mu=mu, sigma=sigma)")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  @Test
  void missingFileNamesTheCommandThatMakesIt() {
    Path f = dir.resolve("nope.npz");
    assertThatThrownBy(() -> StatsFile.load(f))
        .isInstanceOf(UserError.class)
        .hasMessage("statistics file " + f + " not found; make one with `diffexit fid-stats`");
  }

  @Test
  void zipWithoutSigmaNamesTheArraysItHas() throws IOException {
    Path f = dir.resolve("mu-only.npz");
    writeZip(f, "mu.npy", Npy.writeFloat64(new double[] {1, 2}, 2));
    assertThatThrownBy(() -> StatsFile.load(f))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(f + " has no array 'sigma' (arrays: [mu]); an FID statistics file needs 'mu' and 'sigma'");
  }

  @Test
  void sigmaOfTheWrongShapeIsRefused() throws IOException {
    Path f = dir.resolve("bad-shape.npz");
    writeZip(f, "mu.npy", Npy.writeFloat64(new double[] {1, 2}, 2), "sigma.npy",
        Npy.writeFloat64(new double[9], 3, 3));
    assertThatThrownBy(() -> StatsFile.load(f))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(f + ": 'sigma' must have shape (2, 2) to match 'mu', got (3, 3)");
  }

  @Test
  void bigEndianArraysAreRefusedWithTheFix() {
    byte[] b = Npy.writeFloat64(new double[] {1}, 1);
    String s = new String(b, StandardCharsets.ISO_8859_1).replace("'<f8'", "'>f8'");
    assertThatThrownBy(() -> Npy.read(s.getBytes(StandardCharsets.ISO_8859_1), "mu.npy"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("mu.npy is big-endian (>f8); re-save it with arr.astype('<f8')");
  }

  @Test
  void fortranOrderAndUnknownTypesAndTruncationAreRefused() {
    byte[] b = Npy.writeFloat64(new double[] {1, 2}, 2);
    String s = new String(b, StandardCharsets.ISO_8859_1);
    assertThatThrownBy(() -> Npy.read(s.replace("False", "True ").getBytes(StandardCharsets.ISO_8859_1), "x.npy"))
        .hasMessage("x.npy is stored in Fortran order; re-save it with np.ascontiguousarray");
    assertThatThrownBy(() -> Npy.read(s.replace("'<f8'", "'<c8'").getBytes(StandardCharsets.ISO_8859_1), "x.npy"))
        .hasMessageStartingWith("x.npy has dtype '<c8'; only little-endian float64/float32");
    assertThatThrownBy(() -> Npy.read(java.util.Arrays.copyOf(b, b.length - 3), "x.npy"))
        .hasMessage("x.npy is truncated: its header announces 16 data bytes but 13 follow");
    assertThatThrownBy(() -> Npy.read("hello".getBytes(StandardCharsets.US_ASCII), "x.npy"))
        .hasMessage("x.npy is not a .npy array (no \\x93NUMPY magic)");
  }

  @Test
  void versionTwoHeadersAreRead() {
    byte[] v1 = Npy.writeFloat64(new double[] {3.5}, 1);
    int len = (v1[8] & 0xff) | (v1[9] & 0xff) << 8;
    byte[] v2 = new byte[v1.length + 2];
    System.arraycopy(v1, 0, v2, 0, 6);
    v2[6] = 2;
    v2[8] = (byte) len;
    v2[9] = (byte) (len >> 8);
    System.arraycopy(v1, 10, v2, 12, v1.length - 10);
    assertThat(Npy.read(v2, "v2.npy").values()).containsExactly(3.5);
  }

  static void writeZip(Path f, Object... nameAndBytes) throws IOException {
    try (OutputStream os = Files.newOutputStream(f); ZipOutputStream z = new ZipOutputStream(os)) {
      for (int i = 0; i < nameAndBytes.length; i += 2) {
        z.putNextEntry(new ZipEntry((String) nameAndBytes[i]));
        z.write((byte[]) nameAndBytes[i + 1]);
        z.closeEntry();
      }
    }
  }
}
