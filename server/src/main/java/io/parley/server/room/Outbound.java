package io.parley.server.room;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;
import io.parley.protocol.signal.SignalCodec;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Encodes an envelope once into a pooled buffer, so fan-out can write retained duplicates of it. */
public final class Outbound {
    private Outbound() {}

    public static ByteBuf encode(ObjectNode envelope) {
        ByteBuf buf = ByteBufAllocator.DEFAULT.buffer(256);
        try (ByteBufOutputStream out = new ByteBufOutputStream(buf)) {
            SignalCodec.MAPPER.writeValue((java.io.OutputStream) out, envelope);
            return buf;
        } catch (IOException e) {
            buf.release();
            throw new UncheckedIOException(e);
        }
    }
}
