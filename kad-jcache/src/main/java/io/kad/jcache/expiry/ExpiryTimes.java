package io.kad.jcache.expiry;

import io.kad.core.record.WriteCommand;
import io.kad.spi.StoredRecord;
import java.util.Objects;
import java.util.function.LongSupplier;
import javax.cache.expiry.Duration;
import javax.cache.expiry.ExpiryPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Computes absolute expiry times (epoch milliseconds) from an {@link ExpiryPolicy}.
 *
 * <p>Contract, as JSR-107 and its TCK expect:
 * <ul>
 *   <li>{@link Duration#ZERO} means "expired at once": a creation does not happen, an update or an
 *       access leaves an entry that is expired from now on;</li>
 *   <li>{@code null} from {@code getExpiryForUpdate}/{@code getExpiryForAccess} means "leave the
 *       expiry unchanged" ({@link WriteCommand#KEEP_EXPIRY}); from {@code getExpiryForCreation} it
 *       means eternal;</li>
 *   <li>an exception thrown by the policy is logged and treated like {@code null}: the operation goes
 *       on.</li>
 * </ul>
 */
public final class ExpiryTimes {

    private static final Logger LOG = LoggerFactory.getLogger(ExpiryTimes.class);

    /**
     * The expiry time meaning "expired at once" ({@link Duration#ZERO}): before any clock reading, so
     * the owner never creates such an entry and an updated one is expired from then on.
     */
    public static final long AT_ONCE = 0L;

    private final ExpiryPolicy policy;
    private final LongSupplier clock;

    /**
     * @param policy the cache's policy
     * @param clock the current time in epoch milliseconds, on the clock record expiry uses; read
     *     after the policy answers, since a policy may take a while
     */
    public ExpiryTimes(ExpiryPolicy policy, LongSupplier clock) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** @return the policy */
    public ExpiryPolicy policy() {
        return policy;
    }

    /**
     * @return when an entry created now expires ({@link StoredRecord#NEVER} for never, {@link #AT_ONCE} for
     *     "do not create")
     */
    public long forCreation() {
        Duration d;
        try {
            d = policy.getExpiryForCreation();
        } catch (RuntimeException e) {
            LOG.warn("expiry policy {} failed on creation; the entry does not expire", policy, e);
            return StoredRecord.NEVER;
        }
        return d == null ? StoredRecord.NEVER : at(clock.getAsLong(), d);
    }

    /**
     * @return when an entry updated now expires, or {@link WriteCommand#KEEP_EXPIRY}
     */
    public long forUpdate() {
        Duration d;
        try {
            d = policy.getExpiryForUpdate();
        } catch (RuntimeException e) {
            LOG.warn("expiry policy {} failed on update; the expiry is kept", policy, e);
            return WriteCommand.KEEP_EXPIRY;
        }
        return d == null ? WriteCommand.KEEP_EXPIRY : at(clock.getAsLong(), d);
    }

    /**
     * @return when an entry accessed now expires, or {@link WriteCommand#KEEP_EXPIRY}
     */
    public long forAccess() {
        Duration d;
        try {
            d = policy.getExpiryForAccess();
        } catch (RuntimeException e) {
            LOG.warn("expiry policy {} failed on access; the expiry is kept", policy, e);
            return WriteCommand.KEEP_EXPIRY;
        }
        return d == null ? WriteCommand.KEEP_EXPIRY : at(clock.getAsLong(), d);
    }

    /**
     * @param now the current time
     * @param d a duration
     * @return the absolute time {@code d} after {@code now}, saturating at {@link StoredRecord#NEVER}
     */
    public static long at(long now, Duration d) {
        if (d.isEternal()) {
            return StoredRecord.NEVER;
        }
        if (d.isZero()) {
            return AT_ONCE;
        }
        long millis = d.getTimeUnit().toMillis(d.getDurationAmount());
        if (millis <= 0) {
            millis = 1;
        }
        long at = now + millis;
        return at < now || at >= StoredRecord.NEVER ? StoredRecord.NEVER - 1 : at;
    }
}
