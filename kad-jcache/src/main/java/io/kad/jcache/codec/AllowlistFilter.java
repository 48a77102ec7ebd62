package io.kad.jcache.codec;

import java.io.ObjectInputFilter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * Which classes a Java serialization stream read by a {@link KadCodec} may contain.
 *
 * <p>Always allowed: primitives, arrays of allowed classes, and the classes of the packages
 * {@code java.lang}, {@code java.util} (and sub-packages), {@code java.math} and {@code java.time}
 * (and sub-packages). Further entries are exact class names or patterns: {@code com.example.*} (the
 * package) and {@code com.example.**} (the package and its sub-packages), as in
 * {@link ObjectInputFilter.Config#createFilter}. A cache's configured key and value types are
 * allowed, with their subclasses when the type is an application class (not one of {@code java.*} or
 * {@code javax.*}, which would let in anything). Anything else is rejected.
 */
public final class AllowlistFilter {

    private static final List<String> BASE = List.of("java.lang.**", "java.util.**", "java.math.*", "java.time.**");

    private final List<String> patterns;
    private final List<Class<?>> supertypes;

    private AllowlistFilter(List<String> patterns, List<Class<?>> supertypes) {
        this.patterns = List.copyOf(patterns);
        this.supertypes = List.copyOf(supertypes);
    }

    /**
     * @param types the cache's configured key and value types
     * @param patterns further patterns, such as {@code org.example.**}
     * @return the filter
     */
    public static AllowlistFilter of(Collection<Class<?>> types, Collection<String> patterns) {
        List<String> all = new ArrayList<>(BASE);
        List<Class<?>> supertypes = new ArrayList<>();
        for (Class<?> type : types) {
            all.add(type.getName());
            String name = type.getName();
            if (!name.startsWith("java.") && !name.startsWith("javax.") && !type.isPrimitive()) {
                supertypes.add(type);
            }
        }
        for (String p : patterns) {
            String t = p.trim();
            if (!t.isEmpty()) {
                all.add(t);
            }
        }
        return new AllowlistFilter(all, supertypes);
    }

    /** @return the entries, base ones first */
    public List<String> patterns() {
        return patterns;
    }

    /**
     * @param className a class name (not an array)
     * @return whether it may be deserialized
     */
    public boolean allows(String className) {
        for (String p : patterns) {
            if (matches(p, className)) {
                return true;
            }
        }
        return false;
    }

    private boolean isSubtypeOfConfigured(Class<?> type) {
        for (Class<?> s : supertypes) {
            if (s.isAssignableFrom(type)) {
                return true;
            }
        }
        return false;
    }

    private static boolean matches(String pattern, String name) {
        if (pattern.endsWith(".**")) {
            String pkg = pattern.substring(0, pattern.length() - 2);
            return name.startsWith(pkg);
        }
        if (pattern.endsWith(".*")) {
            String pkg = pattern.substring(0, pattern.length() - 1);
            return name.startsWith(pkg) && name.indexOf('.', pkg.length()) < 0;
        }
        if (pattern.endsWith("*")) {
            return name.startsWith(pattern.substring(0, pattern.length() - 1));
        }
        return pattern.equals(name);
    }

    /** @return a filter for one stream, remembering the first class it rejected */
    Check newCheck() {
        return new Check();
    }

    /** The filter of one stream. */
    final class Check implements ObjectInputFilter {
        private static final Set<String> PRIMITIVES =
                Set.of("boolean", "byte", "char", "short", "int", "long", "float", "double");
        private String rejected;

        @Override
        public Status checkInput(FilterInfo info) {
            Class<?> type = info.serialClass();
            if (type == null) {
                return Status.UNDECIDED;
            }
            while (type.isArray()) {
                type = type.getComponentType();
            }
            if (type.isPrimitive() || PRIMITIVES.contains(type.getName()) || allows(type.getName())
                    || isSubtypeOfConfigured(type)) {
                return Status.ALLOWED;
            }
            if (java.lang.reflect.Proxy.isProxyClass(type)) {
                return Status.ALLOWED; // its interfaces were checked when resolved
            }
            if (rejected == null) {
                rejected = type.getName();
            }
            return Status.REJECTED;
        }

        String rejected() {
            return rejected;
        }
    }
}
