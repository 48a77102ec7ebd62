package io.kad.examples.modular;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The published jars carry their module names, and kad-jcache works on the module path: the modular
 * example ({@code src/modular/java}) is compiled and run against the jars of this build.
 *
 * <p>An integration test (Failsafe, {@code mvn verify}): it needs the reactor's packaged jars, which
 * the unit-test phase does not have yet.
 */
class ModulePathIT {

    /** The jars of the module path, by the start of their file names. */
    private static final List<String> MODULE_PATH_JARS = List.of(
            "kad-spi-", "kad-core-", "kad-jcache-", "cache-api-", "caffeine-", "jspecify-",
            "error_prone_annotations-", "jackson-databind-", "jackson-core-", "jackson-annotations-",
            "slf4j-api-", "slf4j-simple-");

    /**
     * kad-jcache's dependencies that are explicit modules. An automatic module reads every module but
     * does not make the explicit ones it uses resolve, so an application whose own module does not
     * require them adds them (or {@code ALL-MODULE-PATH}) to the root modules.
     */
    static final String DEPENDENCY_MODULES = "org.slf4j,com.fasterxml.jackson.databind,com.github.benmanes.caffeine";

    private static final Map<String, String> PUBLISHED = Map.of(
            "kad-spi-", "io.kad.spi",
            "kad-core-", "io.kad.core",
            "kad-jcache-", "io.kad.jcache",
            "kad-spring-boot-starter-", "io.kad.spring.boot");

    private static List<Path> classPath;

    @BeforeAll
    static void readClassPath() {
        classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .map(Path::of)
                .toList();
    }

    private static Path jar(String prefix) {
        List<Path> found = classPath.stream()
                .filter(p -> p.getFileName().toString().startsWith(prefix))
                .filter(p -> !p.getFileName().toString().endsWith("-tests.jar"))
                .toList();
        assertThat(found).as("class path entry %s*", prefix).hasSize(1);
        Path path = found.get(0);
        assertThat(path.toString()).as("%s must be a jar: run mvn verify, which packages the reactor's modules", path)
                .endsWith(".jar");
        return path;
    }

    private static List<Path> modulePath() {
        List<Path> jars = new ArrayList<>();
        for (String prefix : MODULE_PATH_JARS) {
            classPath.stream()
                    .filter(p -> p.getFileName().toString().startsWith(prefix) && p.toString().endsWith(".jar"))
                    .filter(p -> !p.getFileName().toString().endsWith("-tests.jar"))
                    .forEach(jars::add);
        }
        return jars;
    }

    @Test
    void everyPublishedJarNamesItsModule() throws IOException {
        for (Map.Entry<String, String> e : PUBLISHED.entrySet()) {
            Path jar = jar(e.getKey());
            try (JarFile file = new JarFile(jar.toFile())) {
                assertThat(file.getManifest().getMainAttributes().getValue("Automatic-Module-Name"))
                        .as("Automatic-Module-Name of %s", jar.getFileName())
                        .isEqualTo(e.getValue());
            }
            ModuleReference module = ModuleFinder.of(jar).findAll().iterator().next();
            ModuleDescriptor descriptor = module.descriptor();
            assertThat(descriptor.name()).isEqualTo(e.getValue());
            assertThat(descriptor.isAutomatic()).isTrue();
        }
    }

    @Test
    void theModularExampleRunsOnTheModulePath(@TempDir Path out) throws Exception {
        List<Path> jars = modulePath();
        assertThat(jars.stream().map(p -> p.getFileName().toString()))
                .anyMatch(n -> n.startsWith("kad-jcache-")).anyMatch(n -> n.startsWith("cache-api-"));
        String modulePath = jars.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator));

        Path sources = Path.of("src", "modular", "java");
        List<String> files;
        try (var walk = Files.walk(sources)) {
            files = walk.filter(p -> p.toString().endsWith(".java")).map(Path::toString).toList();
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        List<String> javacArgs = new ArrayList<>(List.of("-Xlint:all,-requires-automatic", "-Werror", "--module-path", modulePath,
                "-d", out.resolve("classes").toString()));
        javacArgs.addAll(files);
        var errors = new java.io.ByteArrayOutputStream();
        int compiled = javac.run(null, null, errors, javacArgs.toArray(String[]::new));
        assertThat(compiled).as("javac: %s", errors.toString(StandardCharsets.UTF_8)).isZero();

        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path log = out.resolve("output.txt");
        Process process = new ProcessBuilder(java.toString(),
                "--module-path", modulePath + File.pathSeparator + out.resolve("classes"),
                "--add-modules", DEPENDENCY_MODULES,
                "-m", "io.kad.examples.modular/io.kad.examples.modular.ModularApp")
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        boolean ended = process.waitFor(60, TimeUnit.SECONDS);
        if (!ended) {
            process.destroyForcibly().waitFor();
        }
        String output = Files.readString(log);
        assertThat(ended).as("the example ended within 60 s; output:%n%s", output).isTrue();
        assertThat(process.exitValue()).as("exit code; output:%n%s", output).isZero();
        assertThat(output)
                .contains("provider io.kad.jcache.KadCachingProvider in module io.kad.jcache")
                .contains("node in module io.kad.core")
                .contains("cached: Hello, Ada!");
    }
}
