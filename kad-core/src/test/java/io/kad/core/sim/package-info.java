/**
 * A simulated datagram network for tests: a single-threaded discrete-event loop with a virtual clock,
 * seeded latency and loss, partitions and crashed nodes, behind the production
 * {@link io.kad.core.transport.Transport} and {@link io.kad.core.transport.Scheduler} interfaces.
 *
 * <p>Contract: nothing runs outside {@link io.kad.core.sim.SimulatedNetwork}'s run methods, there are
 * no threads, and the same seed with the same calls replays the same run exactly, so a failing swarm
 * test can be reproduced from the seed it prints. Shared with other modules through kad-core's
 * test-jar.
 */
package io.kad.core.sim;
