package io.parley.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ServerMetricsTest {
    @Test
    void readsCpuHeapAndSessionsFromPrometheusText() {
        String page = """
                # HELP process_cpu_usage The "recent cpu usage" for the Java Virtual Machine process
                # TYPE process_cpu_usage gauge
                process_cpu_usage 0.4375
                jvm_memory_used_bytes{area="heap",id="G1 Eden Space"} 1.2E7
                jvm_memory_used_bytes{area="heap",id="G1 Old Gen"} 3000000.0
                jvm_memory_used_bytes{area="nonheap",id="Metaspace"} 5.0E7
                parley_sessions 42.0
                parley_sessions_total 7.0
                """;
        Map<String, Double> v = ServerMetrics.parse(page);
        assertThat(v).containsEntry(ServerMetrics.CPU, 0.4375)
                .containsEntry(ServerMetrics.HEAP, 1.5E7)
                .containsEntry(ServerMetrics.SESSIONS, 42.0)
                .hasSize(3);
    }
}
