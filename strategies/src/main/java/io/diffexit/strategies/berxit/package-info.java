/** {@code berxit}: BERxiT learning-to-exit heads adapted to noise prediction. */
package io.diffexit.strategies.berxit;
