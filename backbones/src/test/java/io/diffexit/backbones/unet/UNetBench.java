package io.diffexit.backbones.unet;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import io.diffexit.api.BackboneSpec;
import io.diffexit.api.ExitPointSpec;
import io.diffexit.api.Params;
import io.diffexit.api.Pass;
import java.util.Arrays;

/**
 * Throwaway measurement of the U-Net (not a unit test; surefire does not run it). Prints parameter count, MACs per
 * image (full and per exit point), forward latency per image at batch 1 and 64 with grad mode off, and training
 * throughput at batch 64 (forward to the last head, MSE, backward, Adam). Usage: {@code UNetBench [k=v,...] [reps]}.
 */
public final class UNetBench {

  private UNetBench() {}

  /** @param args optional U-Net parameters and repeat count */
  public static void main(String[] args) {
    Params params = args.length > 0 ? Params.parse(args[0]) : Params.empty();
    int reps = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    Engine.getInstance();
    JniUtils.setGradMode(false);
    System.out.println("threads: intra-op " + Runtime.getRuntime().availableProcessors() + " cores visible");
    try (NDManager m = NDManager.newBaseManager();
        UNetBackbone b = new UNetBackbone(UNetConfig.fromParams(params), m, 1)) {
      BackboneSpec s = b.spec();
      System.out.println("config: " + s.config());
      System.out.printf("parameters: %,d%n", s.parameterCount());
      System.out.printf("embed MACs: %,d%n", s.embedMacs());
      for (ExitPointSpec e : s.exitPoints()) {
        System.out.printf(
            "exit %-5s layer %d: segment %,d MACs, head %,d MACs, through here + head %,d MACs (%.1f%% of full)%n",
            e.name(), e.layer(), e.segmentMacs(), e.headMacs(), s.macsThrough(e.index()) + e.headMacs(),
            100.0 * (s.macsThrough(e.index()) + e.headMacs()) / s.fullMacs());
      }
      System.out.printf("full MACs per image: %,d (%.1f MFLOPs)%n", s.fullMacs(), 2e-6 * s.fullMacs());
      UNetFixtures.randomize(b, 3);
      for (int batch : new int[] {1, 64}) {
        double[] ms = new double[reps];
        for (int r = -3; r < reps; r++) {
          try (NDManager step = m.newSubManager()) {
            NDArray x = UNetFixtures.images(step, b.config(), batch, r + 10);
            NDArray t = step.randomUniform(0, 999, new ai.djl.ndarray.types.Shape(batch));
            long t0 = System.nanoTime();
            Pass pass = b.begin(new ParameterStore(step, false), x, t, false);
            for (int i = 0; i < pass.exitPoints(); i++) {
              pass.advance();
            }
            pass.head().toFloatArray();
            long t1 = System.nanoTime();
            if (r >= 0) {
              ms[r] = (t1 - t0) / 1e6;
            }
          }
        }
        Arrays.sort(ms);
        System.out.printf(
            "forward batch %d: median %.2f ms/batch = %.3f ms/image (min %.2f, max %.2f ms/batch, %d reps)%n",
            batch, ms[reps / 2], ms[reps / 2] / batch, ms[0], ms[reps - 1], reps);
      }
      trainingThroughput(b, m, 64, Math.max(5, reps / 2));
    }
  }

  private static void trainingThroughput(UNetBackbone b, NDManager m, int batch, int reps) {
    Optimizer adam = Optimizer.adam().optLearningRateTracker(Tracker.fixed(1e-4f)).build();
    double[] ms = new double[reps];
    for (int r = -2; r < reps; r++) {
      try (NDManager step = m.newSubManager()) {
        NDArray x = UNetFixtures.images(step, b.config(), batch, r + 100);
        NDArray eps = UNetFixtures.images(step, b.config(), batch, r + 200);
        NDArray t = step.randomUniform(0, 999, new ai.djl.ndarray.types.Shape(batch));
        long t0 = System.nanoTime();
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          Pass pass = b.begin(new ParameterStore(step, false), x, t, true);
          for (int i = 0; i < pass.exitPoints(); i++) {
            pass.advance();
          }
          NDArray loss = pass.head().sub(eps).square().mean();
          gc.backward(loss);
        }
        for (Pair<String, Parameter> p : b.block().getParameters()) {
          NDArray w = p.getValue().getArray();
          try (NDArray g = w.getGradient()) {
            adam.update(p.getValue().getId(), w, g);
            g.subi(g);
          }
        }
        long t1 = System.nanoTime();
        if (r >= 0) {
          ms[r] = (t1 - t0) / 1e6;
        }
      }
    }
    Arrays.sort(ms);
    System.out.printf(
        "training batch %d (final head, MSE, backward, Adam): median %.1f ms/step = %.1f images/s (min %.1f, max %.1f ms)%n",
        batch, ms[reps / 2], batch * 1000 / ms[reps / 2], ms[0], ms[reps - 1]);
  }
}
