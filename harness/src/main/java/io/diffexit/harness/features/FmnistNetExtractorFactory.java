package io.diffexit.harness.features;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.diffexit.api.FeatureExtractor;
import io.diffexit.api.FeatureExtractorContext;
import io.diffexit.api.FeatureExtractorFactory;
import io.diffexit.api.ParamSpec;
import io.diffexit.api.Params;
import io.diffexit.harness.UserError;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** {@code fmnist-net}: the project's Fashion-MNIST classifier, features from its penultimate layer (128-d). */
public final class FmnistNetExtractorFactory implements FeatureExtractorFactory {

  /** File name of the committed weights inside {@link #DEFAULT_DIR}. */
  public static final String WEIGHTS_FILE = "fmnist-net.params";
  /** Folder of the committed weights, relative to the diffexit home. */
  public static final String DEFAULT_DIR = "models/fmnist-net";
  /** The id every FID made with this network carries. */
  public static final String ID = "fmnist-net/penultimate-128";

  @Override
  public String name() {
    return "fmnist-net";
  }

  @Override
  public String description() {
    return "Fashion-MNIST CNN classifier trained by `diffexit train-features`; 128-d penultimate features, 28x28 input";
  }

  @Override
  public List<ParamSpec> params() {
    return List.of(ParamSpec.optional("weights", DEFAULT_DIR + "/" + WEIGHTS_FILE,
        "weights file written by `diffexit train-features`; relative paths resolve against the diffexit home"));
  }

  @Override
  public FeatureExtractor create(Params params, FeatureExtractorContext context) {
    params = params.forOwner("feature extractor 'fmnist-net'");
    params.requireKnownSpecs(params());
    Path weights = Path.of(params.getString("weights", DEFAULT_DIR + "/" + WEIGHTS_FILE));
    if (!weights.isAbsolute() && context.home() != null) {
      weights = context.home().resolve(weights);
    }
    if (!Files.isRegularFile(weights)) {
      throw new UserError("feature extractor 'fmnist-net': weights file " + weights + " not found; run "
          + "`diffexit train-features` or pass fmnist-net:weights=FILE (or set the diffexit home with -Ddiffexit.home)");
    }
    FmnistNet net = new FmnistNet();
    net.initialize(context.manager(), DataType.FLOAT32, new Shape(1).addAll(FmnistNet.IMAGE_SHAPE));
    try (InputStream raw = Files.newInputStream(weights);
        DataInputStream in = new DataInputStream(new BufferedInputStream(raw))) {
      net.loadParameters(context.manager(), in);
    } catch (IOException | MalformedModelException | RuntimeException e) {
      throw new UserError("feature extractor 'fmnist-net': " + weights + " is not a valid fmnist-net weights file ("
          + e.getMessage() + "); re-run `diffexit train-features`", e);
    }
    return new FmnistNetExtractor(net, context.manager(), ID, Checksums.sha256Prefix(weights));
  }
}
