package io.kad.jcache.configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kad.jcache.codec.SerializationLimits;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import javax.cache.CacheException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KadSettingsTest {

    @TempDir
    Path dir;

    @AfterEach
    void clearSystemProperties() {
        System.clearProperty("kad.alpha");
    }

    private ClassLoader loaderWithRootFile(String content) throws IOException {
        Path root = Files.createDirectories(dir.resolve("root"));
        Files.writeString(root.resolve("kad.properties"), content);
        return new URLClassLoader(new URL[] {root.toUri().toURL()}, null);
    }

    @Test
    void noSettingsMeanAnEmbeddedLoopbackNodeOnAnEphemeralPort() {
        KadSettings s = KadSettings.resolve(new URLClassLoader(new URL[0], null), URI.create("kad:default"),
                new Properties());
        assertThat(s.nodeConfig().host()).isEqualTo("127.0.0.1");
        assertThat(s.nodeConfig().port()).isZero();
        assertThat(s.nodeConfig().seeds()).isEmpty();
    }

    @Test
    void laterSourcesWinClasspathThenUriThenPropertiesThenSystemProperties() throws IOException {
        ClassLoader loader = loaderWithRootFile("kad.k=11\nkad.alpha=1\nkad.replication=1\nkad.rpc-timeout-ms=100\n");
        Path file = dir.resolve("node.properties");
        Files.writeString(file, "kad.alpha=2\nkad.replication=2\nkad.rpc-timeout-ms=200\n");
        Properties props = new Properties();
        props.setProperty("kad.alpha", "3");
        props.setProperty("kad.replication", "3");
        props.setProperty("unrelated.key", "ignored");
        System.setProperty("kad.alpha", "4");

        KadSettings s = KadSettings.resolve(loader, file.toUri(), props);

        assertThat(s.nodeConfig().k()).isEqualTo(11);
        assertThat(s.nodeConfig().rpcTimeout()).isEqualTo(Duration.ofMillis(200));
        assertThat(s.nodeConfig().replication()).isEqualTo(3);
        assertThat(s.nodeConfig().alpha()).isEqualTo(4);
    }

    @Test
    void classpathUriNamesAResourceOfTheManagersLoader() throws IOException {
        Path root = Files.createDirectories(dir.resolve("cp"));
        Files.createDirectories(root.resolve("conf"));
        Files.writeString(root.resolve("conf/a.properties"), "kad.port=4567\n");
        ClassLoader loader = new URLClassLoader(new URL[] {root.toUri().toURL()}, null);
        assertThat(KadSettings.resolve(loader, URI.create("classpath:conf/a.properties"), new Properties())
                .nodeConfig().port()).isEqualTo(4567);
        assertThatThrownBy(() -> KadSettings.resolve(loader, URI.create("classpath:conf/missing.properties"),
                new Properties())).isInstanceOf(CacheException.class).hasMessageContaining("conf/missing.properties");
    }

    @Test
    void jarUriOfAPackagedApplicationIsRead() throws IOException {
        Path jar = dir.resolve("app.jar");
        try (java.util.jar.JarOutputStream out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new java.util.jar.JarEntry("kad-spring.properties"));
            out.write("kad.port=4568\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            out.closeEntry();
        }
        URI inJar = URI.create("jar:" + jar.toUri() + "!/kad-spring.properties");
        assertThat(KadSettings.resolve(getClass().getClassLoader(), inJar, new Properties()).nodeConfig().port())
                .isEqualTo(4568);
        URI missing = URI.create("jar:" + jar.toUri() + "!/missing.properties");
        assertThatThrownBy(() -> KadSettings.resolve(getClass().getClassLoader(), missing, new Properties()))
                .isInstanceOf(CacheException.class).hasMessageContaining("missing.properties");
    }

    @Test
    void sharedSecretReachesTheNodeAndNeverAppearsInAMessage() {
        assertThat(KadSettings.of(Map.of("kad.secret", "sixteen chars ok")).nodeConfig().sharedSecret())
                .isEqualTo("sixteen chars ok");
        assertThatThrownBy(() -> KadSettings.of(Map.of("kad.secret", "tooshort")))
                .isInstanceOf(CacheException.class)
                .hasMessageContaining("kad.secret")
                .hasMessageContaining("at least 16")
                .hasMessageNotContaining("tooshort");
        assertThatThrownBy(() -> KadSettings.of(Map.of("kad.secret", "sixteen chars ok", "kad.replication", "30")))
                .isInstanceOf(CacheException.class)
                .hasMessageNotContaining("sixteen chars ok");
    }

    @Test
    void unknownKeyFailsNamingKeyAndValue() {
        assertThatThrownBy(() -> KadSettings.of(Map.of("kad.prot", "4000")))
                .isInstanceOf(CacheException.class)
                .hasMessageContaining("kad.prot=4000")
                .hasMessageContaining("unknown key");
        assertThatThrownBy(() -> KadSettings.of(Map.of("kad.cache.a.expiri", "eternal")))
                .hasMessageContaining("kad.cache.a.expiri");
    }

    @Test
    void badValuesFailNamingKeyValueAndSource() throws IOException {
        ClassLoader loader = loaderWithRootFile("kad.port=http\n");
        assertThatThrownBy(() -> KadSettings.resolve(loader, URI.create("kad:x"), new Properties()))
                .isInstanceOf(CacheException.class)
                .hasMessageContaining("kad.port=http")
                .hasMessageContaining("classpath:kad.properties");
        assertThatThrownBy(() -> KadSettings.of(Map.of("kad.port", "70000"))).hasMessageContaining("kad.port=70000");
        assertThatThrownBy(() -> KadSettings.of(Map.of("kad.seeds", "hostwithoutport")))
                .hasMessageContaining("kad.seeds=hostwithoutport");
        assertThatThrownBy(() -> KadSettings.of(Map.of("kad.cache.c.expiry", "created:soon")))
                .hasMessageContaining("kad.cache.c.expiry=created:soon");
        assertThatThrownBy(() -> KadSettings.of(Map.of("kad.cache.c.statistics", "yes")))
                .hasMessageContaining("kad.cache.c.statistics=yes");
        assertThatThrownBy(() -> KadSettings.of(Map.of("kad.replication", "30")))
                .isInstanceOf(CacheException.class).hasMessageContaining("replication");
        assertThatThrownBy(() -> KadSettings.of(Map.of("kad.storage", "mvstore")))
                .hasMessageContaining("kad.storage.path");
    }

    @Test
    void nodeKeysMapToTheNodeConfiguration() {
        KadSettings s = KadSettings.of(Map.of(
                "kad.host", "127.0.0.1", "kad.port", "4000", "kad.seeds", "127.0.0.1:4001, 127.0.0.1:4002",
                "kad.hash", "sha1", "kad.operation-timeout-ms", "1500", "kad.storage.max-records", "1000",
                "kad.serialization.allow", "com.example.**;org.example.Model"));
        assertThat(s.nodeConfig().seeds()).hasSize(2);
        assertThat(s.nodeConfig().hashName()).isEqualTo("sha1");
        assertThat(s.nodeConfig().operationTimeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(s.nodeConfig().storageSettings()).containsEntry("storage.max-records", "1000");
        assertThat(s.serializationAllow()).containsExactly("com.example.**", "org.example.Model");
    }

    @Test
    void serializationEntriesAndLimitsAreCheckedNamingKeyAndValue() {
        assertThatThrownBy(() -> KadSettings.of(Map.of("kad.serialization.allow", "com.example.**;preset:everything")))
                .isInstanceOf(CacheException.class)
                .hasMessageContaining("kad.serialization.allow=com.example.**;preset:everything")
                .hasMessageContaining("unknown preset 'everything'");
        assertThatThrownBy(() -> KadSettings.of(Map.of("kad.serialization.allow", "com.example.*.Model")))
                .isInstanceOf(CacheException.class)
                .hasMessageContaining("kad.serialization.allow=com.example.*.Model");
        assertThatThrownBy(() -> KadSettings.of(Map.of("kad.serialization.max-depth", "0")))
                .isInstanceOf(CacheException.class)
                .hasMessageContaining("kad.serialization.max-depth=0");
        assertThatThrownBy(() -> KadSettings.of(Map.of("kad.serialization.max-bytes", "lots")))
                .isInstanceOf(CacheException.class)
                .hasMessageContaining("kad.serialization.max-bytes=lots");
        assertThat(KadSettings.of(Map.of()).serializationLimits()).isEqualTo(SerializationLimits.DEFAULTS);
        KadSettings s = KadSettings.of(Map.of("kad.serialization.allow", "preset:hibernate preset:collections",
                "kad.serialization.max-depth", "32", "kad.serialization.max-array-length", "5000",
                "kad.serialization.max-references", "7000", "kad.serialization.max-bytes", "65536"));
        assertThat(s.serializationAllow()).containsExactly("preset:hibernate", "preset:collections");
        assertThat(s.serializationLimits()).isEqualTo(new SerializationLimits(32, 5000, 7000, 65536));
    }

    @Test
    void cacheDefaultsFillDeclaredCachesAndGiveEveryOtherNameSettings() {
        KadSettings none = KadSettings.of(Map.of("kad.cache.orders.statistics", "true"));
        assertThat(none.cacheDefaults()).isNull();
        assertThat(none.cacheSettings("other")).isNull();

        KadSettings s = KadSettings.of(Map.of("kad.cache.default.expiry", "created:10m",
                "kad.cache.default.statistics", "true", "kad.cache.orders.statistics", "false"));
        assertThat(s.caches()).containsOnlyKeys("orders");
        KadSettings.CacheSettings orders = s.cacheSettings("orders");
        assertThat(orders.statistics()).isFalse();
        assertThat(orders.expiry()).isEqualTo(new KadSettings.ExpirySetting("created", Duration.ofMinutes(10)));
        KadSettings.CacheSettings region = s.cacheSettings("com.example.Book##NaturalId");
        assertThat(region.name()).isEqualTo("com.example.Book##NaturalId");
        assertThat(region.statistics()).isTrue();
        assertThat(region.storeByValue()).isNull();
    }

    @Test
    void cacheKeysAcceptNamesWithDots() {
        KadSettings s = KadSettings.of(Map.of("kad.cache.orders.v2.expiry", "touched:1h",
                "kad.cache.orders.v2.statistics", "true"));
        KadSettings.CacheSettings c = s.caches().get("orders.v2");
        assertThat(c.expiry()).isEqualTo(new KadSettings.ExpirySetting("touched", Duration.ofHours(1)));
        assertThat(c.statistics()).isTrue();
    }

    @Test
    void misspeltStorageKeyFailsNamingKeyValueAndSource() throws IOException {
        ClassLoader loader = loaderWithRootFile("kad.storage.max-recrods=10\n");
        assertThatThrownBy(() -> KadSettings.resolve(loader, URI.create("kad:x"), new Properties()))
                .isInstanceOf(CacheException.class)
                .hasMessageContaining("kad.storage.max-recrods=10")
                .hasMessageContaining("classpath:kad.properties")
                .hasMessageContaining("kad.storage.max-records");
    }

    @Test
    void storageKeysMustBeReadByTheSelectedTier() {
        assertThatThrownBy(() -> KadSettings.of(Map.of("kad.storage.sync", "periodic")))
                .isInstanceOf(CacheException.class)
                .hasMessageContaining("kad.storage.sync=periodic")
                .hasMessageContaining("mvstore");
        assertThatThrownBy(() -> KadSettings.of(Map.of("kad.storage", "mvstore", "kad.storage.path", "x.mv",
                "kad.storage.max-records", "10")))
                .isInstanceOf(CacheException.class)
                .hasMessageContaining("kad.storage.max-records=10")
                .hasMessageContaining("caffeine");
        assertThatThrownBy(() -> KadSettings.of(Map.of("kad.storage", "mvstore", "kad.storage.path", "x.mv",
                "kad.storage.sync", "sometimes")))
                .isInstanceOf(CacheException.class)
                .hasMessageContaining("kad.storage.sync=sometimes");
        assertThatThrownBy(() -> KadSettings.of(Map.of("kad.storage", "mvstore", "kad.storage.path", "x.mv",
                "kad.storage.sync", "PERIODIC")))
                .isInstanceOf(CacheException.class)
                .hasMessageContaining("kad.storage.sync=PERIODIC");
        assertThatThrownBy(() -> KadSettings.of(Map.of("kad.storage", "nosuchtier")))
                .isInstanceOf(CacheException.class)
                .hasMessageContaining("kad.storage=nosuchtier");
        KadSettings mv = KadSettings.of(Map.of("kad.storage", "mvstore", "kad.storage.path", "x.mv",
                "kad.storage.sync", "periodic", "kad.storage.sync-interval-ms", "250",
                "kad.storage.expiry-grace-ms", "0"));
        assertThat(mv.nodeConfig().storageSettings()).containsEntry("storage.sync", "periodic")
                .containsEntry("storage.sync-interval-ms", "250").containsEntry("storage.expiry-grace-ms", "0");
    }

    @Test
    void aTierFoundThroughTheSpiClaimsTheKeysItDeclares() {
        KadSettings s = KadSettings.of(Map.of("kad.storage", DeclaringStorageTierProvider.NAME,
                "kad.storage.colour", "blue", "kad.storage.max-records", "5", "kad.storage.expiry-grace-ms", "10"));
        assertThat(s.nodeConfig().storageSettings()).containsEntry("storage.colour", "blue")
                .containsEntry("storage.max-records", "5");
        assertThatThrownBy(() -> KadSettings.of(Map.of("kad.storage", DeclaringStorageTierProvider.NAME,
                "kad.storage.color", "blue")))
                .isInstanceOf(CacheException.class)
                .hasMessageContaining("kad.storage.color=blue")
                .hasMessageContaining("kad.storage.colour");
        assertThatThrownBy(() -> KadSettings.of(Map.of("kad.storage.colour", "blue")))
                .isInstanceOf(CacheException.class)
                .hasMessageContaining("kad.storage.colour=blue");
    }

    @Test
    void expiryTooLongForMillisecondsFailsNamingTheKey() {
        assertThatThrownBy(() -> KadSettings.of(Map.of("kad.cache.c.expiry", "created:9999999999999999d")))
                .isInstanceOf(CacheException.class)
                .hasMessageContaining("kad.cache.c.expiry=created:9999999999999999d")
                .hasMessageContaining("too long");
        assertThatThrownBy(() -> KadSettings.of(Map.of("kad.cache.default.expiry",
                "accessed:99999999999999999999999ms")))
                .isInstanceOf(CacheException.class)
                .hasMessageContaining("kad.cache.default.expiry");
        assertThat(KadSettings.of(Map.of("kad.cache.c.expiry", "created:106751991167d")).caches().get("c").expiry()
                .duration()).isEqualTo(Duration.ofDays(106_751_991_167L));
        assertThatThrownBy(() -> KadSettings.of(Map.of("kad.cache.c.expiry", "created:106751991168d")))
                .isInstanceOf(CacheException.class)
                .hasMessageContaining("kad.cache.c.expiry=created:106751991168d");
    }

    @Test
    void numbersOutsideTheirRangeOrALongFailNamingKeyAndValue() {
        for (String key : SettingCatalog.NODE.keySet()) {
            if (SettingCatalog.NODE.get(key).range().kind() == SettingCatalog.Kind.WHOLE_NUMBER) {
                assertThatThrownBy(() -> KadSettings.of(Map.of(key, "99999999999999999999")))
                        .isInstanceOf(CacheException.class)
                        .hasMessageContaining(key + "=99999999999999999999");
                assertThatThrownBy(() -> KadSettings.of(Map.of(key, "-1")))
                        .isInstanceOf(CacheException.class)
                        .hasMessageContaining(key + "=-1");
            }
        }
        for (String key : SettingCatalog.STORAGE.keySet()) {
            if (SettingCatalog.STORAGE.get(key).range().kind() == SettingCatalog.Kind.WHOLE_NUMBER
                    && SettingCatalog.STORAGE.get(key).appliesTo("caffeine")) {
                assertThatThrownBy(() -> KadSettings.of(Map.of(key, "9223372036854775808")))
                        .isInstanceOf(CacheException.class)
                        .hasMessageContaining(key + "=9223372036854775808");
            }
        }
        assertThatThrownBy(() -> KadSettings.of(Map.of("kad.seeds", "127.0.0.1:99999999999999999999")))
                .isInstanceOf(CacheException.class)
                .hasMessageContaining("kad.seeds=");
    }

    @Test
    void theCatalogDefaultsAreTheOnesApplied() {
        KadSettings s = KadSettings.of(Map.of());
        assertThat(SettingCatalog.NODE.get("kad.k").defaultValue()).isEqualTo(Integer.toString(s.nodeConfig().k()));
        assertThat(SettingCatalog.NODE.get("kad.operation-timeout-ms").defaultValue())
                .isEqualTo(Long.toString(s.nodeConfig().operationTimeout().toMillis()));
        assertThat(SettingCatalog.STORAGE.get("kad.storage.max-records").defaultValue()).isEqualTo("100000");
        assertThat(SettingCatalog.STORAGE.get("kad.storage.expiry-grace-ms").defaultValue())
                .isEqualTo(Long.toString(s.nodeConfig().expiryGrace().toMillis()));
        assertThat(KadSettings.NODE_KEYS).contains("kad.port", "kad.storage.max-records");
    }

    @Test
    void dnsSeedsAreKeptByNameBesideFixedOnes() {
        KadSettings s = KadSettings.of(Map.of("kad.seeds", "127.0.0.1:4001, dns:kad.default.svc.cluster.local:4000",
                "kad.seeds.interval-ms", "5000"));
        assertThat(s.nodeConfig().seeds()).containsExactly(new java.net.InetSocketAddress("127.0.0.1", 4001));
        assertThat(s.dnsSeeds()).containsExactly(new io.kad.core.DnsSeeds.Name("kad.default.svc.cluster.local", 4000));
        assertThat(s.dnsSeedInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(KadSettings.of(Map.of()).dnsSeedInterval()).isEqualTo(io.kad.core.DnsSeeds.DEFAULT_INTERVAL);
    }

    @Test
    void badDnsSeedsFailNamingKeyValueAndSource() {
        for (String bad : List.of("dns:kad", "dns:kad:x", "dns:kad:0", "dns:ka d:4000", "dns::4000")) {
            Properties p = new Properties();
            p.setProperty("kad.seeds", bad);
            assertThatThrownBy(() -> KadSettings.resolve(getClass().getClassLoader(), URI.create("kad:x"), p))
                    .as(bad).isInstanceOf(CacheException.class)
                    .hasMessageContaining("kad.seeds=" + bad)
                    .hasMessageContaining("getCacheManager properties");
        }
        assertThatThrownBy(() -> KadSettings.of(Map.of("kad.seeds.interval-ms", "10")))
                .isInstanceOf(CacheException.class).hasMessageContaining("kad.seeds.interval-ms=10");
    }
}
