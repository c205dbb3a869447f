package io.diffexit.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.diffexit.harness.checkpoint.Checkpoint;
import io.diffexit.harness.checkpoint.ModelCard;
import io.diffexit.harness.train.testkit.TestRegistry;
import io.diffexit.testkit.LinearSchedule;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class TrainCommandTest {

  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    CommandLine cl = DiffexitCli.commandLine(binder -> binder.bind(TrainingServices.class)
        .toInstance(new TrainingServices(TestRegistry::new, () -> new LinearSchedule(1000))));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void trainWritesACheckpointWhoseCardRecordsTheCommandAndResumeExtendsIt(@TempDir Path dir) {
    String out = dir.resolve("ck").toString();
    Run r = run("train", "--backbone", "tiny:channels=4,depth=2", "--limit", "16", "--batch", "8", "--steps", "2",
        "--lr", "1e-3", "--warmup", "1", "--seed", "3", "--checkpoint-every", "1", "--threads", "2", "--out", out);
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).startsWith("trained 2 steps (").contains("checkpoint " + out);
    ModelCard card = Checkpoint.readCard(Path.of(out));
    assertThat(card.command()).isEqualTo("diffexit train --backbone tiny:channels=4,depth=2 --limit 16 --batch 8 "
        + "--steps 2 --lr 1e-3 --warmup 1 --seed 3 --checkpoint-every 1 --threads 2 --out " + out);
    assertThat(card.training().seed()).isEqualTo(3);
    assertThat(card.training().lr()).isEqualTo(1e-3);
    assertThat(card.data().count()).isEqualTo(16);

    Run resumed = run("train", "--resume", out, "--steps", "3");
    assertThat(resumed.code()).as(resumed.err()).isZero();
    assertThat(Checkpoint.readCard(Path.of(out)).result().stepsDone()).isEqualTo(3);
    assertThat(Checkpoint.readCard(Path.of(out)).training().steps()).isEqualTo(3);
    assertThat(Checkpoint.readCard(Path.of(out)).command()).as("the card keeps the whole command history")
        .isEqualTo(card.command() + " ; then diffexit train --resume " + out + " --steps 3");

    Run done = run("train", "--resume", out);
    assertThat(done.out()).startsWith("nothing to do: the run is at step 3 of 3");

    Run bad = run("train", "--resume", out, "--lr", "1", "--batch", "4");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).isEqualTo("diffexit: --batch, --lr cannot change when resuming " + out
        + "; the run continues with the settings in its model card (only --steps, --cooldown, --out and --threads"
        + " apply)\n");

    String ft = dir.resolve("ft").toString();
    Run fine = run("finetune", out, "--strategy", "tiny-uem:threshold=0.3", "--freeze-backbone", "--steps", "2",
        "--batch", "8", "--out", ft);
    assertThat(fine.code()).as(fine.err()).isZero();
    ModelCard ftCard = Checkpoint.readCard(Path.of(ft));
    assertThat(ftCard.strategy()).isEqualTo(new ModelCard.StrategyInfo("tiny-uem", "threshold=0.3", true));
    assertThat(ftCard.parent()).isEqualTo("../ck");
    assertThat(ftCard.data().count()).isEqualTo(16); // the base's data by default
    assertThat(ftCard.training().freezeBackbone()).isTrue();

    assertThat(run("finetune", "--resume", ft, "--exit-sample", "2").err()).startsWith("diffexit: --exit-sample cannot"
        + " change when resuming " + ft);
    String e = dir.resolve("e").toString();
    assertThat(run("finetune", out, "--strategy", "tiny-uem", "--exit-sample", "1", "--out", e).err())
        .isEqualTo("diffexit: --exit-sample: strategy 'tiny-uem' has an objective that reads every exit, not a"
            + " sample; drop --exit-sample\n");
    assertThat(run("finetune", "--resume", ft, "--distill").err()).isEqualTo("diffexit: --distill cannot change when"
        + " resuming " + ft + "; the run continues with the settings in its model card (only --steps, --cooldown,"
        + " --out and --threads apply)\n");
    assertThat(run("finetune", out, "--strategy", "tiny-uem", "--distill", "--out", dir.resolve("d").toString()).err())
        .isEqualTo("diffexit: training option distill needs freeze-trunk: with the final head training, its own"
            + " output would be its target; add --freeze-trunk\n");
    Run fineResumed = run("finetune", "--resume", ft, "--steps", "3");
    assertThat(fineResumed.code()).as(fineResumed.err()).isZero();
    assertThat(Checkpoint.readCard(Path.of(ft)).result().stepsDone()).isEqualTo(3);
    assertThat(Checkpoint.readCard(Path.of(ft)).parent()).as("resuming keeps the parent").isEqualTo("../ck");

    Run wrongKind = run("train", "--resume", ft);
    assertThat(wrongKind.err()).isEqualTo(
        "diffexit: " + ft + " is a fine-tune; resume it with `diffexit finetune --resume " + ft + "`\n");
  }

  @Test
  void missingOrBadInputsFailWithOneLine(@TempDir Path dir) {
    assertThat(run("train", "--steps", "2").err())
        .isEqualTo("diffexit: --backbone is required (e.g. --backbone uvit:dim=96), or --resume DIR\n");
    assertThat(run("train", "--backbone", "tiny", "--batch", "0").err())
        .isEqualTo("diffexit: training option batch must be at least 1, got 0\n");
    assertThat(run("train", "--backbone", "nope", "--limit", "8").err())
        .isEqualTo("diffexit: Unknown backbone 'nope'; known: [tiny]\n");
    assertThat(run("train", "--backbone", "tiny", "--data", dir.toString()).err())
        .startsWith("diffexit: Fashion-MNIST file " + dir.toAbsolutePath() + "/train-images-idx3-ubyte.gz not found");
    Run r = run("train", "--resume", dir.resolve("gone").toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).isEqualTo("diffexit: checkpoint folder " + dir.resolve("gone")
        + " not found; train one with `diffexit train --out DIR`\n");
    assertThat(run("finetune", dir.toString()).err())
        .isEqualTo("diffexit: --strategy is required, e.g. --strategy deediff\n");
    assertThat(run("finetune", "--strategy", "tiny-uem").err())
        .isEqualTo("diffexit: give the BASE_CHECKPOINT folder to fine-tune, or --resume DIR\n");
  }

  @Test
  void anExistingCheckpointIsReplacedOnlyWithForceAndTheBaseOfAFineTuneNever(@TempDir Path dir) throws Exception {
    String out = dir.resolve("ck").toString();
    String[] train = {"train", "--backbone", "tiny:channels=4,depth=2", "--limit", "16", "--batch", "8", "--steps",
        "1", "--out", out};
    assertThat(run(train).code()).isZero();
    String card = java.nio.file.Files.readString(dir.resolve("ck/model-card.json"));

    // A missing data folder would fail the run at once: the refusal comes first, before any work.
    Run again = run("train", "--backbone", "tiny", "--data", dir.resolve("no-data").toString(), "--out", out);
    assertThat(again.code()).isEqualTo(2);
    assertThat(again.err()).isEqualTo("diffexit: checkpoint folder " + out + " already exists; pass --force to"
        + " replace it, choose another --out, or continue its run with --resume " + out + "\n");
    assertThat(java.nio.file.Files.readString(dir.resolve("ck/model-card.json"))).isEqualTo(card);

    Run forced = run("train", "--backbone", "tiny:channels=4,depth=2", "--limit", "16", "--batch", "8", "--steps",
        "1", "--seed", "5", "--out", out, "--force");
    assertThat(forced.code()).as(forced.err()).isZero();
    assertThat(Checkpoint.readCard(Path.of(out)).training().seed()).isEqualTo(5);

    Run intoBase = run("finetune", out, "--strategy", "tiny-uem", "--out", out, "--force");
    assertThat(intoBase.err()).isEqualTo("diffexit: --out " + out + " is the base checkpoint being fine-tuned;"
        + " choose another folder (the fine-tune records its base as parent and must not replace it)\n");

    String ft = dir.resolve("ft").toString();
    String[] finetune = {"finetune", out, "--strategy", "tiny-uem", "--steps", "1", "--batch", "8", "--out", ft};
    assertThat(run(finetune).code()).isZero();
    assertThat(run(finetune).err()).startsWith("diffexit: checkpoint folder " + ft + " already exists; pass --force");

    String other = dir.resolve("other").toString();
    Run resumedElsewhere = run("train", "--resume", out, "--steps", "2", "--out", ft);
    assertThat(resumedElsewhere.err()).startsWith("diffexit: checkpoint folder " + ft + " already exists");
    assertThat(run("train", "--resume", out, "--steps", "2", "--out", other).code()).as("a new folder is fine")
        .isZero();
  }

  @Test
  void aFolderThatIsNotACheckpointOrCannotBeWrittenIsRefusedAtStart(@TempDir Path dir) throws Exception {
    Path notes = java.nio.file.Files.createDirectories(dir.resolve("notes"));
    java.nio.file.Files.writeString(notes.resolve("todo.txt"), "keep me");
    Run r = run("train", "--backbone", "tiny", "--out", notes.toString(), "--force");
    assertThat(r.err()).isEqualTo("diffexit: " + notes + " exists and is not a checkpoint folder (no"
        + " model-card.json); choose another --out (it is never replaced)\n");
    assertThat(notes.resolve("todo.txt")).hasContent("keep me");

    Path blocked = java.nio.file.Files.writeString(dir.resolve("a-file"), "x").resolve("ck");
    Run unwritable = run("train", "--backbone", "tiny", "--data", dir.resolve("no-data").toString(), "--out",
        blocked.toString());
    assertThat(unwritable.code()).isEqualTo(2);
    assertThat(unwritable.err()).startsWith("diffexit: cannot write checkpoint folder " + blocked + " (")
        .endsWith("); choose a writable --out\n");
  }
}
