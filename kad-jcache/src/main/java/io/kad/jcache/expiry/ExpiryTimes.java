package io.kad.jcache.expiry;

import io.kad.core.wire.WriteCommand;
import io.kad.spi.StoredRecord;
import java.util.Objects;
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

    private final ExpiryPolicy policy;

    /** @param policy the cache's policy */
    public ExpiryTimes(ExpiryPolicy policy) {
        this.policy = Objects.requireNonNull(policy, "policy");
    }

    /** @return the policy */
    public ExpiryPolicy policy() {
        return policy;
    }

    /**
     * @param now the current time
     * @return when an entry created now expires ({@link StoredRecord#NEVER} for never, {@code now} for
     *     "do not create")
     */
    public long forCreation(long now) {
        Duration d;
        try {
            d = policy.getExpiryForCreation();
        } catch (RuntimeException e) {
            LOG.warn("expiry policy {} failed on creation; the entry does not expire", policy, e);
            return StoredRecord.NEVER;
        }
        return d == null ? StoredRecord.NEVER : at(now, d);
    }

    /**
     * @param now the current time
     * @return when an entry updated now expires, or {@link WriteCommand#KEEP_EXPIRY}
     */
    public long forUpdate(long now) {
        Duration d;
        try {
            d = policy.getExpiryForUpdate();
        } catch (RuntimeException e) {
            LOG.warn("expiry policy {} failed on update; the expiry is kept", policy, e);
            return WriteCommand.KEEP_EXPIRY;
        }
        return d == null ? WriteCommand.KEEP_EXPIRY : at(now, d);
    }

    /**
     * @param now the current time
     * @return when an entry accessed now expires, or {@link WriteCommand#KEEP_EXPIRY}
     */
    public long forAccess(long now) {
        Duration d;
        try {
            d = policy.getExpiryForAccess();
        } catch (RuntimeException e) {
            LOG.warn("expiry policy {} failed on access; the expiry is kept", policy, e);
            return WriteCommand.KEEP_EXPIRY;
        }
        return d == null ? WriteCommand.KEEP_EXPIRY : at(now, d);
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
            return now;
        }
        long millis = d.getTimeUnit().toMillis(d.getDurationAmount());
        if (millis <= 0) {
            millis = 1;
        }
        long at = now + millis;
        return at < now || at >= StoredRecord.NEVER ? StoredRecord.NEVER - 1 : at;
    }
}
