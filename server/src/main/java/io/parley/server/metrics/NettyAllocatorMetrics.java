package io.parley.server.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.PoolArenaMetric;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocatorMetric;
import java.util.List;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * Netty's buffer memory: the default allocator (adaptive in Netty 4.2) and the pooled one, by heap/direct.
 * Labels: {@code allocator} (its simple class name) and {@code memory}; both bounded.
 */
final class NettyAllocatorMetrics {
    private NettyAllocatorMetrics() {}

    static void bind(MeterRegistry r) {
        bindUsed(r, ByteBufAllocator.DEFAULT);
        if (ByteBufAllocator.DEFAULT != PooledByteBufAllocator.DEFAULT) {
            bindUsed(r, PooledByteBufAllocator.DEFAULT);
        }
        PooledByteBufAllocatorMetric pooled = PooledByteBufAllocator.DEFAULT.metric();
        Gauge.builder("parley.netty.allocator.arenas", pooled, PooledByteBufAllocatorMetric::numHeapArenas)
                .description("Arenas of the pooled allocator").tag("memory", "heap").register(r);
        Gauge.builder("parley.netty.allocator.arenas", pooled, PooledByteBufAllocatorMetric::numDirectArenas)
                .description("Arenas of the pooled allocator").tag("memory", "direct").register(r);
        arenaSum(r, "parley.netty.allocator.active.allocations", "heap", pooled, PooledByteBufAllocatorMetric::heapArenas,
                PoolArenaMetric::numActiveAllocations, null, "Live allocations in the pooled allocator's arenas");
        arenaSum(r, "parley.netty.allocator.active.allocations", "direct", pooled, PooledByteBufAllocatorMetric::directArenas,
                PoolArenaMetric::numActiveAllocations, null, "Live allocations in the pooled allocator's arenas");
        arenaSum(r, "parley.netty.allocator.active", "heap", pooled, PooledByteBufAllocatorMetric::heapArenas,
                PoolArenaMetric::numActiveBytes, "bytes", "Bytes handed out by the pooled allocator's arenas");
        arenaSum(r, "parley.netty.allocator.active", "direct", pooled, PooledByteBufAllocatorMetric::directArenas,
                PoolArenaMetric::numActiveBytes, "bytes", "Bytes handed out by the pooled allocator's arenas");
        Gauge.builder("parley.netty.allocator.thread.local.caches", pooled, PooledByteBufAllocatorMetric::numThreadLocalCaches)
                .description("Thread-local caches of the pooled allocator").register(r);
        Gauge.builder("parley.netty.allocator.chunk.size", pooled, PooledByteBufAllocatorMetric::chunkSize)
                .description("Chunk size of the pooled allocator").baseUnit("bytes").register(r);
    }

    private static void bindUsed(MeterRegistry r, ByteBufAllocator a) {
        if (!(a instanceof ByteBufAllocatorMetricProvider p)) {
            return;
        }
        ByteBufAllocatorMetric m = p.metric();
        String name = a.getClass().getSimpleName();
        Gauge.builder("parley.netty.allocator.used", m, ByteBufAllocatorMetric::usedHeapMemory)
                .description("Memory held by a Netty allocator").baseUnit("bytes")
                .tag("allocator", name).tag("memory", "heap").register(r);
        Gauge.builder("parley.netty.allocator.used", m, ByteBufAllocatorMetric::usedDirectMemory)
                .description("Memory held by a Netty allocator").baseUnit("bytes")
                .tag("allocator", name).tag("memory", "direct").register(r);
    }

    private static void arenaSum(MeterRegistry r, String name, String memory, PooledByteBufAllocatorMetric pooled,
                                 Function<PooledByteBufAllocatorMetric, List<PoolArenaMetric>> arenas,
                                 ToLongFunction<PoolArenaMetric> value, String unit, String description) {
        Gauge.builder(name, pooled, p -> {
            long sum = 0;
            for (PoolArenaMetric a : arenas.apply(p)) {
                sum += value.applyAsLong(a);
            }
            return sum;
        }).description(description).baseUnit(unit).tag("memory", memory).register(r);
    }
}
