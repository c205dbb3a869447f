/** {@code oracle}: a hindsight upper bound, not a usable method. */
package io.diffexit.strategies.oracle;
