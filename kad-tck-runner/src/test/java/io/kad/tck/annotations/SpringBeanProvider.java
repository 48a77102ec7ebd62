package io.kad.tck.annotations;

import javax.cache.annotation.BeanProvider;

import org.springframework.context.annotation.AnnotationConfigApplicationContext;

/**
 * The TCK's {@link BeanProvider} SPI (found by {@code org.jsr107.tck.annotation.AbstractInterceptionTest}
 * through {@code META-INF/services/javax.cache.annotation.BeanProvider}): serves the TCK's annotated
 * {@code manager.*BlogManagerImpl} beans from a Spring context set up by
 * {@link TckAnnotationsConfiguration}, so the JSR-107 annotations on them are handled by Spring's
 * JCache interceptor against the caching provider under test.
 *
 * <p>All instances share one context, created on first use and kept for the life of the JVM.
 */
public final class SpringBeanProvider implements BeanProvider {

    /** Public no-argument constructor, as {@link java.util.ServiceLoader} requires. */
    public SpringBeanProvider() {
    }

    @Override
    public <T> T getBeanByType(Class<T> beanClass) {
        return Context.INSTANCE.getBean(beanClass);
    }

    /** @return the shared context */
    static AnnotationConfigApplicationContext context() {
        return Context.INSTANCE;
    }

    /** Holds the context; initialized when first referenced. */
    private static final class Context {
        static final AnnotationConfigApplicationContext INSTANCE =
                new AnnotationConfigApplicationContext(TckAnnotationsConfiguration.class);
    }
}
