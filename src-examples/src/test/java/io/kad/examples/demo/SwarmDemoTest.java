package io.kad.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class SwarmDemoTest {

    @Test
    void valuesPutThroughOneCacheManagerAreReadThroughEveryOtherAndEachStepIsTimed() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        SwarmDemo.Report report = SwarmDemo.run(new PrintStream(bytes, true, StandardCharsets.UTF_8));

        assertThat(report.reads()).containsOnlyKeys(2, 3);
        assertThat(report.reads().get(2)).isEqualTo(SwarmDemo.VALUES);
        assertThat(report.reads().get(3)).isEqualTo(SwarmDemo.VALUES);

        int values = SwarmDemo.VALUES.size();
        // 3 starts, the puts, a get per key through managers 2 and 3, the close
        assertThat(report.steps()).hasSize(SwarmDemo.NODES + values + 2 * values + 1);
        assertThat(report.steps()).allSatisfy(s -> assertThat(s.millis()).isNotNegative());
        assertThat(report.steps().get(report.steps().size() - 1).description()).isEqualTo("closed 3 cache manager(s) and their nodes");

        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines.get(0)).isEqualTo("kad swarm demo: 3 JCache cache managers (kad:swarm-demo) on 127.0.0.1");
        assertThat(lines.subList(1, lines.size())).hasSize(report.steps().size() + 1)
                .allSatisfy(l -> assertThat(l).matches(" *\\d+\\.\\d{2} ms  .+"));
        assertThat(lines).anySatisfy(l -> assertThat(l).endsWith("ms  manager 3 get answer -> 42"))
                .anySatisfy(l -> assertThat(l).contains("ms  manager 2 started its node on 127.0.0.1:")
                        .contains("joined through manager 1"))
                .anySatisfy(l -> assertThat(l).endsWith("ms  total"));
    }
}
