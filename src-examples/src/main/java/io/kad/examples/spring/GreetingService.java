package io.kad.examples.spring;

import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.stereotype.Service;

/** Computes greetings, counting how often it really had to: cached calls do not reach it. */
@Service
public class GreetingService {

    private final AtomicInteger invocations = new AtomicInteger();

    /**
     * @param name who to greet
     * @return the greeting, from the cache {@code greetings} when any node of the swarm computed it
     */
    @Cacheable("greetings")
    public String greet(String name) {
        invocations.incrementAndGet();
        return "Hello, " + name + "!";
    }

    /** @return how many greetings this instance computed */
    public int invocations() {
        return invocations.get();
    }
}
