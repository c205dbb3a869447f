package io.diffexit.testkit;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.diffexit.api.DecisionMode;
import io.diffexit.api.ExitPoint;
import io.diffexit.api.ExitPointSpec;
import io.diffexit.api.ExitStrategy;
import io.diffexit.api.ExitStrategyFactory;
import io.diffexit.api.Params;
import io.diffexit.api.RunInfo;
import io.diffexit.api.StrategyContext;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

/**
 * The contract passes a well-behaved strategy and catches each kind of broken one, with a message that says what broke.
 */
class ExitStrategyContractTest {

  /** A contract over a strategy made by a function, behind a factory with no parameters. */
  private static class Subject extends ExitStrategyContract {
    private final Function<StrategyContext, ExitStrategy> make;

    Subject(Function<StrategyContext, ExitStrategy> make) {
      this.make = make;
    }

    @Override
    protected ExitStrategyFactory factory() {
      return new ExitStrategyFactory() {
        @Override
        public String name() {
          return "probe";
        }

        @Override
        public String description() {
          return "exits where the first hidden value is positive";
        }

        @Override
        public ExitStrategy create(Params params, StrategyContext context) {
          params.forOwner("exit strategy 'probe'").requireKnownSpecs(List.of());
          return make.apply(context);
        }
      };
    }
  }

  /** Exits a sample where its first hidden value is positive (per batch: where their mean is). */
  private static class FirstValue implements ExitStrategy {
    @Override
    public String describe() {
      return "probe()";
    }

    @Override
    public NDArray decide(ExitPoint point) {
      NDArray first = point.hidden().get(":, 0, 0");
      if (point.mode() == DecisionMode.PER_BATCH) {
        boolean all = first.mean().getFloat() > 0;
        return point.hidden().getManager().full(first.getShape(), all ? 1 : 0).toType(DataType.BOOLEAN, false);
      }
      return first.gt(0);
    }

    @Override
    public long macsPerDecision(ExitPointSpec point) {
      return 1;
    }
  }

  private static void check(Subject subject, Consumer<ExitStrategyContract> test) {
    subject.openContract();
    try {
      test.accept(subject);
    } finally {
      subject.closeContract();
    }
  }

  private static void passesEverything(Subject s) {
    check(s, ExitStrategyContract::theFactoryHasAValidNameADescriptionAndDistinctParameters);
    check(s, ExitStrategyContract::anUnknownParameterIsRefusedWithItsName);
    check(s, ExitStrategyContract::masksAreBooleanWithOneEntryPerActiveSampleAndPixelMapsFitTheImage);
    check(s, ExitStrategyContract::perBatchMasksAreUniform);
    check(s, ExitStrategyContract::aSamplesExitsAndImageDoNotDependOnItsBatchMates);
    check(s, ExitStrategyContract::theParametersMakeTheStrategySaveWorkOrItNeverDoes);
    check(s, ExitStrategyContract::declaredCostsAreWhatTheMeterIsChargedAndDoNotChangeWithState);
    check(s, ExitStrategyContract::runsLeaveNoArraysBehindAndCloseReleasesTheRest);
    check(s, ExitStrategyContract::aSecondRunOnTheSameInstanceStartsAfresh);
  }

  @Test
  void aWellBehavedStrategyPassesEveryTest() {
    assertThatCode(() -> passesEverything(new Subject(c -> new FirstValue()))).doesNotThrowAnyException();
  }

  @Test
  void aMaskOfAnotherTypeFailsNamingTheStrategyAndThePlace() {
    Subject s = new Subject(c -> new FirstValue() {
      @Override
      public NDArray decide(ExitPoint point) {
        return super.decide(point).toType(DataType.INT32, false);
      }
    });
    assertThatThrownBy(() -> check(s, ExitStrategyContract::masksAreBooleanWithOneEntryPerActiveSampleAndPixelMapsFitTheImage))
        .isInstanceOf(AssertionError.class)
        .hasMessage("exit strategy 'probe()' returned a mask of type int32 at step 0, exit point layer1; decide must return a "
            + "boolean mask of shape (6), one per active sample (e.g. certainty.gt(threshold))");
  }

  @Test
  void aMaskOfTheWrongLengthFails() {
    Subject s = new Subject(c -> new FirstValue() {
      @Override
      public NDArray decide(ExitPoint point) {
        return point.hidden().getManager().zeros(new Shape(1), DataType.BOOLEAN);
      }
    });
    assertThatThrownBy(() -> check(s, ExitStrategyContract::masksAreBooleanWithOneEntryPerActiveSampleAndPixelMapsFitTheImage))
        .hasMessageContaining("returned a mask of shape (1) at step 0, exit point layer1");
  }

  @Test
  void aPerSampleMaskInPerBatchModeFails() {
    Subject s = new Subject(c -> new FirstValue() {
      @Override
      public NDArray decide(ExitPoint point) {
        return point.hidden().get(":, 0, 0").gt(0);
      }
    });
    assertThatThrownBy(() -> check(s, ExitStrategyContract::perBatchMasksAreUniform))
        .hasMessageContaining("in per-batch mode; there the statistic covers the whole active batch");
  }

