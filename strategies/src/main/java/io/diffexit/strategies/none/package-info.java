/** {@code none}: the full network, the quality reference. */
package io.diffexit.strategies.none;
