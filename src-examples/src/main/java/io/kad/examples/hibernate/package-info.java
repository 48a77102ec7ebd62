/**
 * Hibernate ORM's second-level cache on kad-jcache through {@code hibernate-jcache}: entity,
 * collection, natural-id and query caches, on one node or shared by the nodes of a swarm.
 */
package io.kad.examples.hibernate;
