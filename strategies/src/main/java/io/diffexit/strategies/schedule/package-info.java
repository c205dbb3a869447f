/** {@code schedule}: exit depth as a function of the timestep only (Moon et al. / ASE). */
package io.diffexit.strategies.schedule;
