package io.diffexit.backbones.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Constant arrays (GroupNorm's unit scale and zero shift, nearest-resize indices, attention scales) built
 * once per device and reused by every forward pass, so the hot path creates no constants. Thread-safe; closed with the
 * backbone.
 */
public final class DeviceConstants implements AutoCloseable {

  private final NDManager manager;
  private final Map<String, NDArray> cache = new ConcurrentHashMap<>();

  /** @param parent the long-lived manager under which the constants are kept (in a sub-manager) */
  public DeviceConstants(NDManager parent) {
    this.manager = parent.newSubManager();
  }

  /** @return a cached array of {@code n} ones on the device */
  public NDArray ones(Device device, long n) {
    return get(device, "ones/" + n, m -> m.ones(new Shape(n), DataType.FLOAT32));
  }

  /** @return a cached array of {@code n} zeros on the device */
  public NDArray zeros(Device device, long n) {
    return get(device, "zeros/" + n, m -> m.zeros(new Shape(n), DataType.FLOAT32));
  }

  /** @return a cached 0-d float on the device */
  public NDArray scalar(Device device, float value) {
    return get(device, "scalar/" + Float.floatToIntBits(value), m -> m.create(value));
  }

  /**
   * @param key what the array is, unique per content
   * @param make builds it with a manager on the device
   * @return the cached array on {@code device}
   */
  public NDArray get(Device device, String key, Function<NDManager, NDArray> make) {
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
