package io.diffexit.harness.features;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import io.diffexit.api.FeatureExtractor;
import io.diffexit.api.FeatureExtractorContext;
import io.diffexit.api.FeatureExtractorFactory;
import io.diffexit.api.ParamSpec;
import io.diffexit.api.Params;
import io.diffexit.harness.UserError;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code inception:path=FILE.pt}: a TorchScript Inception-v3 whose forward maps (B, 3, 299, 299) in [−1, 1] to its
 * 2048-d pool3 features (e.g. pytorch-fid's {@code InceptionV3([3], resize_input=False, normalize_input=False)} traced
 * with {@code torch.jit.trace}). The pytorch-fid preprocessing ({@link InceptionPreprocessing}) is done here, so the
 * script must not resize or normalize again. Nothing is ever downloaded: without the file this extractor fails.
 */
public final class InceptionExtractorFactory implements FeatureExtractorFactory {

  /** pool3 width. */
  public static final int DIMENSION = 2048;

  @Override
  public String name() {
    return "inception";
  }

  @Override
  public String description() {
    return "TorchScript Inception-v3 (pytorch-fid pool3, 2048-d) from a local .pt file; pytorch-fid preprocessing";
  }

  @Override
  public List<ParamSpec> params() {
    return List.of(ParamSpec.required("path",
        "TorchScript file of Inception-v3 returning pool3 features for (B,3,299,299) input in [-1,1]"));
  }

  @Override
  public FeatureExtractor create(Params params, FeatureExtractorContext context) {
    params = params.forOwner("feature extractor 'inception'");
    params.requireKnownSpecs(params());
    Path path = Path.of(params.requireString("path"));
    if (!path.isAbsolute() && context.home() != null && !Files.exists(path)) {
      path = context.home().resolve(path);
    }
    if (!Files.isRegularFile(path)) {
      throw new UserError("feature extractor 'inception': TorchScript file " + path + " not found; export "
          + "pytorch-fid's InceptionV3 with torch.jit.trace and pass inception:path=FILE.pt (nothing is downloaded)");
    }
    PtSymbolBlock block;
    try {
      block = JniUtils.loadModule((PtNDManager) context.manager(), path, false, new String[0], new String[0], false);
    } catch (RuntimeException e) {
      String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
      throw new UserError("feature extractor 'inception': " + path + " is not a loadable TorchScript file (" + why
          + "); save the model with torch.jit.save", e);
    }
    String checksum = Checksums.sha256Prefix(path);
    ParameterStore ps = new ParameterStore(context.manager(), false);
    return new FeatureExtractor() {
      @Override
      public String id() {
        return "inception/pool3-2048";
      }

      @Override
      public String checksum() {
        return checksum;
      }

      @Override
      public int dimension() {
        return DIMENSION;
      }

      @Override
      public NDArray features(NDArray images) {
        NDManager m = images.getManager();
        NDArray x = InceptionPreprocessing.apply(images);
        NDArray out = block.forward(ps, new NDList(x), false).head();
        long b = images.getShape().get(0);
        if (out.getShape().size() != b * DIMENSION) {
          throw new IllegalStateException("feature extractor 'inception': the TorchScript module returned shape "
              + out.getShape() + ", expected " + b + "x" + DIMENSION + " pool3 features");
        }
        NDArray f = out.reshape(b, DIMENSION);
        f.attach(m);
        return f;
      }

      @Override
      public void close() {
        block.close();
      }
    };
  }
}
