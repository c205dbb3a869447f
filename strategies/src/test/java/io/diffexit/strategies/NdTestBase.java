package io.diffexit.strategies;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.diffexit.api.BackboneSpec;
import io.diffexit.api.ExitStrategy;
import io.diffexit.api.ExitStrategyFactory;
import io.diffexit.api.Params;
import io.diffexit.api.StrategyContext;
import io.diffexit.testkit.LinearSchedule;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A fresh NDManager per test and small helpers for crafted arrays. */
public abstract class NdTestBase {

  protected NDManager manager;

  @BeforeEach
  void openManager() {
    manager = NDManager.newBaseManager();
  }

  @AfterEach
  void closeManager() {
    manager.close();
  }

  /** @return an array with these values and shape */
  protected NDArray array(float[] values, long... shape) {
    return manager.create(values, new Shape(shape));
  }

  /** @return seeded uniform values in [-1, 1) */
  protected static float[] randoms(long seed, int n) {
    Random r = new Random(seed);
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = r.nextFloat() * 2 - 1;
    }
    return out;
  }

  /** @return a strategy built by the factory from {@code k=v,...} text on this backbone */
  protected ExitStrategy create(ExitStrategyFactory factory, String params, BackboneSpec backbone) {
    return factory.create(Params.parse(params), new StrategyContext(backbone, new LinearSchedule(1000), manager));
  }

  /** @return the boolean mask as a Java array */
  protected static boolean[] bools(NDArray mask) {
    return mask.toBooleanArray();
  }
}
