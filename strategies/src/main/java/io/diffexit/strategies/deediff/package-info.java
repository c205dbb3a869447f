/** {@code deediff}: DeeDiff/AdaDiff uncertainty estimation module, exit rule and losses, as in the official code. */
package io.diffexit.strategies.deediff;
