package io.diffexit.spark;

import io.diffexit.harness.bench.BenchEngine;
import io.diffexit.harness.bench.BenchWiring;
import java.util.Map;

/** The {@code spark} engine of {@code diffexit bench}: cells and sample shards as Apache Spark tasks. */
public final class SparkBenchEngine implements BenchEngine {

  @Override
  public String name() {
    return "spark";
  }

  @Override
  public BenchWiring wiring(BenchWiring local, Map<String, String> options) {
    return new SparkBenchWiring(local, options);
  }
}
