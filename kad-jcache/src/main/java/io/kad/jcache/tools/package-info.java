/**
 * Command-line tools shipped with kad-jcache, such as a stand-alone storage node for a swarm that
 * JCache clients join. Internal: not part of the public API; the command lines are documented in each
 * tool's class comment.
 */
package io.kad.jcache.tools;
