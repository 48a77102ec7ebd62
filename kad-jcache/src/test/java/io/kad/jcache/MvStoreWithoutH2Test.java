package io.kad.jcache;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.Properties;
import javax.cache.CacheException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * H2's MVStore is an optional dependency of kad-core, absent from this module's class path: selecting the
 * mvstore tier without it fails at once, naming the dependency to add.
 */
class MvStoreWithoutH2Test {

    private static boolean mvStoreOnClassPath() {
        try {
            Class.forName("org.h2.mvstore.MVStore", false, MvStoreWithoutH2Test.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    @Test
    void theMvStoreTierWithoutItsDependencyFailsNamingIt(@TempDir Path dir) {
        assumeTrue(!mvStoreOnClassPath(), "h2-mvstore is on the class path");
        Properties p = new Properties();
        p.setProperty("kad.storage", "mvstore");
        p.setProperty("kad.storage.path", dir.resolve("store.mv").toString());

        assertThatThrownBy(() -> TestManagers.fresh(p))
                .isInstanceOf(CacheException.class)
                .hasMessageContaining("mvstore storage tier needs H2's MVStore")
                .hasMessageContaining("com.h2database:h2-mvstore");
    }
}
