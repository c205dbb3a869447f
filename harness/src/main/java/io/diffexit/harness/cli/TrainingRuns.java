package io.diffexit.harness.cli;

import io.diffexit.harness.UserError;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import io.diffexit.api.NoiseSchedule;
import io.diffexit.harness.checkpoint.Checkpoint;
import io.diffexit.harness.checkpoint.CheckpointWriter;
import io.diffexit.harness.checkpoint.ModelCard;
import io.diffexit.harness.checkpoint.TrainingConfig;
import io.diffexit.harness.data.FashionMnist;
import io.diffexit.harness.data.ImageSet;
import io.diffexit.harness.plugins.Registry;
import io.diffexit.harness.train.TrainingProgress;
import io.diffexit.harness.train.Trainer;
import io.diffexit.harness.train.TrainingData;
import io.diffexit.harness.train.TrainingResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/** What {@code train} and {@code finetune} share: data loading, threads, resume, the run and its summary. */
final class TrainingRuns {

  private TrainingRuns() {}

  /** @return Fashion-MNIST's training split from {@code dir} (null = Debian's folder), limited to the first N */
  static TrainingData fashionMnist(Path dir, Integer limit) {
    Path folder = FashionMnist.directory(dir).toAbsolutePath().normalize();
    ImageSet images = FashionMnist.load(folder, FashionMnist.Split.TRAIN);
    if (limit != null) {
      if (limit < 1) {
        throw new IllegalArgumentException("--limit must be at least 1, got " + limit);
      }
      if (limit < images.size()) {
        images = images.head(limit);
      }
    }
    return new TrainingData(images, folder.toString(), FashionMnist.Split.TRAIN.label());
  }

  /** @return the data a checkpoint's card says its run used */
  static TrainingData dataOf(ModelCard card, Path dir) {
    ModelCard.DataInfo d = card.data();
    if (d == null || d.dir() == null) {
      throw new UserError(dir + "/model-card.json names no training data; cannot resume");
    }
    if (!d.name().startsWith("fashion-mnist/")) {
      throw new UserError(
          "checkpoint " + dir + " was trained on " + d.name() + "; the CLI resumes Fashion-MNIST runs only");
    }
    return fashionMnist(Path.of(d.dir()), d.count());
  }

  /** Loads the engine offline and sets its intra-op threads. */
  static void engine(Integer threads) {
    if (System.getProperty("ai.djl.offline") == null) {
      System.setProperty("ai.djl.offline", "true");
    }
    Engine.getInstance();
    if (threads != null) {
      if (threads < 1) {
        throw new IllegalArgumentException("--threads must be at least 1, got " + threads);
      }
      JniUtils.setNumThreads(threads);
    }
  }

  /**
   * Checks, before any work, that a run may write its checkpoint to {@code out}: an existing checkpoint there is
   * replaced only with {@code --force} (or when it is the run being resumed), a folder that is not a checkpoint is
   * never replaced, and the folder must be creatable (a probe file is written and deleted next to it).
   *
   * @param resumed the checkpoint this run continues (which it may rewrite in place), or null
   * @param base the checkpoint being fine-tuned (which the run may never replace), or null
   * @throws UserError naming the folder and what would fix it
   */
  static void checkOut(Path out, boolean force, Path resumed, Path base) {
    Path target = out.toAbsolutePath().normalize();
    if (base != null && target.equals(Checkpoint.resolve(base))) {
      throw new UserError("--out " + out + " is the base checkpoint being fine-tuned; choose another folder"
          + " (the fine-tune records its base as parent and must not replace it)");
    }
    boolean sameAsResumed = resumed != null && target.equals(resumed.toAbsolutePath().normalize());
    Path existing = Checkpoint.resolve(target);
    if (!sameAsResumed && Files.exists(existing)) {
      if (Files.isRegularFile(existing.resolve(CheckpointWriter.CARD))) {
        if (!force) {
          throw new UserError("checkpoint folder " + out + " already exists; pass --force to replace it, choose"
              + " another --out, or continue its run with --resume " + out);
        }
      } else if (!isEmptyFolder(existing)) {
        throw new UserError(out + " exists and is not a checkpoint folder (no " + CheckpointWriter.CARD
            + "); choose another --out (it is never replaced)");
      }
    }
    Path parent = target.getParent();
    try {
      Files.createDirectories(parent);
      Path probe = Files.createTempFile(parent, "." + target.getFileName() + ".probe-", "");
      Files.delete(probe);
    } catch (IOException | RuntimeException e) {
      String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      throw new UserError("cannot write checkpoint folder " + out + " (" + why + "); choose a writable --out");
    }
  }

  private static boolean isEmptyFolder(Path dir) {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (java.util.stream.Stream<Path> s = Files.list(dir)) {
      return s.findAny().isEmpty();
    } catch (IOException e) {
      return false;
    }
  }

