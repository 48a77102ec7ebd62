/**
 * The routing table: k-buckets of contacts keyed by the highest bit in which their id differs from the
 * local id, least-recently-seen order, ping-before-evict with replacement caches, and bucket refresh
 * (Maymounkov &amp; Mazi&egrave;res 2002, sections 2.2, 2.3 and 4.1). Sans-I/O: the caller reports what
 * it saw and when, and performs the pings and lookups the table asks for.
 */
package io.kad.core.routing;
