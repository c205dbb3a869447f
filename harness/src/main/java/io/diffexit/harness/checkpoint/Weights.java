package io.diffexit.harness.checkpoint;

/** Which of a checkpoint's two weight sets to load. */
public enum Weights {
  /** the exponential moving average of the training weights: what sampling should use (the default) */
  EMA,
  /** the raw weights of the last optimizer step: what training resumes from */
  TRAINING
}
