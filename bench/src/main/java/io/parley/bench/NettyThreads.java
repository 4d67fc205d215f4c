package io.parley.bench;

import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A JMH executor whose benchmark threads are Netty's {@code FastThreadLocalThread}s, as the server's event loops are:
 * Netty 4.2 recycles its objects (buffer instances, outbound entries) and gives a pooled allocator's thread cache
 * only to such threads, so a benchmark on JMH's plain threads allocates what the server does not. Use with
 * {@code -jvmArgsAppend "-Djmh.executor=CUSTOM -Djmh.executor.class=io.parley.bench.NettyThreads"} (BENCHMARKS.md).
 */
public final class NettyThreads extends ThreadPoolExecutor {
    public NettyThreads(int maxThreads, String prefix) {
        super(maxThreads, maxThreads, 1, TimeUnit.MINUTES, new LinkedBlockingQueue<>(), new DefaultThreadFactory(prefix, true));
    }
}
