package io.diffexit.harness.features;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.diffexit.harness.data.ImageSet;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Trains {@link FmnistNet} as a 10-class classifier with Adam (cosine learning-rate decay) and softmax cross-entropy, one seeded shuffle per epoch,
 * and measures its accuracy on a held-out split.
 */
public final class FmnistNetTrainer {

  /**
   * @param epochs passes over the training images
   * @param batchSize images per step
   * @param learningRate Adam's initial step size (cosine-decayed to 1/100 of it)
   * @param seed seeds torch (initialization) and the shuffle
   */
  public record Config(int epochs, int batchSize, float learningRate, long seed) {
    public Config {
      if (epochs < 1 || batchSize < 1 || !(learningRate > 0)) {
        throw new IllegalArgumentException(
            "fmnist-net training: epochs and batch size must be ≥ 1 and the learning rate > 0, got epochs=" + epochs
                + ", batch=" + batchSize + ", lr=" + learningRate);
      }
    }
  }

  private FmnistNetTrainer() {}

  /**
   * Trains a fresh network held by {@code manager}.
   *
   * @param log receives one line per progress report
   * @return the trained network (its weights belong to {@code manager}) and the outcome
   */
  public static FmnistNet train(NDManager manager, ImageSet train, Config config, Consumer<String> log) {
    Engine.getInstance().setRandomSeed((int) config.seed());
    FmnistNet net = new FmnistNet();
    net.initialize(manager, DataType.FLOAT32, new Shape(config.batchSize()).addAll(FmnistNet.IMAGE_SHAPE));
    ParameterStore ps = new ParameterStore(manager, false);
    int n = train.size();
    int stepsPerEpoch = n / config.batchSize(); // the ragged tail is dropped; the next shuffle covers it
    // cosine decay from lr to lr/100 over the whole run: a few epochs then reach the accuracy of many at constant lr
    Optimizer adam = Optimizer.adam().optLearningRateTracker(Tracker.cosine().setBaseValue(config.learningRate())
        .optFinalValue(config.learningRate() / 100).setMaxUpdates(stepsPerEpoch * config.epochs()).build()).build();
    List<Parameter> params = new ArrayList<>(net.getParameters().values());
    Loss loss = Loss.softmaxCrossEntropyLoss();
    Random shuffle = new Random(config.seed());
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    for (int epoch = 0; epoch < config.epochs(); epoch++) {
      for (int i = n - 1; i > 0; i--) {
        int j = shuffle.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      NDArray lossSum = manager.zeros(new Shape());
      for (int s = 0; s < stepsPerEpoch; s++) {
        try (NDManager sm = manager.newSubManager()) {
          int[] idx = new int[config.batchSize()];
          System.arraycopy(order, s * config.batchSize(), idx, 0, idx.length);
          NDArray x = train.batchUnit(sm, idx);
          NDArray y = train.labels(sm, idx);
          try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray logits = net.forward(ps, new NDList(x), true).head();
            NDArray l = loss.evaluate(new NDList(y), new NDList(logits));
            gc.backward(l);
            lossSum.addi(l.stopGradient());
          }
          for (Parameter p : params) {
            NDArray g = p.getArray().getGradient();
            g.attach(sm);
            adam.update(p.getId(), p.getArray(), g);
          }
        }
        if ((s + 1) % 100 == 0 || s + 1 == stepsPerEpoch) {
          log.accept(String.format("epoch %d/%d step %d/%d mean loss %.4f", epoch + 1, config.epochs(), s + 1,
              stepsPerEpoch, lossSum.getFloat() / (s + 1)));
        }
      }
      lossSum.close();
    }
    return net;
  }

  /** @return the fraction of {@code images} whose argmax logit equals the label */
  public static double accuracy(NDManager manager, FmnistNet net, ImageSet images, int batchSize) {
    ParameterStore ps = new ParameterStore(manager, false);
    long correct = 0;
    for (int start = 0; start < images.size(); start += batchSize) {
      int b = Math.min(batchSize, images.size() - start);
      int[] idx = new int[b];
      for (int k = 0; k < b; k++) {
        idx[k] = start + k;
      }
      try (NDManager sm = manager.newSubManager()) {
        NDArray logits = net.forward(ps, new NDList(images.batchUnit(sm, idx)), false).head();
        correct += logits.argMax(1).eq(images.labels(sm, idx)).sum().getLong();
      }
    }
    return correct / (double) images.size();
  }

  /** @return the number of trainable scalars */
  public static long parameterCount(FmnistNet net) {
    long c = 0;
    for (Parameter p : net.getParameters().values()) {
      c += p.getArray().size();
    }
    return c;
  }

  /** Writes the weights in DJL's parameter format. */
  public static void save(FmnistNet net, Path file) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      try (OutputStream os = Files.newOutputStream(file); DataOutputStream out = new DataOutputStream(os)) {
        net.saveParameters(out);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }
}
