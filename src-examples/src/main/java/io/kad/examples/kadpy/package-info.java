/**
 * The examples of kad.py's README, in Java: two nodes exchanging a value, persistent storage, a custom
 * hash function, a custom request handler (interceptor), iteration over the stored keys, and the
 * {@code Map} view. Each class has a {@code main} and a {@code run} method returning what it shows.
 */
package io.kad.examples.kadpy;
