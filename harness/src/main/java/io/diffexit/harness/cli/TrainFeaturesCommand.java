package io.diffexit.harness.cli;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.diffexit.harness.data.FashionMnist;
import io.diffexit.harness.data.ImageSet;
import io.diffexit.harness.features.Checksums;
import io.diffexit.harness.features.FmnistNet;
import io.diffexit.harness.features.FmnistNetExtractorFactory;
import io.diffexit.harness.features.FmnistNetTrainer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code diffexit train-features}: trains the {@code fmnist-net} feature network on the Fashion-MNIST training split,
 * reports its accuracy on the test split, and writes the weights plus a model card.
 */
@Command(
    name = "train-features",
    mixinStandardHelpOptions = true,
    description = "Train the fmnist-net feature network (for FID/KID) on Fashion-MNIST and write weights + model card.")
public final class TrainFeaturesCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--data", description = "folder with the Fashion-MNIST *-ubyte.gz files (default: ${DEFAULT-VALUE})",
      defaultValue = FashionMnist.DEFAULT_DIR)
  Path data;

  @Option(names = "--out", description = "output folder (default: ${DEFAULT-VALUE})", defaultValue = "models/fmnist-net")
  Path out;

  @Option(names = "--epochs", defaultValue = "6", description = "passes over the 60k training images (default: ${DEFAULT-VALUE})")
  int epochs;

  @Option(names = "--batch", defaultValue = "128", description = "batch size (default: ${DEFAULT-VALUE})")
  int batch;

  @Option(names = "--lr", defaultValue = "0.001", description = "initial Adam learning rate, cosine-decayed to 1/100 (default: ${DEFAULT-VALUE})")
  float lr;

  @Option(names = "--seed", defaultValue = "0", description = "seed for initialization and shuffling (default: ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--train-limit", description = "use only the first N training images (for quick checks)")
  Integer trainLimit;

  @Override
  public Integer call() {
    PrintWriter w = spec.commandLine().getOut();
    FmnistNetTrainer.Config config = new FmnistNetTrainer.Config(epochs, batch, lr, seed);
    ImageSet train = FashionMnist.load(data, FashionMnist.Split.TRAIN);
    if (trainLimit != null) {
      train = train.head(trainLimit);
    }
    ImageSet test = FashionMnist.load(data, FashionMnist.Split.TEST);
    Path weights = out.resolve(FmnistNetExtractorFactory.WEIGHTS_FILE);
    long t0 = System.nanoTime();
    try (NDManager manager = NDManager.newBaseManager()) {
      FmnistNet net = FmnistNetTrainer.train(manager, train, config, line -> {
        w.println(line);
        w.flush();
      });
      double trainSeconds = (System.nanoTime() - t0) / 1e9;
      double accuracy = FmnistNetTrainer.accuracy(manager, net, test, 500);
      FmnistNetTrainer.save(net, weights);
      String sha = Checksums.sha256(weights);
      Map<String, Object> card = new LinkedHashMap<>();
      card.put("name", "fmnist-net");
      card.put("task", "10-class Fashion-MNIST classifier used as the feature network for FID/KID");
      card.put("architecture", "conv3x3-16, relu, maxpool2, conv3x3-32, relu, maxpool2, conv3x3-64, relu, maxpool2, "
          + "flatten(576), fc-128 [features, pre-ReLU], relu, fc-10; input (B,1,28,28) in [0,1] mapped to [-1,1]");
      card.put("featureLayer", "penultimate fc-128 output before its ReLU");
      card.put("featureDimension", FmnistNet.FEATURE_DIM);
      card.put("parameters", FmnistNetTrainer.parameterCount(net));
      card.put("weightsFile", weights.getFileName().toString());
      card.put("weightsFormat", "DJL Block.saveParameters (DJL 0.36)");
      card.put("weightsBytes", Files.size(weights));
      card.put("sha256", sha);
      card.put("checksum", sha.substring(0, Checksums.PREFIX_HEX));
      card.put("trainData", train.name() + " (" + train.size() + " images)");
      card.put("testData", test.name() + " (" + test.size() + " images)");
      card.put("testAccuracy", Math.round(accuracy * 1e4) / 1e4);
      card.put("epochs", epochs);
      card.put("batchSize", batch);
      card.put("optimizer", "Adam (DJL), learning rate " + lr + " cosine-decayed to " + lr / 100
          + " per step, softmax cross-entropy, no augmentation");
      card.put("seed", seed);
      card.put("wallTimeSeconds", Math.round(trainSeconds * 10) / 10.0);
      card.put("machine", Runtime.getRuntime().availableProcessors() + " CPU cores, engine "
          + Engine.getInstance().getEngineName() + " " + Engine.getInstance().getVersion() + ", torch intra-op threads "
          + System.getProperty("ai.djl.pytorch.num_threads", "default"));
      card.put("command", "diffexit train-features --data " + data + " --out " + out + " --epochs " + epochs
          + " --batch " + batch + " --lr " + lr + " --seed " + seed
          + (trainLimit == null ? "" : " --train-limit " + trainLimit));
      card.put("created", Instant.now().toString());
      card.put("notes", List.of("test accuracy is on the full 10k test split",
          "wall time covers training only, on a machine shared with other jobs"));
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
          .writeValue(out.resolve("model-card.json").toFile(), card);
      w.printf("fmnist-net: test accuracy %.4f on %d images, %d epochs in %.1f s, checksum %s, weights %s (%d bytes)%n",
          accuracy, test.size(), epochs, trainSeconds, sha.substring(0, Checksums.PREFIX_HEX), weights,
          Files.size(weights));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return 0;
  }
}
