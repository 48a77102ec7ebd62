package io.kad.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.kad.core.storage.MapStorageTier;
import io.kad.spi.StoredRecord;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The per-peer quotas on their own, over a map tier and a hand-driven clock: an address at its quota is
 * refused until its records leave the tier, then admitted again; a record already charged to an address
 * costs it nothing more; the kad.py stores' share of the tier drops kad.py stores only.
 */
class PeerQuotasTest {

    private static final int MAX_RECORDS = 160; // quotas: 10 kad.py stores and 80 copies per address, 40 kad.py in all

    private final MapStorageTier tier = new MapStorageTier(new ConcurrentHashMap<>());
    private final AtomicLong now = new AtomicLong(1_000_000);
    private final PeerQuotas quotas = new PeerQuotas(tier, MAX_RECORDS, now::get);
    private final InetSocketAddress peer = new InetSocketAddress("10.0.0.9", 4000);

    private static StoredRecord record(long id) {
        return new StoredRecord(BigInteger.valueOf(id), "ns", ("k" + id).getBytes(StandardCharsets.UTF_8),
                new byte[] {1}, false, 1, StoredRecord.NEVER, false);
    }

    private static StoredRecord kadpyStore(long id) {
        return new StoredRecord(BigInteger.valueOf(id), "", new byte[0], "1".getBytes(StandardCharsets.UTF_8), true, 1,
                StoredRecord.NEVER, false);
    }

    /** Creates records by copy from the peer until the quota refuses one; returns how many were created. */
    private int copyUntilRefused(long firstId) {
        int created = 0;
        for (long id = firstId; quotas.admitsNewCopy(peer, true); id++) {
            StoredRecord r = record(id);
            tier.compute(r.id(), cur -> r);
            quotas.chargeCopy(peer, r.id(), true);
            created++;
        }
        return created;
    }

    @Test
    void anAddressAtItsCopyQuotaIsAdmittedAgainOnceItsRecordsLeftTheTier() {
        assertThat(copyUntilRefused(0)).isEqualTo(MAX_RECORDS / 2);
        // another address has its own quota
        assertThat(quotas.admitsNewCopy(new InetSocketAddress("10.0.0.10", 4000), true)).isTrue();

        // ten records reclaimed (no eviction report): found when the address next reaches its quota
        for (long id = 0; id < 10; id++) {
            tier.remove(BigInteger.valueOf(id));
        }
        now.addAndGet(1_000);
        assertThat(copyUntilRefused(1_000)).isEqualTo(10);

        // an eviction report ends a charge at once
        quotas.released(BigInteger.valueOf(10));
        assertThat(quotas.admitsNewCopy(peer, true)).isTrue();
    }

    @Test
    void copiesFromAddressesNotVerifiedShareOneEighthOfTheTierHoweverManyAddresses() {
        int created = 0;
        for (int a = 0; a < 200; a++) {
            InetSocketAddress forged = new InetSocketAddress("10.0.2." + (a % 250), 5000 + a);
            if (quotas.admitsNewCopy(forged, false)) {
                StoredRecord r = record(10_000 + a);
                tier.compute(r.id(), cur -> r);
                quotas.chargeCopy(forged, r.id(), false);
                created++;
            }
        }
        assertThat(created).isEqualTo(MAX_RECORDS / 8);
        // a verified address keeps its own quota, and its records end no charge of the shared one
        assertThat(quotas.admitsNewCopy(peer, true)).isTrue();
        assertThat(copyUntilRefused(50_000)).isEqualTo(MAX_RECORDS / 2);
        assertThat(quotas.admitsNewCopy(new InetSocketAddress("10.0.3.1", 5000), false)).isFalse();

        // the shared charges end as their records leave the tier
        quotas.released(BigInteger.valueOf(10_000));
        assertThat(quotas.admitsNewCopy(new InetSocketAddress("10.0.3.1", 5000), false)).isTrue();
    }

    @Test
    void aKadpyStoreRewrittenByItsAddressCostsNothingMore() {
        for (long id = 0; id < MAX_RECORDS / 16; id++) {
            assertThat(quotas.admitsKadpyStore(peer, BigInteger.valueOf(id))).isTrue();
            StoredRecord r = kadpyStore(id);
            tier.compute(r.id(), cur -> r);
            quotas.chargeKadpyStore(peer, r.id());
        }
        assertThat(quotas.admitsKadpyStore(peer, BigInteger.valueOf(999))).isFalse();
        assertThat(quotas.admitsKadpyStore(peer, BigInteger.valueOf(3))).isTrue();
    }

    @Test
    void theKadpyShareDropsKadpyStoresButNeverARecordOfTheRecordProtocol() {
        // a record of the record protocol stored under an id a kad.py store was charged for earlier
        StoredRecord protocol = record(5);
        for (int a = 0; a < 20; a++) {
            InetSocketAddress from = new InetSocketAddress("10.0.1." + a, 4000);
            for (long i = 0; i < MAX_RECORDS / 16; i++) {
                long id = a * 100L + i;
                StoredRecord r = kadpyStore(id);
                tier.compute(r.id(), cur -> r);
                quotas.chargeKadpyStore(from, r.id());
                if (id == 5) {
                    tier.compute(protocol.id(), cur -> protocol);
                }
            }
        }
        long[] kadpy = new long[1];
        long[] all = new long[1];
        tier.forEach(r -> {
            all[0]++;
            if (PeerQuotas.isKadpyStore(r)) {
                kadpy[0]++;
            }
        });
        assertThat(kadpy[0]).isLessThanOrEqualTo(MAX_RECORDS / 4);
        assertThat(tier.get(protocol.id())).isEqualTo(protocol);
        assertThat(all[0]).isEqualTo(kadpy[0] + 1);
    }
}
