package io.parley.server.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.Unpooled;
import io.parley.protocol.signal.Messages;
import io.parley.protocol.signal.SignalCodec;
import io.parley.server.room.RequestRef;
import io.parley.server.room.Signal;
import io.parley.server.sfu.EndReason;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The one place where a room's {@link Signal}s become JSON envelopes (PROTOCOL.md). A {@link Signal.Shared} push
 * is encoded once for all its recipients (the first to write it memoises the bytes). Stateless, any thread.
 */
final class SignalEncoder {
    private SignalEncoder() {}

    /**
     * A push numbered in its session: {@code {"seq":N,} + the push's own encoding without its opening brace}, so a
     * shared push keeps its one encoding and each recipient adds only its number.
     */
    static ByteBuf encode(Signal signal, ByteBufAllocator alloc, long seq) {
        if (seq <= 0) {
            return encode(signal, alloc);
        }
        ByteBuf body = encode(signal, alloc);
        try {
            byte[] prefix = ("{\"seq\":" + seq + ",").getBytes(StandardCharsets.US_ASCII);
            ByteBuf out = alloc.buffer(prefix.length + body.readableBytes() - 1);
            out.writeBytes(prefix);
            out.writeBytes(body, body.readerIndex() + 1, body.readableBytes() - 1);
            return out;
        } finally {
            body.release();
        }
    }

    /** The signal as one JSON text message; the caller owns the buffer. */
    static ByteBuf encode(Signal signal, ByteBufAllocator alloc) {
        if (signal instanceof Signal.Shared shared) {
            return Unpooled.wrappedBuffer(shared.encoded(SignalEncoder::bytes));
        }
        ByteBuf buf = alloc.buffer(256);
        try (ByteBufOutputStream out = new ByteBufOutputStream(buf)) {
            write(signal, out);
            return buf;
        } catch (IOException | RuntimeException e) {
            buf.release();
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
    }

    private static byte[] bytes(Signal.Push push) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try {
            write(push, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The envelope written straight from the signal's record (SignalCodec.writeResponse/writePush), no tree. */
    private static void write(Signal signal, OutputStream out) throws IOException {
        if (signal instanceof Signal.Reply r) {
            SignalCodec.writeResponse(out, requestId(r.request()), r.type(), r.code(), r.message(), r.result());
        } else if (signal instanceof Signal.Push p) {
            SignalCodec.writePush(out, p.type(), data(p));
        } else {
            throw new IllegalArgumentException(
                    "signal: " + signal + " (expected: a Reply or a Push; Shared is encoded by encode)");
        }
    }

    /** The wire record of a push (PROTOCOL.md), with its JSON-in-a-string extendedData where it has one. */
    static Object data(Signal.Push push) {
        if (push instanceof Signal.RoomStateChanged p) {
            String extended = p.kickoutReason() == null ? "" : p.customMessage() == null
                    ? json(Map.of("kickout_reason", p.kickoutReason()))
                    : json(new java.util.TreeMap<>(Map.of("kickout_reason", p.kickoutReason(),
                            "custom_kickout_message", p.customMessage())));
            return new Messages.RoomStateChanged(p.roomId(), p.reason().name(), p.code(), extended);
        }
        if (push instanceof Signal.RoomUserUpdate p) {
            return p.data();
        }
        if (push instanceof Signal.RoomStreamUpdate p) {
            String extended = p.deleted().isEmpty() ? "" : json(new Messages.StreamDeleteExtended(p.deleted()));
            return new Messages.RoomStreamUpdate(p.roomId(), p.updateType(), p.streams(), extended);
        }
        if (push instanceof Signal.PublisherStateUpdate p) {
            return new Messages.PublisherStateUpdate(p.roomId(), p.streamId(), p.state().name(), p.code(), extended(p.reason(), p.detail()));
        }
        if (push instanceof Signal.PlayerStateUpdate p) {
            return new Messages.PlayerStateUpdate(p.roomId(), p.streamId(), p.state().name(), p.code(), extended(p.reason(), p.detail()));
        }
        if (push instanceof Signal.PublishQualityUpdate p) {
            return p.data();
        }
        if (push instanceof Signal.PlayQualityUpdate p) {
            return p.data();
        }
        if (push instanceof Signal.RoomNotice p) {
            return p.data();
        }
        return ((Signal.Notice) push).data(); // Push is sealed: Notice is the last one
    }

    /** A state update's extendedData, as PROTOCOL.md has it. */
    static String extended(EndReason reason, String detail) {
        return switch (reason) {
            case NONE -> "";
            case PEER_CLOSED -> "{\"reason\":\"peer_closed\"}";
            case PUBLISHER_STOPPED -> "{\"reason\":\"publisher_stopped\"}";
            case MEDIA_FAILED -> detail;
            case RTMP_DISCONNECTED -> "{\"reason\":\"rtmp_disconnected\"}";
            case PLAYER_DISCONNECTED -> "{\"reason\":\"player_disconnected\"}";
        };
    }

    private static String json(Object value) {
        try {
            return SignalCodec.MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode requestId(RequestRef ref) {
        return ref instanceof WireRequest w ? w.id() : null;
    }
}
