package io.parley.server.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.parley.protocol.signal.Messages;
import io.parley.protocol.signal.SignalCodec;
import io.parley.server.room.Signal;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A login reply as the gateway encodes it: {@code streamed} is {@link SignalEncoder} as it is (written straight from
 * the record); {@code viaTree} is what it did before (valueToTree, then the tree written). Run with {@code -prof gc}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SignalEncodeBenchmark {
    private final ByteBufAllocator alloc = UnpooledByteBufAllocator.DEFAULT;
    private final Messages.LoginResult result = new Messages.LoginResult("room-7", "f3c1a2b4c5d6e7f8", 10_000, 30_000,
            1_790_000_000L, "r3sum3-t0k3n-0123456789abcdef", List.of());
    private final WireRequest request = new WireRequest(SignalCodec.MAPPER.getNodeFactory().numberNode(3));
    private final Signal.Reply reply = new Signal.Reply(request, "loginRoom", 0, "OK", result);

    @Benchmark
    public int streamed() {
        ByteBuf b = SignalEncoder.encode(reply, alloc);
        int n = b.readableBytes();
        b.release();
        return n;
    }

    @Benchmark
    public int viaTree() throws IOException {
        ByteBuf b = alloc.buffer(256);
        try (ByteBufOutputStream out = new ByteBufOutputStream(b)) {
            SignalCodec.MAPPER.writeValue((OutputStream) out, SignalCodec.response(request.id(), "loginRoom", 0, "OK", result));
        }
        int n = b.readableBytes();
        b.release();
        return n;
    }
}