  /** Refuses options a resumed run cannot change. */
  static void checkResumeOptions(List<String> given, Path resume) {
    if (!given.isEmpty()) {
      throw new IllegalArgumentException(
          String.join(", ", given) + " cannot change when resuming " + resume
              + "; the run continues with the settings in its model card (only --steps, --cooldown, --out and --threads"
              + " apply)");
    }
  }

  /** @return the command line as typed (picocli's original arguments, subcommand included), for the model card */
  static String commandLine(List<String> args) {
    StringBuilder sb = new StringBuilder("diffexit");
    for (String a : args) {
      sb.append(' ').append(a.isEmpty() || a.matches(".*[\\s'\"$\\\\].*") ? "'" + a.replace("'", "'\\''") + "'" : a);
    }
    return sb.toString();
  }

  /** How long a shutdown hook waits for the step in progress and its checkpoint. */
  static final Duration STOP_WAIT = Duration.ofMinutes(5);

  /**
   * Builds a trainer in a fresh manager, runs it to the end with a progress bar on stderr and prints a summary.
   *
   * <p>A signal that ends the JVM (Ctrl-C, SIGTERM) stops the run after the step in progress and writes its
   * checkpoint before the process exits. Without that wait the JVM tears libtorch down under the training thread's
   * backward pass and dies with a native crash report; the steps since the last checkpoint would be lost too.
   *
   * @return the process exit code
   */
  static int run(
      Function<NDManager, Trainer> make, Path out, String command, PrintWriter stdout, DeviceOption device) {
    AtomicReference<Trainer> running = new AtomicReference<>();
    CountDownLatch closed = new CountDownLatch(1);
    Thread hook = new Thread(() -> stopAndWait(running.get(), closed, out), "diffexit-stop-training");
    Runtime.getRuntime().addShutdownHook(hook);
    try (NDManager manager = device.newManager();
        Trainer trainer = make.apply(manager)) {
      running.set(trainer);
      if (trainer.step() >= trainer.config().steps()) {
        stdout.println("nothing to do: the run is at step " + trainer.step() + " of " + trainer.config().steps()
            + "; pass a larger --steps to continue it");
        return 0;
      }
      TrainingResult r = trainer.run(out, command, TrainingProgress.forStderr(trainer.config().steps()));
      stdout.println(String.format(Locale.ROOT,
          "trained %d steps (%s, %.1f images/s); loss %.4f, smoothed %.4f; checkpoint %s", r.steps(),
          io.diffexit.harness.progress.ProgressLine.clock(r.wallSeconds()), r.imagesPerSecond(), r.finalLoss(), r.lossEma(), r.checkpoint()));
      if (r.steps() < trainer.config().steps()) {
        stdout.println("stopped at step " + r.steps() + " of " + trainer.config().steps() + "; continue with `diffexit "
            + (command.startsWith("diffexit finetune") ? "finetune" : "train") + " --resume " + out + "`");
      }
      stdout.flush();
      return 0;
    } finally {
      closed.countDown(); // the managers are closed: the engine may go down
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running and has waited for us
      }
    }
  }

  private static void stopAndWait(Trainer trainer, CountDownLatch closed, Path out) {
    if (trainer == null) {
      return; // still loading: nothing trained yet, nothing to save
    }
    trainer.requestStop();
    System.err.println("\ndiffexit: stopping after the current step to write the checkpoint to " + out
        + " (up to " + STOP_WAIT.toMinutes() + " min; kill -9 abandons the steps since the last one)");
    try {
      if (!closed.await(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        System.err.println("diffexit: the checkpoint was not written within " + STOP_WAIT.toMinutes() + " min");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Continues the run that wrote {@code options.resume} (its data and settings come from its card; only --steps,
   * --cooldown, --out, --threads and --device apply), recording the command history.
   *
   * @return the process exit code
   */
  static int resume(Registry registry, NoiseSchedule schedule, TrainingOptions options, ModelCard card, String command,
      PrintWriter stdout) {
    Path out = options.out != null ? options.out : options.resume;
    checkOut(out, options.force, options.resume, null);
    TrainingData data = dataOf(card, options.resume);
    UnaryOperator<TrainingConfig> changes = c -> {
      TrainingConfig s = options.steps == null ? c : c.withSteps(options.steps);
      return options.cooldown == null ? s : s.withCooldown(options.cooldown);
    };
    return run(m -> Trainer.resume(registry, options.resume, schedule, data, changes, m), out,
        resumedCommand(card, command), stdout, options.device);
  }

  /**
   * @return the command history a resumed run records: the commands that made the checkpoint so far, then this one,
   *     so that the model card still says how the whole run was made
   */
  static String resumedCommand(ModelCard card, String command) {
    return card.command() == null || card.command().isBlank() ? command : card.command() + " ; then " + command;
  }

  /** @return the card of a checkpoint to resume (one-line errors for missing or corrupt ones) */
  static ModelCard resumeCard(Path resume) {
    return Checkpoint.readCard(resume);
  }
}
