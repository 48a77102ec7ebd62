package io.kad.spi;

/**
 * Sees every message a node receives or sends and may observe, change or reject it.
 *
 * <p>Interceptors are found with {@link java.util.ServiceLoader} or passed as instances, and run in
 * ascending {@link #order()} (ties in registration order). Contract:
 * <ul>
 *   <li>an inbound message is intercepted after it was parsed and validated and before the node acts
 *       on it; an outbound message after it was built and before it is encoded;</li>
 *   <li>changes made through {@link InterceptedMessage#fields()} are what the node acts on or sends;
 *       a change that makes the message invalid gets it dropped and counted;</li>
 *   <li>returning {@link Verdict#REJECT} drops the message: the later interceptors do not see it, an
 *       inbound request gets no reply, and an outbound request fails as if it had timed out;</li>
 *   <li>interceptors run on the node's protocol thread: they must be quick and must not block. An
 *       exception thrown by an interceptor is logged and treated as {@link Verdict#CONTINUE}.</li>
 * </ul>
 */
public interface RequestInterceptor {

    /** What to do with a message once an interceptor has seen it. */
    enum Verdict {
        /** Pass the message (possibly changed) to the next interceptor, then to the node or the network. */
        CONTINUE,
        /** Drop the message. */
        REJECT
    }

    /**
     * Position of this interceptor in the chain: lower runs first. The default is 0.
     *
     * @return the order
     */
    default int order() {
        return 0;
    }

    /**
     * Inspects, and may change, one message.
     *
     * @param message the message; valid only during this call
     * @return whether the message goes on
     */
    Verdict intercept(InterceptedMessage message);
}
