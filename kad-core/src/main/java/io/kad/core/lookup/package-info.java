/**
 * The iterative node and value lookup (Maymounkov &amp; Mazi&egrave;res 2002, section 2.3) as a state
 * machine: {@code next(now)} returns a step (query this contact, wait, finished) and the driver feeds
 * back answers, values and failures. No I/O, no threads, no clock of its own.
 */
package io.kad.core.lookup;
