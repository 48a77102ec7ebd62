/**
 * The standalone node, {@code java -jar kad-node.jar}: a seed or storage-only member of a swarm, configured
 * by the same {@code kad.properties} as the applications that use the provider.
 *
 * <p>Contract: {@link io.kad.node.KadNodeMain} parses flags and settings (every bad value is one line
 * naming the key, its value and its source, exit status 2), starts one node, keeps its id beside a
 * persistent store, looks {@code dns:} seeds up again periodically, optionally answers HTTP liveness and
 * readiness probes, and stops cleanly on SIGTERM. Nothing here is a library API: the command line and its
 * output lines ({@code KAD-NODE-READY}, {@code KAD-NODE-HEALTH}, {@code KAD-NODE-STOPPED}) are the
 * interface.
 */
package io.kad.node;
