package io.diffexit.harness.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.diffexit.harness.plugins.ComponentInfo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultStoreTest {

  @TempDir Path dir;

  private CellRecord record(Experiment e, Cell c) throws Exception {
    CellResult r = new SyntheticCellExecutor(dir).execute(c, e, Files.createDirectories(dir.resolve("x")),
        CellProgress.none());
    return new CellRecord(c.id(), e.cellHash(c), c, CellRecord.FINISHED, null, r, "2026-01-01T00:00:00Z",
        "2026-01-01T00:00:01Z");
  }

  @Test
  void appendedRecordsRoundTripThroughTheFile() throws Exception {
    Experiment e = Fixtures.parse(Fixtures.SMALL);
    Grid g = Fixtures.grid(e);
    CellRecord first = record(e, g.cells().get(3));
    try (ResultStore s = ResultStore.open(dir)) {
      s.append(first);
    }
    List<String> lines = Files.readAllLines(dir.resolve(ResultStore.RESULTS));
    assertThat(lines).hasSize(1);
    try (ResultStore s = ResultStore.open(dir)) {
      CellRecord back = s.records().get(0);
      assertThat(back.cellId()).isEqualTo("uvit/ddim10/uem[threshold=0.5]");
      assertThat(back.cell()).isEqualTo(first.cell());
      assertThat(back.result().macsPerImage()).isEqualTo(first.result().macsPerImage());
      assertThat(back.result().exitHistogram()).isDeepEqualTo(first.result().exitHistogram());
      assertThat(back.result().latencyLarge()).isEqualTo(first.result().latencyLarge());
      assertThat(back.result().quality()).isEqualTo(first.result().quality());
      assertThat(s.isFinished(first.cellId(), first.cellHash())).isTrue();
      assertThat(s.isFinished(first.cellId(), "other-hash")).isFalse();
    }
  }

  @Test
  void tornLastLineIsCutOffAndTheFileStaysAppendable() throws Exception {
    Experiment e = Fixtures.parse(Fixtures.SMALL);
    Grid g = Fixtures.grid(e);
    try (ResultStore s = ResultStore.open(dir)) {
      s.append(record(e, g.cells().get(0)));
      s.append(record(e, g.cells().get(1)));
    }
    Path file = dir.resolve(ResultStore.RESULTS);
    long intact = Files.size(file);
    String third = ResultStore.JSON.writeValueAsString(record(e, g.cells().get(2)));
    // a crash in the middle of the third write: a prefix without its newline
    Files.writeString(file, third.substring(0, third.length() / 2), StandardOpenOption.APPEND);
    try (ResultStore s = ResultStore.open(dir)) {
      assertThat(s.records()).extracting(CellRecord::cellId)
          .containsExactly("uvit/ddim10/none", "uvit/ddim10/fixed[layer=7]");
      assertThat(Files.size(file)).as("repaired back to the complete lines").isEqualTo(intact);
      s.append(record(e, g.cells().get(2)));
    }
    assertThat(ResultStore.readLatest(dir)).hasSize(3);
    assertThat(Files.readAllLines(file)).hasSize(3).allSatisfy(l -> assertThat(l).startsWith("{").endsWith("}"));
  }

  @Test
  void tornLineOfZerosAfterTheLastNewlineIsCutOff() throws Exception {
    Experiment e = Fixtures.parse(Fixtures.SMALL);
    try (ResultStore s = ResultStore.open(dir)) {
      s.append(record(e, Fixtures.grid(e).cells().get(0)));
    }
    Path file = dir.resolve(ResultStore.RESULTS);
    long intact = Files.size(file);
    Files.write(file, new byte[16], StandardOpenOption.APPEND);
    try (ResultStore s = ResultStore.open(dir)) {
      assertThat(s.records()).hasSize(1);
    }
    assertThat(Files.size(file)).isEqualTo(intact);
  }

  @Test
  void corruptLineBeforeTheLastFailsWithItsNumber() throws Exception {
    Experiment e = Fixtures.parse(Fixtures.SMALL);
    String good = ResultStore.JSON.writeValueAsString(record(e, Fixtures.grid(e).cells().get(0)));
    Path file = dir.resolve(ResultStore.RESULTS);
    Files.writeString(file, good + "\n{not json\n" + good + "\n", StandardCharsets.UTF_8);
    assertThatThrownBy(() -> ResultStore.open(dir))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith(file + " line 2 is not a valid result record (")
        .hasMessageEndingWith("); only the last line can be torn by a crash: fix or delete that line");
    // the failed open released the lock
    ResultStore.open(dir.resolve("sub")).close();
  }

  @Test
  void aSecondStoreOnTheSameFolderIsRefused() {
    try (ResultStore s = ResultStore.open(dir)) {
      assertThat(s.directory()).isEqualTo(dir);
      assertThatThrownBy(() -> ResultStore.open(dir))
          .hasMessage("results folder " + dir + " is in use by another bench run; wait for it to finish or choose "
              + "another --out");
    }
    ResultStore.open(dir).close();
  }

  @Test
  void latestKeepsTheLastRecordOfEachCellInFirstAppearanceOrder() throws Exception {
    Experiment e = Fixtures.parse(Fixtures.SMALL);
    Grid g = Fixtures.grid(e);
    Cell a = g.cells().get(0);
    Cell b = g.cells().get(1);
    try (ResultStore s = ResultStore.open(dir)) {
      s.append(new CellRecord(a.id(), e.cellHash(a), a, CellRecord.FAILED, "IllegalStateException: x", null, "t",
          "t"));
      s.append(record(e, b));
      s.append(record(e, a));
      assertThat(s.latest()).extracting(CellRecord::cellId).containsExactly(a.id(), b.id());
      assertThat(s.latest().get(0).finished()).isTrue();
      assertThat(s.latest(a.id())).get().extracting(CellRecord::status).isEqualTo("finished");
    }
  }

  @Test
  void manifestIsWrittenAtomicallyAndReadBack() {
    Experiment e = Fixtures.parse(Fixtures.SMALL);
    Grid g = Fixtures.grid(e);
    Manifest m = Manifest.collect(e, List.of("samples=4"), g,
        List.of(new ComponentInfo("strategy", "deediff", "UEM exits", "built-in", "0.1.0")), 2, dir);
    try (ResultStore s = ResultStore.open(dir)) {
      s.writeManifest(m);
      assertThat(s.manifest()).contains(m);
    }
    assertThat(dir.resolve(ResultStore.MANIFEST + ".tmp")).doesNotExist();
    assertThat(m.configHash()).isEqualTo(e.configHash());
    assertThat(m.gitCommit()).as("a temp folder is no git repository").isEqualTo("unknown");
    assertThat(m.gpu()).isEqualTo("none");
    assertThat(m.threads()).isEqualTo(2);
    assertThat(m.seed()).isEqualTo(7);
    assertThat(m.cells()).isEqualTo(10);
    assertThat(m.cores()).isPositive();
    assertThat(m.jvm()).contains(System.getProperty("java.version"));
  }

  @Test
  void cpuModelComesFromCpuinfoOrIsUnknown() throws Exception {
    Path cpuinfo = dir.resolve("cpuinfo");
    Files.writeString(cpuinfo, "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Gold 6148\n");
    assertThat(Manifest.cpuModel(cpuinfo)).isEqualTo("Intel(R) Xeon(R) Gold 6148");
    assertThat(Manifest.cpuModel(dir.resolve("absent"))).isEqualTo("unknown");
  }

  @Test
  void gitCommitIsReadFromARepository() throws Exception {
    Path repo = Files.createDirectories(dir.resolve("repo"));
    Process init = new ProcessBuilder("git", "init", "-q").directory(repo.toFile()).start();
    init.waitFor();
    Files.writeString(repo.resolve("f"), "x");
    new ProcessBuilder("git", "add", "f").directory(repo.toFile()).start().waitFor();
    new ProcessBuilder("git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "m")
        .directory(repo.toFile()).start().waitFor();
    String commit = Manifest.gitCommit(repo);
    assertThat(commit).matches("[0-9a-f]{40}");
    Files.writeString(repo.resolve("f"), "changed");
    assertThat(Manifest.gitCommit(repo)).isEqualTo(commit + "-dirty");
  }

  @Test
  void nonFiniteMetricsSurviveTheRoundTrip() {
    Experiment e = Fixtures.parse(Fixtures.SMALL);
    Cell c = Fixtures.grid(e).cells().get(0);
    CellResult r = new CellResult(5, java.util.Map.of(), new double[] {Double.NaN}, new double[] {999}, new int[] {1},
        new long[][] {{0}}, Double.NaN, Latency.of(1, 0, 1), Latency.of(2, 0, 1), null, -1, "per-sample", null, null, 1);
    try (ResultStore s = ResultStore.open(dir)) {
      s.append(new CellRecord(c.id(), e.cellHash(c), c, CellRecord.FINISHED, null, r, "t", "t"));
    }
    CellResult back = ResultStore.readLatest(dir).get(0).result();
    assertThat(back.meanExitLayer()).isNaN();
    assertThat(back.macsByStep()[0]).isNaN();
  }
}
