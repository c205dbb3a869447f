package io.diffexit.harness.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.diffexit.api.ExitStrategy;
import io.diffexit.api.Params;
import io.diffexit.api.StrategyContext;
import io.diffexit.harness.ComponentSpec;
import io.diffexit.harness.UserError;
import io.diffexit.harness.train.Trainer;
import io.diffexit.harness.train.testkit.Fixtures;
import io.diffexit.harness.train.testkit.TestRegistry;
import io.diffexit.harness.train.testkit.TinyStrategy;
import io.diffexit.testkit.LinearSchedule;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {

  static final TestRegistry REGISTRY = new TestRegistry();
  static final LinearSchedule SCHEDULE = new LinearSchedule(1000);

  @TempDir static Path shared;
  static Path good;

  @BeforeAll
  static void writeOneCheckpoint() {
    good = shared.resolve("good");
    try (NDManager m = NDManager.newBaseManager();
        Trainer t = Trainer.create(REGISTRY, ComponentSpec.parse("tiny:channels=4,depth=2"), SCHEDULE,
            Fixtures.fashionMnist(16), Fixtures.quick(1), m)) {
      t.saveCheckpoint(good, "first");
    }
  }

  static Path copy(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
    return to;
  }

  static void editCard(Path dir, String from, String to) throws IOException {
    Path card = dir.resolve(CheckpointWriter.CARD);
    String text = Files.readString(card);
    assertThat(text).contains(from);
    Files.writeString(card, text.replace(from, to));
  }

  UserError loadError(Path dir) {
    try (NDManager m = NDManager.newBaseManager()) {
      Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> Checkpoint.load(dir, REGISTRY, m).close());
      assertThat(t).isInstanceOf(UserError.class);
      assertThat(m.getManagedArrays()).isEmpty(); // nothing left behind by a failed load
      return (UserError) t;
    }
  }

  @Test
  void aMissingFolderIsNamed(@TempDir Path dir) {
    assertThat(loadError(dir.resolve("nope")))
        .hasMessage("checkpoint folder " + dir.resolve("nope") + " not found; train one with `diffexit train --out DIR`");
  }

  @Test
  void aFolderWithoutACardIsNotACheckpoint(@TempDir Path dir) {
    assertThat(loadError(dir)).hasMessage(dir.toAbsolutePath() + " is not a checkpoint: model-card.json is missing");
  }

  @Test
  void corruptJsonIsReportedWithTheFile(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("model-card.json"), "{\"format\": 1, \"backbone\": {");
    assertThat(loadError(dir).getMessage())
        .startsWith(dir.toAbsolutePath().resolve("model-card.json") + " is corrupt: Unexpected end-of-input")
        .doesNotContain("\n");
    Files.writeString(dir.resolve("model-card.json"), "{\"format\": 1}");
    assertThat(loadError(dir))
        .hasMessage(dir.toAbsolutePath().resolve("model-card.json") + " is corrupt: it names no backbone");
  }

  @Test
  void anUnknownBackboneListsTheKnownOnes(@TempDir Path dir) throws IOException {
    Path ck = copy(good, dir.resolve("ck"));
    editCard(ck, "\"name\" : \"tiny\"", "\"name\" : \"uvit\"");
    assertThat(loadError(ck)).hasMessage(
        "checkpoint " + ck + " needs a backbone plugin: Unknown backbone 'uvit'; known: [tiny]");
  }

  @Test
  void weightsOfAnotherConfigDoNotLoad(@TempDir Path dir) throws IOException {
    Path ck = copy(good, dir.resolve("ck"));
    editCard(ck, "\"channels\" : \"4\"", "\"channels\" : \"5\"");
    assertThat(loadError(ck)).hasMessage(
        ck.resolve("backbone-ema.params") + " does not fit backbone 'tiny' as its card configures it (channels=5,"
            + " depth=2): parameter '01stem_weight' has shape (4, 16) in the file but (5, 16) in the network; was the"
            + " checkpoint made with another config?");
    // weight and bias of the stem, the time embedding and, per block, its linear and its exit head: 4 + 4 x depth
    Path deeper = copy(good, dir.resolve("deeper"));
    editCard(deeper, "\"depth\" : \"2\"", "\"depth\" : \"3\"");
    assertThat(loadError(deeper)).hasMessage(deeper.resolve("backbone-ema.params") + " holds 12 parameter arrays, but"
        + " backbone 'tiny' as its card configures it (channels=4, depth=3) has 16: the card describes another"
        + " architecture than the one these weights were saved from (was model-card.json edited, e.g. the backbone's"
        + " depth?); restore the card the weights were saved with");
    Path shallower = copy(good, dir.resolve("shallower"));
    editCard(shallower, "\"depth\" : \"2\"", "\"depth\" : \"1\"");
    assertThat(loadError(shallower).getMessage()).startsWith(shallower.resolve("backbone-ema.params")
        + " holds 12 parameter arrays, but backbone 'tiny' as its card configures it (channels=4, depth=1) has 8:");
  }

  @Test
  void aCorruptOrMissingWeightsFileIsNamed(@TempDir Path dir) throws IOException {
    Path ck = copy(good, dir.resolve("ck"));
    Files.writeString(ck.resolve("backbone-ema.params"), "garbage");
    assertThat(loadError(ck).getMessage()).startsWith(ck.resolve("backbone-ema.params") + " ");
    Files.delete(ck.resolve("backbone-ema.params"));
    assertThat(loadError(ck)).hasMessage(
        "checkpoint file " + ck.resolve("backbone-ema.params") + " is missing; the checkpoint is incomplete");
  }

  @Test
  void aCardFromANewerDiffexitIsRefused(@TempDir Path dir) throws IOException {
    Path ck = copy(good, dir.resolve("ck"));
    editCard(ck, "\"format\" : 1", "\"format\" : 99");
    assertThat(loadError(ck)).hasMessage(ck.resolve("model-card.json")
        + " has card format 99, newer than this diffexit reads (1); update diffexit");
  }

  /** A block whose parameters fail half-way through writing, as a full disk or a kill would. */
  static final class FailingBlock extends AbstractBlock {
    @Override
    public void saveParameters(DataOutputStream os) throws IOException {
      os.writeBytes("half a parameter file");
      os.flush();
      throw new IOException("No space left on device");
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList in, boolean t, PairList<String, Object> p) {
      return in;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
      return inputShapes;
    }
  }

  @Test
  void aWriteThatFailsHalfWayLeavesTheOldCheckpointIntact(@TempDir Path dir) throws IOException {
    Path ck = copy(good, dir.resolve("ck"));
    ModelCard before = Checkpoint.readCard(ck);
    byte[] weights = Files.readAllBytes(ck.resolve("backbone-ema.params"));
    try (NDManager m = NDManager.newBaseManager(); Checkpoint loaded = Checkpoint.load(ck, REGISTRY, m)) {
      ModelCard changed = new ModelCard(before.format(), before.backbone(), before.parameterCount(),
          before.macsPerImage(), before.schedule(), before.timeInput(), before.data(), before.training(),
          before.result(), before.machine(), "second", null, null, before.created(), null);
      assertThatThrownBy(() -> CheckpointWriter.write(ck, new CheckpointWriter.Contents(
          changed, loaded.backbone().block(), new FailingBlock(), null, null, null, null)))
          .isInstanceOf(UncheckedIOException.class)
          .hasMessageContaining("cannot write checkpoint " + ck + ": No space left on device; the previous checkpoint "
              + "is unchanged");
    }
    assertThat(Checkpoint.readCard(ck)).isEqualTo(before);
    assertThat(Files.readAllBytes(ck.resolve("backbone-ema.params"))).isEqualTo(weights);
    try (Stream<Path> s = Files.list(dir)) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactly("ck");
    }
    try (NDManager m = NDManager.newBaseManager()) {
      Checkpoint.load(ck, REGISTRY, m).close();
    }
  }

  @Test
  void aKillBetweenTheTwoRenamesLosesNothing(@TempDir Path dir) throws IOException {
    Path ck = dir.resolve("ck");
    copy(good, dir.resolve(".ck.previous")); // the old one moved aside, the new one never arrived
    assertThat(Checkpoint.readCard(ck).command()).isEqualTo("first");
    try (NDManager m = NDManager.newBaseManager(); Checkpoint loaded = Checkpoint.load(ck, REGISTRY, m)) {
      assertThat(loaded.dir()).isEqualTo(dir.resolve(".ck.previous").toAbsolutePath());
      ModelCard c = loaded.card();
      CheckpointWriter.write(ck, new CheckpointWriter.Contents(
          new ModelCard(c.format(), c.backbone(), c.parameterCount(), c.macsPerImage(), c.schedule(), c.timeInput(),
              c.data(), c.training(), c.result(), c.machine(), "second", null, null, c.created(), null),
          loaded.backbone().block(), loaded.backbone().block(), null, null, null, null));
    }
    assertThat(Checkpoint.readCard(ck).command()).isEqualTo("second");
    try (Stream<Path> s = Files.list(dir)) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactly("ck");
    }
  }

  @Test
  void aRewriteKeepsTheFoldersReadmeButNoStaleStrategyWeights(@TempDir Path dir) throws IOException {
    Path ck = copy(good, dir.resolve("ck"));
    Files.writeString(ck.resolve("README.md"), "# how this was made\n");
    Files.writeString(ck.resolve(CheckpointWriter.STRATEGY), "stale");
    try (NDManager m = NDManager.newBaseManager(); Checkpoint loaded = Checkpoint.load(ck, REGISTRY, m)) {
      CheckpointWriter.write(ck, new CheckpointWriter.Contents(
          loaded.card(), loaded.backbone().block(), loaded.backbone().block(), null, null, null, null));
    }
    assertThat(Files.readString(ck.resolve("README.md"))).isEqualTo("# how this was made\n");
    assertThat(ck.resolve(CheckpointWriter.STRATEGY)).doesNotExist();
  }

  @Test
  void strategyParametersAreRefusedWhenTheCheckpointHasNone() {
    try (NDManager m = NDManager.newBaseManager(); Checkpoint ck = Checkpoint.load(good, REGISTRY, m)) {
      assertThat(ck.strategySpec()).isEmpty();
      assertThat(ck.createStrategy(REGISTRY, SCHEDULE, m, Params.empty())).isEmpty();
      try (ExitStrategy s = new TinyStrategy.Factory().create(
          Params.empty(), new StrategyContext(ck.backbone().spec(), SCHEDULE, m))) {
        assertThatThrownBy(() -> ck.loadStrategyParams(s)).isInstanceOf(UserError.class).hasMessage(
            "checkpoint " + good + " has no strategy parameters; fine-tune it with `diffexit finetune " + good
                + " --strategy SPEC` first");
      }
    }
  }

  @Test
  void sha256IsTheStandardDigest(@TempDir Path dir) throws IOException {
    Path abc = Files.writeString(dir.resolve("abc"), "abc"); // FIPS 180-2's example
    assertThat(WeightHashes.sha256(abc)).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }

  @Test
  void aWrittenCardRecordsTheSha256OfEveryWeightsFile() {
    ModelCard card = Checkpoint.readCard(good);
    assertThat(card.sha256()).containsOnlyKeys("backbone-ema.params", "backbone.params");
    assertThat(card.sha256().get("backbone.params")).isEqualTo(WeightHashes.sha256(good.resolve("backbone.params")))
        .hasSize(64);
    assertThat(card.sha256().get("backbone-ema.params"))
        .isEqualTo(WeightHashes.sha256(good.resolve("backbone-ema.params")));
  }

  @Test
  void flippedBytesInAWeightsFileAreRefusedBeforeLoading(@TempDir Path dir) throws IOException {
    Path ck = copy(good, dir.resolve("ck"));
    Path ema = ck.resolve("backbone-ema.params");
    byte[] bytes = Files.readAllBytes(ema);
    String expected = WeightHashes.sha256(ema);
    for (int i = bytes.length - 400; i < bytes.length; i++) {
      bytes[i] ^= (byte) 0xFF; // the last 400 bytes are float data: DJL alone would load them
    }
    Files.write(ema, bytes);
    assertThat(loadError(ck)).hasMessage(ema + " does not match the SHA-256 in its model card (expected "
        + expected.substring(0, 16) + "…, got " + WeightHashes.sha256(ema).substring(0, 16) + "…): the file is"
        + " corrupt or was replaced; restore it (e.g. `git checkout -- backbone-ema.params` in its folder) or train"
        + " the checkpoint again");
  }

  @Test
  void anOldCardWithoutHashesLoadsWithOneNoteAndCardHashesAddsThem(@TempDir Path dir) throws IOException {
    Path ck = copy(good, dir.resolve("old"));
    Path cardFile = ck.resolve(CheckpointWriter.CARD);
    String withHashes = Files.readString(cardFile);
    String old = withHashes.replaceAll(",\\s*\"sha256\" : \\{[^}]*\\}", "");
    assertThat(old).doesNotContain("sha256");
    Files.writeString(cardFile, old);

    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    java.io.PrintStream before = System.err;
    System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
    try (NDManager m = NDManager.newBaseManager()) {
      Checkpoint.load(ck, REGISTRY, m).close();
      Checkpoint.load(ck, REGISTRY, m, Weights.TRAINING).close();
    } finally {
      System.setErr(before);
    }
    assertThat(err.toString(java.nio.charset.StandardCharsets.UTF_8)).as("once per folder").isEqualTo(
        "diffexit: note: " + cardFile + " records no SHA-256 of its weights (a card written before they were"
            + " recorded); its files are loaded unverified\n");

    assertThat(CardHashes.record(ck)).isEqualTo(Checkpoint.readCard(good).sha256());
    assertThat(Files.readString(cardFile)).as("only the hashes are added, in the card's style").isEqualTo(withHashes);
    assertThat(CardHashes.record(ck)).as("idempotent").hasSize(2);
    assertThat(Files.readString(cardFile)).isEqualTo(withHashes);
  }

  @Test
  void theCommittedCheckpointsMatchTheHashesInTheirCards() throws IOException {
    Path checkpoints = Path.of("..", "checkpoints").toAbsolutePath().normalize();
    List<Path> folders;
    try (Stream<Path> s = Files.list(checkpoints)) {
      folders = s.filter(d -> Files.isRegularFile(d.resolve(CheckpointWriter.CARD))).sorted().toList();
    }
    assertThat(folders).hasSizeGreaterThanOrEqualTo(6);
    for (Path folder : folders) {
      assertThat(Checkpoint.readCard(folder).sha256()).as(folder.toString()).isEqualTo(WeightHashes.of(folder));
    }
  }
}
