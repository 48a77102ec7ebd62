package io.kad.jcache.management;

import java.lang.management.ManagementFactory;
import java.net.URI;
import javax.cache.CacheException;
import javax.management.InstanceNotFoundException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

/**
 * Registers and unregisters a cache's MBeans in the platform MBean server, under
 * {@code javax.cache:type=CacheStatistics|CacheConfiguration,CacheManager=<uri>,Cache=<name>}, with
 * {@code , : = \n} in the URI and name replaced by {@code .} as JSR-107 specifies.
 */
public final class MBeans {

    /** The two kinds of cache MBean. */
    public enum Kind {
        /** {@link javax.cache.management.CacheStatisticsMXBean}. */
        CacheStatistics,
        /** {@link javax.cache.management.CacheMXBean}. */
        CacheConfiguration
    }

    private MBeans() {
    }

    /**
     * @param kind the bean kind
     * @param managerUri the cache manager's URI
     * @param cacheName the cache name
     * @return the object name
     */
    public static ObjectName name(Kind kind, URI managerUri, String cacheName) {
        try {
            return new ObjectName("javax.cache:type=" + kind + ",CacheManager=" + sanitize(managerUri.toString())
                    + ",Cache=" + sanitize(cacheName));
        } catch (MalformedObjectNameException e) {
            throw new CacheException("illegal MBean name for cache " + cacheName + " of " + managerUri, e);
        }
    }

    static String sanitize(String s) {
        return s == null ? "" : s.replaceAll("[,:=\n]", ".");
    }

    /**
     * Registers a bean unless one is registered under the name.
     *
     * @param bean the bean
     * @param kind its kind
     * @param managerUri the manager's URI
     * @param cacheName the cache name
     */
    public static void register(Object bean, Kind kind, URI managerUri, String cacheName) {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = name(kind, managerUri, cacheName);
        try {
            if (server.isRegistered(name)) {
                server.unregisterMBean(name); // a bean of a closed cache of the same name
            }
            server.registerMBean(bean, name);
        } catch (Exception e) {
            throw new CacheException("cannot register MBean " + name + ": " + e, e);
        }
    }

    /**
     * Unregisters a bean if one is registered under the name.
     *
     * @param kind its kind
     * @param managerUri the manager's URI
     * @param cacheName the cache name
     */
    public static void unregister(Kind kind, URI managerUri, String cacheName) {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = name(kind, managerUri, cacheName);
        try {
            if (server.isRegistered(name)) {
                server.unregisterMBean(name);
            }
        } catch (InstanceNotFoundException e) {
            // unregistered concurrently: nothing to do
        } catch (Exception e) {
            throw new CacheException("cannot unregister MBean " + name + ": " + e, e);
        }
    }
}
