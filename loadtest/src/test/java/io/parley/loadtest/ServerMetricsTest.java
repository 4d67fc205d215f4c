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

    @Test
    void serverHistogramsBecomePercentileBoundsOverTheRun() {
        String before = """
                parley_media_forward_latency_seconds_bucket{le="5.0E-4"} 10
                parley_media_forward_latency_seconds_bucket{le="0.001"} 10
                parley_media_forward_latency_seconds_bucket{le="0.002"} 10
                parley_media_forward_latency_seconds_bucket{le="+Inf"} 10
                """;
        String after = """
                parley_media_forward_latency_seconds_bucket{le="5.0E-4"} 60
                parley_media_forward_latency_seconds_bucket{le="0.001"} 105
                parley_media_forward_latency_seconds_bucket{le="0.002"} 109
                parley_media_forward_latency_seconds_bucket{le="+Inf"} 110
                parley_other_seconds_bucket{le="+Inf"} 3
                """;
        Map<String, Object> d = ServerMetrics.delta(ServerMetrics.buckets(before), ServerMetrics.buckets(after),
                "parley_media_forward_latency_seconds");
        // 100 packets in the run: 50 <= 0.5 ms, 45 more <= 1 ms, 4 more <= 2 ms, 1 slower
        assertThat(d).containsEntry("count", 100L).containsEntry("p50", 0.5).containsEntry("p90", 1.0)
                .containsEntry("p99", 2.0).containsEntry("p99_9", "inf");
        assertThat(ServerMetrics.buckets(after)).containsOnlyKeys("parley_media_forward_latency_seconds");
    }
}