  @Test
  void aDecisionThatComparesWithBatchMatesFails() {
    Subject s = new Subject(c -> new FirstValue() {
      @Override
      public NDArray decide(ExitPoint point) {
        NDArray first = point.hidden().get(":, 0, 0");
        return first.gt(first.mean());
      }
    });
    assertThatThrownBy(() -> check(s, ExitStrategyContract::aSamplesExitsAndImageDoNotDependOnItsBatchMates))
        .isInstanceOf(AssertionError.class).hasMessageContaining("exit of sample");
  }

  @Test
  void aStrategyThatDeclaresBatchDependenceSkipsTheBatchTest() {
    Subject s = new Subject(c -> new FirstValue()) {
      @Override
      protected boolean decidesPerSample() {
        return false;
      }
    };
    assertThatThrownBy(() -> check(s, ExitStrategyContract::aSamplesExitsAndImageDoNotDependOnItsBatchMates))
        .isInstanceOf(TestAbortedException.class);
  }

  @Test
  void aStrategyThatNeverSavesFailsUnlessItSaysSo() {
    Function<StrategyContext, ExitStrategy> never = c -> new FirstValue() {
      @Override
      public NDArray decide(ExitPoint point) {
        return point.hidden().getManager().zeros(new Shape(point.hidden().getShape().get(0)), DataType.BOOLEAN);
      }
    };
    assertThatThrownBy(() -> check(new Subject(never), ExitStrategyContract::theParametersMakeTheStrategySaveWorkOrItNeverDoes))
        .hasMessageContaining("some sample exits early or reuses");
    Subject saysSo = new Subject(never) {
      @Override
      protected boolean savesWork() {
        return false;
      }
    };
    assertThatCode(() -> check(saysSo, ExitStrategyContract::theParametersMakeTheStrategySaveWorkOrItNeverDoes))
        .doesNotThrowAnyException();
  }

  @Test
  void aDeclarationThatChangesWithStateFails() {
    Subject s = new Subject(c -> new FirstValue() {
      private long decided;

      @Override
      public NDArray decide(ExitPoint point) {
        decided++;
        return super.decide(point);
      }

      @Override
      public long macsPerDecision(ExitPointSpec point) {
        return decided > 0 ? 5 : 1;
      }
    });
    assertThatThrownBy(() -> check(s, ExitStrategyContract::declaredCostsAreWhatTheMeterIsChargedAndDoNotChangeWithState))
        .hasMessageContaining("MACs per decision at layer1 after a run");
  }

  @Test
  void aStrategyThatKeepsArraysInItsManagerAfterARunFails() {
    Subject s = new Subject(c -> new FirstValue() {
      private final NDManager longLived = c.manager();

      @Override
      public void startRun(RunInfo run) {
        longLived.zeros(new Shape(run.samples())); // per-run state in the strategy's manager, never closed
      }
    });
    assertThatThrownBy(() -> check(s, ExitStrategyContract::runsLeaveNoArraysBehindAndCloseReleasesTheRest))
        .hasMessageContaining("arrays left in the strategy's manager after a run");
  }

  @Test
  void aStrategyThatDoesNotCloseItsParametersFails() {
    Subject s = new Subject(c -> {
      c.manager().ones(new Shape(4)); // "parameters", never released
      return new FirstValue();
    });
    assertThatThrownBy(() -> check(s, ExitStrategyContract::runsLeaveNoArraysBehindAndCloseReleasesTheRest))
        .hasMessageContaining("arrays left in the strategy's manager after close");
  }

  @Test
  void aStrategyThatCarriesStateIntoTheNextRunFails() {
    Subject s = new Subject(c -> new FirstValue() {
      private int runs;

      @Override
      public void startRun(RunInfo run) {
        runs++;
      }

      @Override
      public NDArray decide(ExitPoint point) {
        boolean exit = point.spec().index() >= runs;
        return point.hidden().getManager().full(new Shape(point.hidden().getShape().get(0)), exit ? 1 : 0)
            .toType(DataType.BOOLEAN, false);
      }
    });
    assertThatThrownBy(() -> check(s, ExitStrategyContract::aSecondRunOnTheSameInstanceStartsAfresh))
        .hasMessageContaining("exits of a third run, and of a fresh instance, equal the first run's");
  }

  @Test
  void aFactoryThatIgnoresUnknownParametersFails() {
    Subject s = new Subject(c -> new FirstValue()) {
      @Override
      protected ExitStrategyFactory factory() {
        ExitStrategyFactory strict = super.factory();
        return new ExitStrategyFactory() {
          @Override
          public String name() {
            return strict.name();
          }

          @Override
          public String description() {
            return strict.description();
          }

          @Override
          public ExitStrategy create(Params params, StrategyContext context) {
            return new FirstValue();
          }
        };
      }
    };
    assertThatThrownBy(() -> check(s, ExitStrategyContract::anUnknownParameterIsRefusedWithItsName))
        .hasMessageContaining("Expecting code to raise a throwable");
  }
}
