/** {@code fixed}: every sample exits at one fixed layer. */
package io.diffexit.strategies.fixed;
