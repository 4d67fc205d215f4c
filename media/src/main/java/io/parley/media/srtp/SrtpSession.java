package io.parley.media.srtp;

import io.netty.buffer.ByteBuf;
import io.netty.util.collection.IntObjectHashMap;

/**
 * SRTP for one transport: outbound packets are protected with the local master key, inbound
 * ones unprotected with the remote one, each SSRC getting its {@link SrtpContext} lazily. An
 * inbound SSRC is only remembered once a packet from it authenticates, so forged packets cannot
 * grow the session.
 *
 * <p>Threading: each direction is confined to one thread at a time (the outbound side may run on
 * a different thread from the inbound side). Packets must already be demultiplexed: RTP vs RTCP
 * (RFC 5761 payload types 64-95 are RTCP) and DTLS/STUN out (RFC 7983).
 */
public final class SrtpSession {
    /** Bounds per-transport memory; far above what an audio room sends on one transport. */
    public static final int MAX_STREAMS_PER_DIRECTION = 1024;

    private final SrtpProfile profile;
    private final SrtpTransform outboundTransform;
    private final SrtpTransform inboundTransform;
    private final IntObjectHashMap<SrtpContext> outbound = new IntObjectHashMap<>();
    private final IntObjectHashMap<SrtpContext> inbound = new IntObjectHashMap<>();

    public SrtpSession(SrtpKeys keys) {
        this.profile = keys.profile();
        this.outboundTransform = SrtpTransform.create(profile, keys.localMasterKey(), keys.localMasterSalt());
        this.inboundTransform = SrtpTransform.create(profile, keys.remoteMasterKey(), keys.remoteMasterSalt());
    }

    public SrtpProfile profile() {
        return profile;
    }

    public SrtpStatus protectRtp(ByteBuf packet) {
        if (packet.readableBytes() < 12) {
            return SrtpStatus.TOO_SHORT;
        }
        SrtpContext ctx = outboundContext(packet.getInt(packet.readerIndex() + 8));
        return ctx == null ? SrtpStatus.TOO_MANY_STREAMS : ctx.protectRtp(packet);
    }

    public SrtpStatus protectRtcp(ByteBuf packet) {
        if (packet.readableBytes() < 8) {
            return SrtpStatus.TOO_SHORT;
        }
        SrtpContext ctx = outboundContext(packet.getInt(packet.readerIndex() + 4));
        return ctx == null ? SrtpStatus.TOO_MANY_STREAMS : ctx.protectRtcp(packet);
    }

    public SrtpStatus unprotectRtp(ByteBuf packet) {
        if (packet.readableBytes() < 12) {
            return SrtpStatus.TOO_SHORT;
        }
        int ssrc = packet.getInt(packet.readerIndex() + 8);
        SrtpContext ctx = inbound.get(ssrc);
        if (ctx != null) {
            return ctx.unprotectRtp(packet);
        }
        if (inbound.size() >= MAX_STREAMS_PER_DIRECTION) {
            return SrtpStatus.TOO_MANY_STREAMS;
        }
        ctx = new SrtpContext(inboundTransform);
        SrtpStatus status = ctx.unprotectRtp(packet);
        if (status == SrtpStatus.OK) {
            inbound.put(ssrc, ctx);
        }
        return status;
    }

    public SrtpStatus unprotectRtcp(ByteBuf packet) {
        if (packet.readableBytes() < 8) {
            return SrtpStatus.TOO_SHORT;
        }
        int ssrc = packet.getInt(packet.readerIndex() + 4);
        SrtpContext ctx = inbound.get(ssrc);
        if (ctx != null) {
            return ctx.unprotectRtcp(packet);
        }
        if (inbound.size() >= MAX_STREAMS_PER_DIRECTION) {
            return SrtpStatus.TOO_MANY_STREAMS;
        }
        ctx = new SrtpContext(inboundTransform);
        SrtpStatus status = ctx.unprotectRtcp(packet);
        if (status == SrtpStatus.OK) {
            inbound.put(ssrc, ctx);
        }
        return status;
    }

    SrtpContext outboundContextForTest(int ssrc) {
        return outboundContext(ssrc);
    }

    SrtpContext inboundContextForTest(int ssrc) {
        return inbound.get(ssrc);
    }

    private SrtpContext outboundContext(int ssrc) {
        SrtpContext ctx = outbound.get(ssrc);
        if (ctx == null) {
            if (outbound.size() >= MAX_STREAMS_PER_DIRECTION) {
                return null;
            }
            ctx = new SrtpContext(outboundTransform);
            outbound.put(ssrc, ctx);
        }
        return ctx;
    }
}
