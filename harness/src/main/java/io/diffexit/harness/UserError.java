package io.diffexit.harness;

/**
 * A failure the user can fix (missing file, corrupt data, incompatible checkpoint). The CLI prints its message as one
 * line, without a stack trace.
 */
public class UserError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** @param message one line naming the thing and what would fix it */
  public UserError(String message) {
    super(message);
  }

  /** @param message one line naming the thing and what would fix it */
  public UserError(String message, Throwable cause) {
    super(message, cause);
  }
}
