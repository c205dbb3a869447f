package io.diffexit.api;

/** Creates an {@link ExitStrategy} from named parameters, e.g. {@code deediff:threshold=0.9,patience=1}. */
public interface ExitStrategyFactory extends NamedFactory {

  /**
   * @param params the strategy's parameters; unknown keys or values out of range fail with an
   *     {@link IllegalArgumentException} whose message names the parameter and what would fix it
   * @param context the backbone it will run on and where its own parameters live
   * @return a new strategy owned by the caller
   */
  ExitStrategy create(Params params, StrategyContext context);

  /**
   * @return true when {@link #create} returns a {@link StepReuseStrategy} (a cache across sampler steps), which the
   *     harness may compose with an exit strategy ({@code block-cache+deediff}); false for an exit strategy
   */
  default boolean reusesSteps() {
    return false;
  }
}
