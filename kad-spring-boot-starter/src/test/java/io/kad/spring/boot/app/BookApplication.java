package io.kad.spring.boot.app;

import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.annotation.Bean;

/** A web application with Actuator whose {@code @Cacheable} method is cached by the starter's cache manager. */
@SpringBootApplication
@EnableCaching
public class BookApplication {

    @Bean
    Books books() {
        return new Books();
    }

    /** Looks books up, counting the real look-ups. */
    public static class Books {
        private final AtomicInteger lookups = new AtomicInteger();

        /**
         * @param isbn an ISBN
         * @return the title, from the cache {@code books} after the first call
         */
        @Cacheable("books")
        public String title(String isbn) {
            lookups.incrementAndGet();
            return "Title of " + isbn;
        }

        /** @return how many look-ups were not served from the cache */
        public int lookups() {
            return lookups.get();
        }
    }
}
