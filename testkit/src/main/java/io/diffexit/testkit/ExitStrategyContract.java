package io.diffexit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assumptions.assumeThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import io.diffexit.api.Backbone;
import io.diffexit.api.BackboneSpec;
import io.diffexit.api.CostMeter;
import io.diffexit.api.CostMeter.Category;
import io.diffexit.api.DecisionMode;
import io.diffexit.api.ExitPointSpec;
import io.diffexit.api.ExitStrategy;
import io.diffexit.api.ExitStrategyFactory;
import io.diffexit.api.ExitTrace;
import io.diffexit.api.ExitTrace.Outcome;
import io.diffexit.api.HindsightExitStrategy;
import io.diffexit.api.NamedFactory;
import io.diffexit.api.NoiseSchedule;
import io.diffexit.api.ParamSpec;
import io.diffexit.api.Params;
import io.diffexit.api.StepReuseStrategy;
import io.diffexit.api.StrategyContext;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every exit strategy must pass (built-in or plugin, step-reuse and hindsight strategies included). A
 * strategy's test extends it and supplies the factory and the parameters to run with:
 *
 * <pre>{@code
 * class MyStrategyContractTest extends ExitStrategyContract {
 *   protected ExitStrategyFactory factory() { return new MyStrategyFactory(); }
 *   protected String params() { return "threshold=0.4"; }
 * }
 * }</pre>
 *
 * <p>Each test runs the strategy through {@link ReferenceRunner} (the harness's runner, re-stated) on a
 * {@link TinyBackbone} for {@value #STEPS} sampler steps of {@link TinySampling} over {@value #SAMPLES} samples, and
 * checks: the factory's name, description and parameter errors; boolean masks with one entry per active sample (uniform
 * in per-batch mode) and well-formed pixel maps; that a sample's exits and image do not depend on its batch mates;
 * that the parameters make the strategy save work (or, with {@link #savesWork()} false, that it never does); that the
 * declared MACs are what the meter is charged and do not change with the strategy's state; that a run leaves no
 * arrays behind and {@code close} releases the rest; and that a second run on the same instance starts afresh.
 *
 * <p>Choose parameters under which the strategy exits some samples early on the tiny backbone and not others, so that
 * the batch tests have something to compare; override {@link #backbone} when the strategy needs another architecture.
 */
public abstract class ExitStrategyContract {

  /** Sampler steps of every run. */
  protected static final int STEPS = 6;

  /** Samples of a full batch. */
  protected static final int SAMPLES = 6;

  /** How far images of the same sample may differ between batches (kernels may sum in another order). */
  protected static final double IMAGE_TOLERANCE = 1e-5;

  private static final long SEED = 11;

  private NDManager root;
  private Backbone backbone;

  /** @return the factory under test */
  protected abstract ExitStrategyFactory factory();

  /** @return the parameters to create the strategy with, as users write them ({@code k=v,k=v}); default none */
  protected String params() {
    return "";
  }

  /** @return the backbone to run on, its parameters in {@code manager}; default {@link TinyBackbone} */
  protected Backbone backbone(NDManager manager) {
    return new TinyBackbone(manager);
  }

  /** @return the noise schedule given to the factory; default DDPM's linear β over 1000 steps */
  protected NoiseSchedule schedule() {
    return new LinearSchedule(1000);
  }

  /**
   * @return false for a strategy whose per-sample decisions are meant to depend on the batch (the batch-composition
   *     test is then skipped; reports must say so)
   */
  protected boolean decidesPerSample() {
    return true;
  }

  /** @return false for a strategy that never exits early nor reuses (the full model); then it must never do */
  protected boolean savesWork() {
    return true;
  }

  @BeforeEach
  final void openContract() {
    root = NDManager.newBaseManager();
    backbone = backbone(root);
  }

  @AfterEach
  final void closeContract() {
    backbone.close();
    root.close();
  }

  /** @return the backbone of this test */
  protected final Backbone backbone() {
    return backbone;
  }

  /**
   * @param manager the strategy's long-lived manager ({@link StrategyContext#manager()})
   * @return a new strategy from {@link #factory()} and {@link #params()} on this test's backbone; DJL's engine seed is
   *     set first, so that two instances draw the same initial weights for a trainable block (untrained UEM or LTE
   *     heads), as two loads of one checkpoint would have
   */
  protected final ExitStrategy create(NDManager manager) {
    Engine.getInstance().setRandomSeed((int) SEED);
    return factory().create(Params.parse(params()), new StrategyContext(backbone.spec(), schedule(), manager));
  }

  /**
   * What one run produced, by sample key.
   *
   * @param keys the samples, in batch order
   * @param exits [step][row] the exit point whose head gave the sample's ε (-1: a skipped call)
   * @param outcomes [step][row]
   * @param images [row] the sample's final image, flattened
   * @param cost the meter of the run
   * @param decisions how often {@code decide} was called
   */
  protected record Run(int[] keys, int[][] exits, Outcome[][] outcomes, float[][] images, CostMeter cost,
      long decisions) {

    /** @return the row of sample {@code key} */
    public int row(int key) {
      for (int r = 0; r < keys.length; r++) {
        if (keys[r] == key) {
          return r;
        }
      }
      throw new IllegalArgumentException("sample " + key + " is not in this run");
    }

    /** @return whether some sample at some step exited before the last exit point or reused a cache */
    public boolean savedWork(int lastExitPoint) {
      for (int s = 0; s < exits.length; s++) {
        for (int r = 0; r < keys.length; r++) {
          if (outcomes[s][r] == Outcome.REUSED || exits[s][r] < lastExitPoint) {
            return true;
          }
        }
      }
      return false;
    }
  }

  /**
   * Runs {@code strategy} over the samples {@code keys} as one batch (sampling arrays in a sub-manager of this test's
   * manager, closed before returning).
   */
  protected final Run run(ExitStrategy strategy, int[] keys, DecisionMode mode, boolean checkPixelMaps) {
    BackboneSpec spec = backbone.spec();
    CostMeter meter = new CostMeter(STEPS);
    ExitTrace trace = new ExitTrace(STEPS, keys.length, spec.exitPoints().size());
    try (NDManager sampling = root.newSubManager()) {
      ReferenceRunner runner = new ReferenceRunner(backbone, new ParameterStore(sampling, false), strategy, mode,
          meter, trace);
      if (checkPixelMaps) {
        runner.checkingPixelMaps();
      }
      NDArray images;
      try (runner) {
        images = TinySampling.run(runner, TinySampling.noise(sampling, spec, keys, SEED), STEPS,
            schedule().trainTimesteps());
      }
      int[][] exits = new int[STEPS][keys.length];
      Outcome[][] outcomes = new Outcome[STEPS][keys.length];
      for (int s = 0; s < STEPS; s++) {
        for (int r = 0; r < keys.length; r++) {
          outcomes[s][r] = trace.outcomeAt(s, r);
          assertThat(outcomes[s][r]).as("outcome of sample %d at step %d", r, s).isNotEqualTo(Outcome.NONE);
          exits[s][r] = trace.exitAt(s, r);
        }
      }
      float[] flat = images.toFloatArray();
      int per = flat.length / keys.length;
      float[][] rows = new float[keys.length][];
      for (int r = 0; r < keys.length; r++) {
        rows[r] = java.util.Arrays.copyOfRange(flat, r * per, (r + 1) * per);
      }
      return new Run(keys.clone(), exits, outcomes, rows, meter, runner.decisions());
    }
  }

  private static int[] keys(int n) {
    int[] k = new int[n];
    for (int i = 0; i < n; i++) {
      k[i] = i;
    }
    return k;
  }

  private int last() {
    return backbone.spec().exitPoints().size() - 1;
  }

  // --- the factory ---

  @Test
  void theFactoryHasAValidNameADescriptionAndDistinctParameters() {
    ExitStrategyFactory factory = factory();
    assertThat(factory.name()).matches(NamedFactory.NAME_PATTERN);
    assertThat(factory.description()).as("description of '%s'", factory.name()).isNotBlank();
    Set<String> names = new HashSet<>();
    for (ParamSpec p : factory.params()) {
      assertThat(names.add(p.name())).as("parameter '%s' declared once", p.name()).isTrue();
    }
    try (NDManager m = root.newSubManager(); ExitStrategy s = create(m)) {
      assertThat(s.describe()).as("describe() names the strategy first").startsWith(factory.name());
      assertThat(s instanceof StepReuseStrategy).as("reusesSteps() says whether create returns a StepReuseStrategy")
          .isEqualTo(factory.reusesSteps());
    }
  }

  @Test
  void anUnknownParameterIsRefusedWithItsName() {
    String text = params().isBlank() ? "no-such-parameter=1" : params() + ",no-such-parameter=1";
    assertThatThrownBy(() -> {
      try (NDManager m = root.newSubManager()) {
        create(Params.parse(text), m);
      }
    }).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no-such-parameter");
  }

  private void create(Params params, NDManager m) {
    factory().create(params, new StrategyContext(backbone.spec(), schedule(), m)).close();
  }

  // --- decisions ---

  @Test
  void masksAreBooleanWithOneEntryPerActiveSampleAndPixelMapsFitTheImage() {
    try (NDManager m = root.newSubManager(); ExitStrategy s = create(m)) {
      Run r = run(s, keys(SAMPLES), DecisionMode.PER_SAMPLE, true);
      boolean decides = !(s instanceof HindsightExitStrategy)
          && !(s instanceof StepReuseStrategy reuse && !reuse.exits());
      if (decides) {
        assertThat(r.decisions()).as("decide calls (the runner checks every mask)").isPositive();
      } else {
        assertThat(r.decisions()).as("decide calls of a strategy that chooses in hindsight or only reuses").isZero();
      }
    }
  }

  @Test
  void perBatchMasksAreUniform() {
    try (NDManager m = root.newSubManager(); ExitStrategy s = create(m)) {
      // per batch, hindsight choices are unified too: the batch exits at the latest sample's choice
      Run r = run(s, keys(SAMPLES), DecisionMode.PER_BATCH, false);
      for (int step = 0; step < STEPS; step++) {
        for (int row = 1; row < SAMPLES; row++) {
          assertThat(r.exits()[step][row]).as("per batch, step %d: sample %d exits with sample 0", step, row)
              .isEqualTo(r.exits()[step][0]);
        }
      }
    }
  }

  @Test
  void aSamplesExitsAndImageDoNotDependOnItsBatchMates() {
    assumeThat(decidesPerSample()).as("the strategy declares batch-dependent decisions").isTrue();
    try (NDManager m = root.newSubManager()) {
      Run whole;
      try (ExitStrategy s = create(m)) {
        whole = run(s, keys(SAMPLES), DecisionMode.PER_SAMPLE, false);
      }
      int[][] batches = {{3, 0, 5}, {4, 1}, {2}};
      for (int[] batch : batches) {
        Run part;
        try (ExitStrategy s = create(m)) {
          part = run(s, batch, DecisionMode.PER_SAMPLE, false);
        }
        for (int key : batch) {
          int a = whole.row(key);
          int b = part.row(key);
          for (int step = 0; step < STEPS; step++) {
            assertThat(part.exits()[step][b]).as("exit of sample %d at step %d in batch %s vs all %d", key, step,
                java.util.Arrays.toString(batch), SAMPLES).isEqualTo(whole.exits()[step][a]);
            assertThat(part.outcomes()[step][b]).isEqualTo(whole.outcomes()[step][a]);
          }
          float[] x = whole.images()[a];
          float[] y = part.images()[b];
          for (int k = 0; k < x.length; k++) {
            assertThat((double) y[k]).as("image of sample %d, value %d", key, k).isCloseTo(x[k],
                within(IMAGE_TOLERANCE));
          }
        }
      }
    }
  }

  @Test
  void theParametersMakeTheStrategySaveWorkOrItNeverDoes() {
    try (NDManager m = root.newSubManager(); ExitStrategy s = create(m)) {
      Run r = run(s, keys(SAMPLES), DecisionMode.PER_SAMPLE, false);
      assertThat(r.savedWork(last()))
          .as("some sample exits early or reuses with '%s' (choose parameters that exercise the strategy, or "
              + "override savesWork() for a strategy that never saves)", params())
          .isEqualTo(savesWork());
    }
  }

  // --- costs ---

  @Test
  void declaredCostsAreWhatTheMeterIsChargedAndDoNotChangeWithState() {
    List<ExitPointSpec> points = backbone.spec().exitPoints();
    try (NDManager m = root.newSubManager(); ExitStrategy fresh = create(m); ExitStrategy used = create(m)) {
      long[] declared = new long[points.size()];
      long sum = 0;
      for (int i = 0; i < declared.length; i++) {
        declared[i] = fresh.macsPerDecision(points.get(i));
        assertThat(declared[i]).as("MACs per decision at %s", points.get(i).name()).isNotNegative();
        sum += declared[i];
      }
      if (fresh.trainable().isPresent()) {
        assertThat(sum).as("a strategy with a trainable block declares the MACs it spends running it").isPositive();
      }
      Run r = run(used, keys(SAMPLES), DecisionMode.PER_SAMPLE, false);
      for (int i = 0; i < declared.length; i++) {
        assertThat(used.macsPerDecision(points.get(i))).as("MACs per decision at %s after a run", points.get(i).name())
            .isEqualTo(declared[i]);
      }
      CostMeter cost = r.cost();
      assertThat(cost.total()).isEqualTo(cost.total(Category.EMBED) + cost.total(Category.BACKBONE)
          + cost.total(Category.HEAD) + cost.total(Category.STRATEGY) + cost.total(Category.CACHE));
      boolean plainExits = !(used instanceof StepReuseStrategy) && !(used instanceof HindsightExitStrategy);
      if (!plainExits) {
        assertThat(cost.total(Category.STRATEGY)).as("a hindsight or step-reuse strategy is not charged per decision")
            .isZero();
        if (!(used instanceof StepReuseStrategy)) {
          assertThat(cost.total(Category.CACHE)).isZero();
        }
        return;
      }
      // From the trace alone: every sample decides at each exit point it reaches before the last, and runs the
      // segments up to its exit; the meter must agree.
      long strategy = 0;
      long segments = 0;
      long exitHeads = 0;
      for (int step = 0; step < STEPS; step++) {
        for (int row = 0; row < SAMPLES; row++) {
          int e = r.exits()[step][row];
          for (int i = 0; i <= Math.min(e, last() - 1); i++) {
            strategy += declared[i];
          }
          segments += backbone.spec().macsThrough(e) - backbone.spec().embedMacs();
          exitHeads += points.get(e).headMacs();
        }
      }
      assertThat(cost.total(Category.STRATEGY)).as("strategy MACs: declarations × decisions").isEqualTo(strategy);
      assertThat(cost.total(Category.BACKBONE)).as("backbone MACs: the segments each sample ran").isEqualTo(segments);
      assertThat(cost.total(Category.EMBED)).isEqualTo((long) STEPS * SAMPLES * backbone.spec().embedMacs());
      assertThat(cost.total(Category.HEAD)).as("head MACs: at least the heads the samples exited with")
          .isGreaterThanOrEqualTo(exitHeads);
      assertThat(cost.total(Category.CACHE)).isZero();
    }
  }

  // --- memory and lifecycle ---

  @Test
  void runsLeaveNoArraysBehindAndCloseReleasesTheRest() {
    int before = root.getManagedArrays().size();
    NDManager context = root.newSubManager();
    ExitStrategy s = create(context);
    int created = context.getManagedArrays().size();
    run(s, keys(SAMPLES), DecisionMode.PER_SAMPLE, false);
    assertThat(context.getManagedArrays()).as("arrays left in the strategy's manager after a run").hasSize(created);
    run(s, keys(3), DecisionMode.PER_BATCH, false);
    assertThat(context.getManagedArrays()).as("arrays left in the strategy's manager after two runs")
        .hasSize(created);
    s.close();
    assertThat(context.getManagedArrays()).as("arrays left in the strategy's manager after close").isEmpty();
    context.close();
    assertThat(root.getManagedArrays()).as("arrays anywhere under the test's manager").hasSize(before);
  }

  @Test
  void aSecondRunOnTheSameInstanceStartsAfresh() {
    try (NDManager m = root.newSubManager(); ExitStrategy s = create(m); ExitStrategy fresh = create(m)) {
      Run first = run(s, keys(SAMPLES), DecisionMode.PER_SAMPLE, false);
      run(s, new int[] {5, 4, 3}, DecisionMode.PER_BATCH, false);
      Run again = run(s, keys(SAMPLES), DecisionMode.PER_SAMPLE, false);
      Run other = run(fresh, keys(SAMPLES), DecisionMode.PER_SAMPLE, false);
      for (Run r : List.of(again, other)) {
        assertThat(r.exits()).as("exits of a third run, and of a fresh instance, equal the first run's")
            .isDeepEqualTo(first.exits());
        assertThat(r.outcomes()).isDeepEqualTo(first.outcomes());
        assertThat(r.images()).isDeepEqualTo(first.images());
        assertThat(r.cost().total()).isEqualTo(first.cost().total());
      }
    }
  }
}
