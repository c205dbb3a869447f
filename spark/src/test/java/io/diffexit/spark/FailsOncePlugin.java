package io.diffexit.spark;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import io.diffexit.api.DiffexitPlugin;
import io.diffexit.api.ExitPoint;
import io.diffexit.api.ExitStrategy;
import io.diffexit.api.ExitStrategyFactory;
import io.diffexit.api.Params;
import io.diffexit.api.StrategyContext;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.TaskContext;

/**
 * A test plugin (registered on the test class path only) with the strategy {@code fails-once}: it never exits, like
 * {@code none}, but throws in the first attempt of the Spark task of shard 1 halfway through sampling, so that the
 * retry path runs for real. Outside Spark it never throws.
 */
public final class FailsOncePlugin implements DiffexitPlugin {

  /** Failures thrown so far in this JVM. */
  static final AtomicInteger FAILURES = new AtomicInteger();

  @Override
  public List<ExitStrategyFactory> strategies() {
    return List.of(new ExitStrategyFactory() {
      @Override
      public String name() {
        return "fails-once";
      }

      @Override
      public String description() {
        return "test: never exits; fails the first attempt of Spark shard 1";
      }

      @Override
      public ExitStrategy create(Params params, StrategyContext context) {
        params.forOwner("exit strategy 'fails-once'").requireKnownSpecs(params());
        return new ExitStrategy() {
          @Override
          public String describe() {
            return "fails-once";
          }

          @Override
          public NDArray decide(ExitPoint point) {
            TaskContext task = TaskContext.get();
            if (task != null && task.partitionId() == 1 && task.attemptNumber() == 0) {
              FAILURES.incrementAndGet();
              throw new IllegalStateException("injected failure in the first attempt of shard 1");
            }
            return point.sampleIds().zerosLike().toType(DataType.BOOLEAN, false);
          }
        };
      }
    });
  }
}
