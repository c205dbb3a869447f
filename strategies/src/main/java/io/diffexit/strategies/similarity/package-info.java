/** {@code similarity}: CALM-style exit on the saturation of adjacent hidden states. */
package io.diffexit.strategies.similarity;
