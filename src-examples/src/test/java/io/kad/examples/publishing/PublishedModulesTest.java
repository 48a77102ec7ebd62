package io.kad.examples.publishing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The build's list of published modules is one list: every module of the reactor that is deployed (does
 * not set {@code maven.deploy.skip}) is in {@code kad-bom}, the BOM names no other, and each of them
 * names its module in the jar manifest.
 */
class PublishedModulesTest {

    private static final Path ROOT = Path.of("..");
    private static final Pattern MODULE = Pattern.compile("<module>([^<]+)</module>");
    private static final Pattern BOM_ENTRY = Pattern.compile(
            "<groupId>io\\.kad</groupId>\\s*<artifactId>([^<]+)</artifactId>");

    private static Set<String> all(Pattern pattern, String text) {
        Set<String> found = new TreeSet<>();
        Matcher m = pattern.matcher(text);
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }

    private static Set<String> deployedModules() throws IOException {
        Set<String> deployed = new TreeSet<>();
        for (String module : all(MODULE, Files.readString(ROOT.resolve("pom.xml")))) {
            String pom = Files.readString(ROOT.resolve(module).resolve("pom.xml"));
            if (!pom.contains("<maven.deploy.skip>true</maven.deploy.skip>") && !module.equals("kad-bom")) {
                deployed.add(module);
            }
        }
        return deployed;
    }

    @Test
    void theBomListsExactlyTheDeployedModules() throws IOException {
        Set<String> deployed = deployedModules();
        assertThat(deployed).contains("kad-spi", "kad-core", "kad-jcache", "kad-node", "kad-spring-boot-starter")
                .doesNotContain("src-examples", "kad-tck-runner", "kad-benchmarks");
        String bom = Files.readString(ROOT.resolve("kad-bom").resolve("pom.xml"));
        String managed = bom.substring(bom.indexOf("<dependencyManagement>"));
        assertThat(all(BOM_ENTRY, managed)).isEqualTo(deployed);
    }

    @Test
    void everyDeployedModuleNamesItsModuleAndAttachesSourcesAndJavadoc() throws IOException {
        for (String module : deployedModules()) {
            String pom = Files.readString(ROOT.resolve(module).resolve("pom.xml"));
            assertThat(pom).as(module).contains("<automatic.module.name>io.kad.")
                    .doesNotContain("<maven.source.skip>true", "<maven.javadoc.skip>true");
        }
    }
}
