/**
 * Key and value codecs: a tag byte, then JSON for simple types or a Java serialization stream read
 * behind an allowlist. Internal: not part of the public API; it may change in any release.
 */
package io.kad.jcache.codec;
