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

  /**
   * A property the bench reads instead of the strategy's name: a cell whose strategy runs the full model is the
   * baseline its group is compared with (MACs and time saved, PSNR/SSIM against the same noise).
   *
   * @return true when the strategy never exits early and never reuses anything, so that its output is the
   *     backbone's full-depth prediction at every step ({@code none}); false by default
   */
  default boolean runsFullModel() {
    return false;
  }

  /**
   * A property the bench reads instead of the strategy's name: for such a strategy a per-batch decision equals the
   * per-sample one, so the bench rejects {@code decision: per-batch} cells of it as duplicates.
   *
   * @return true when its exit decisions depend only on the step and the layer, never on a sample's values
   *     ({@code none}, {@code fixed}, {@code schedule}); false by default
   */
  default boolean decidesIndependentlyOfSamples() {
    return false;
  }
}
