package io.diffexit.harness.plugins;

/**
 * Sets the current thread's context class loader for a try-with-resources block and restores the previous one on
 * close, so that libraries inside a plugin that look classes up through the context loader (ServiceLoader, JAXB,
 * Jackson modules) find the plugin's classes rather than the harness's.
 */
public final class ThreadContextClassLoader implements AutoCloseable {

  private final Thread thread;
  private final ClassLoader previous;

  /** @param loader the loader to install until {@link #close()} */
  public ThreadContextClassLoader(ClassLoader loader) {
    this.thread = Thread.currentThread();
    this.previous = thread.getContextClassLoader();
    thread.setContextClassLoader(loader);
  }

  /** Restores the loader that was current when this guard was created. */
  @Override
  public void close() {
    thread.setContextClassLoader(previous);
  }
}
