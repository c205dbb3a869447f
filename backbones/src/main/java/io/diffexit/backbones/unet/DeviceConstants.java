package io.diffexit.backbones.unet;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Constant arrays (GroupNorm's unit scale and zero shift, the time embedding's frequencies, attention scales) built
 * once per device and reused by every forward pass, so the hot path creates no constants. Thread-safe; closed with the
 * backbone.
 */
final class DeviceConstants implements AutoCloseable {

  private final NDManager manager;
  private final Map<String, NDArray> cache = new ConcurrentHashMap<>();

  DeviceConstants(NDManager parent) {
    this.manager = parent.newSubManager();
  }

  /** @return a cached array of {@code n} ones on the device */
  NDArray ones(Device device, long n) {
    return get(device, "ones/" + n, m -> m.ones(new Shape(n), DataType.FLOAT32));
  }

  /** @return a cached array of {@code n} zeros on the device */
  NDArray zeros(Device device, long n) {
    return get(device, "zeros/" + n, m -> m.zeros(new Shape(n), DataType.FLOAT32));
  }

  /** @return a cached 0-d float on the device */
  NDArray scalar(Device device, float value) {
    return get(device, "scalar/" + Float.floatToIntBits(value), m -> m.create(value));
  }

  /**
   * @param key what the array is, unique per content
   * @param make builds it with a manager on the device
   * @return the cached array on {@code device}
   */
  NDArray get(Device device, String key, Function<NDManager, NDArray> make) {
    return cache.computeIfAbsent(
        device + "/" + key,
        k -> {
          NDManager onDevice = manager.newSubManager(device);
          NDArray a = SeededInitializer.torchOwned(make.apply(onDevice));
          a.attach(manager);
          onDevice.close();
          return a;
        });
  }

  @Override
  public void close() {
    cache.clear();
    manager.close();
  }
}
