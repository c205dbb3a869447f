package io.diffexit.harness.bench;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Tells which backbone checkpoint a strategy checkpoint (e.g. DeeDiff's UEM heads fine-tuned on a backbone) was
 * trained on, so that the grid can reject a strategy combined with another backbone. The checkpoint format belongs to
 * the training code, which provides the real probe.
 */
@FunctionalInterface
public interface CheckpointProbe {

  /** A probe that never knows; only {@code requires} then limits combinations. */
  CheckpointProbe UNKNOWN = strategyCheckpoint -> Optional.empty();

  /**
   * @param strategyCheckpoint the strategy's {@code checkpoint} parameter, resolved against the experiment folder
   * @return the backbone checkpoint it was trained on, when the checkpoint records it
   */
  Optional<Path> backboneCheckpointOf(Path strategyCheckpoint);
}
