package io.diffexit.harness.cli;

import io.diffexit.harness.UserError;
import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * {@code --device}: where weights and tensors live. {@code auto} (the default) is DJL's default device: the first GPU
 * when the engine has CUDA and sees one, else the CPU. Every figure the harness prints names the device it ran on.
 *
 * <p>GPU: DJL 0.36 needs a CUDA build of libtorch 2.7.1 ({@code PYTORCH_LIBRARY_PATH}, {@code PYTORCH_VERSION=2.7.1},
 * {@code PYTORCH_FLAVOR=cu128}) or DJL 0.33 with {@code pytorch-native-cu124}; see the README.
 */
public final class DeviceOption {

  @Option(names = "--device", paramLabel = "NAME", defaultValue = "auto",
      description = "auto (default: GPU 0 when DJL sees one, else cpu), cpu, gpu, gpu0, gpu1, ...")
  String device;

  /** @return the device named on the command line */
  public Device device() {
    return parse(device);
  }

  /** @return a new base manager on that device */
  public NDManager newManager() {
    return NDManager.newBaseManager(device());
  }

  static Device parse(String name) {
    String n = name == null ? "auto" : name.trim().toLowerCase(Locale.ROOT);
    if (n.equals("auto")) {
      return Engine.getInstance().defaultDevice();
    }
    if (!n.matches("cpu|gpu\\d*")) {
      throw new IllegalArgumentException("--device must be auto, cpu, gpu or gpuN, got '" + name + "'");
    }
    Device d = Device.fromName(n);
    if (d.isGpu() && d.getDeviceId() >= Engine.getInstance().getGpuCount()) {
      throw new UserError("--device " + name + ": the engine sees " + Engine.getInstance().getGpuCount()
          + " GPU(s); see the README's GPU section for a CUDA libtorch, or use --device cpu");
    }
    return d;
  }
}
