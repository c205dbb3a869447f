package io.diffexit.api;

import java.util.List;
import java.util.regex.Pattern;

/**
 * What every factory kind has in common: a stable lower-case name by which users select it
 * ({@code --strategy deediff:threshold=0.9}) and a one-line description for {@code diffexit list}.
 */
public interface NamedFactory {

  /** Names are {@code [a-z][a-z0-9-]*}; the harness refuses a plugin whose factory breaks this rule. */
  Pattern NAME_PATTERN = Pattern.compile("[a-z][a-z0-9-]*");

  /** @return the name users type, e.g. {@code "deediff"} */
  String name();

  /** @return one line saying what this is */
  String description();

  /**
   * @return the parameters {@code create} accepts, with their defaults and meaning; used by {@code diffexit list}
   *     and in "unknown parameter" messages. Defaults to none.
   */
  default List<ParamSpec> params() {
    return List.of();
  }
}
