package io.parley.server.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.Unpooled;
import io.parley.protocol.signal.SignalCodec;
import io.parley.server.room.RequestRef;
import io.parley.server.room.Signal;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * The one place where a room's {@link Signal}s become JSON envelopes (PROTOCOL.md). A {@link Signal.Shared} push
 * is encoded once for all its recipients (the first to write it memoises the bytes). Stateless, any thread.
 */
final class SignalEncoder {
    private SignalEncoder() {}

    /** The signal as one JSON text message; the caller owns the buffer. */
    static ByteBuf encode(Signal signal, ByteBufAllocator alloc) {
        if (signal instanceof Signal.Shared shared) {
            return Unpooled.wrappedBuffer(shared.encoded(SignalEncoder::bytes));
        }
        ByteBuf buf = alloc.buffer(256);
        try (ByteBufOutputStream out = new ByteBufOutputStream(buf)) {
            SignalCodec.MAPPER.writeValue((OutputStream) out, envelope(signal));
            return buf;
        } catch (IOException e) {
            buf.release();
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] bytes(Signal.Push push) {
        try {
            return SignalCodec.MAPPER.writeValueAsBytes(envelope(push));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Object envelope(Signal signal) {
        if (signal instanceof Signal.Reply r) {
            return SignalCodec.response(requestId(r.request()), r.type(), r.code(), r.message(), r.result());
        }
        if (signal instanceof Signal.Push p) {
            return SignalCodec.push(p.type(), p.data());
        }
        throw new IllegalArgumentException("signal: " + signal + " (expected: a Reply or a Push; Shared is encoded by encode)");
    }

    private static JsonNode requestId(RequestRef ref) {
        return ref instanceof WireRequest w ? w.id() : null;
    }
}
