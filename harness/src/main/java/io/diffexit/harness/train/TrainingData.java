package io.diffexit.harness.train;

import io.diffexit.harness.checkpoint.ModelCard;
import io.diffexit.harness.data.ImageSet;
import java.util.Objects;

/**
 * The images a run trains on, with where they came from for the model card.
 *
 * @param images the images (already limited to the first N when {@code --limit} was given)
 * @param dir the folder they were read from (or a description such as {@code synthetic})
 * @param split the split name, e.g. {@code train}
 */
public record TrainingData(ImageSet images, String dir, String split) {
  public TrainingData {
    Objects.requireNonNull(images, "images");
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(split, "split");
  }

  /** @return the card's description of this data */
  public ModelCard.DataInfo info() {
    return new ModelCard.DataInfo(images.name(), dir, split, images.size());
  }
}
