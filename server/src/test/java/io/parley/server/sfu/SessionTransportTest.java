package io.parley.server.sfu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.socket.DatagramPacket;
import io.parley.media.dtls.DtlsCertificate;
import io.parley.media.srtp.SrtpKeys;
import io.parley.media.srtp.SrtpSession;
import io.parley.media.srtp.SrtpStatus;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.ProtocolException;
import io.parley.protocol.media.MediaDemux;
import io.parley.protocol.media.MediaSection;
import io.parley.protocol.media.RtcpCodec;
import io.parley.protocol.media.RtcpPacket;
import io.parley.protocol.media.RtpPacket;
import io.parley.protocol.media.Sdp;
import io.parley.protocol.media.SdpWriter;
import io.parley.protocol.media.SessionDescription;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The demultiplexing of a bundled transport, through the plane's real datagram path (SRTP included): RTP by SSRC,
 * by the sdes:mid extension, by payload type as a last resort; RTCP by the SSRC it names; and the SDP rules.
 */
class SessionTransportTest {
    private static final InetSocketAddress CLIENT = new InetSocketAddress("127.0.0.1", 40000);
    private static final SdpWriter.LocalIce ICE = new SdpWriter.LocalIce("ufragA", "0123456789abcdefghijklmn",
            new Sdp.Fingerprint("sha-256", DtlsCertificate.generate().fingerprint().hex()));

    private final SfuRig rig = new SfuRig(10000);
    private final MediaSessions sessions = new MediaSessions(rig.plane);
    private final AtomicReference<SessionTransport> holder = new AtomicReference<>();
    private SrtpSession client;

    @AfterEach
    void close() {
        rig.close();
    }

    private static SdpWriter.OfferSection send(String mid, long ssrc) {
        return new SdpWriter.OfferSection(mid, Sdp.Direction.SENDONLY,
                new SdpWriter.LocalSource(ssrc, "c" + mid, "parley", "audio" + mid), false);
    }

    private static SdpWriter.OfferSection recv(String mid, long ssrc) {
        return new SdpWriter.OfferSection(mid, Sdp.Direction.RECVONLY,
                new SdpWriter.LocalSource(ssrc, "c" + mid, "parley", "audio" + mid), false);
    }

    private static String offer(SdpWriter.OfferSection... sections) {
        return SdpWriter.bundleOffer(List.of(sections), ICE, 7, 2);
    }

    /** Drops the a=ssrc and a=msid lines of the section that sends {@code ssrc} (a stack that announces no SSRC). */
    private static String withoutSsrc(String sdp, long ssrc, String mid) {
        return sdp.replaceAll("a=ssrc:" + ssrc + " [^\r]*\r\n", "").replace("a=msid:parley audio" + mid + "\r\n", "");
    }

    /** The bundled transport is connected: SRTP keys in place and the client's address latched, no ICE or DTLS. */
    private void connect() {
        rig.runTasks();
        SessionTransport st = holder.get();
        SrtpKeys keys = SfuRig.keys();
        st.transport.srtp = new SrtpSession(keys);
        st.transport.address = CLIENT;
        rig.plane.latch(st.transport, CLIENT);
        client = new SrtpSession(SfuRig.mirror(keys));
    }

    private void sendRtp(long ssrc, int seq, String mid) {
        ByteBuf b = Unpooled.buffer(128);
        RtpPacket.writeHeader(b, 111, false, seq, seq * 960L, ssrc, 0, false, 0, mid == null ? 0 : 2,
                mid == null ? null : mid.getBytes(StandardCharsets.US_ASCII));
        b.writeBytes(new byte[20]);
        assertThat(client.protectRtp(b)).isEqualTo(SrtpStatus.OK);
        rig.plane.onDatagram(b, CLIENT, rig.clock.nanoTime());
        b.release();
        rig.runTasks();
    }

    private void sendRtcp(RtcpPacket... packets) {
        ByteBuf b = Unpooled.buffer(256);
        RtcpCodec.writeCompound(b, List.of(packets));
        assertThat(client.protectRtcp(b)).isEqualTo(SrtpStatus.OK);
        rig.plane.onDatagram(b, CLIENT, rig.clock.nanoTime());
        b.release();
        rig.runTasks();
    }

    /** What the plane sent the client since the last call, decrypted: RTP SSRCs and RTCP packets. */
    private record Out(List<Long> rtpSsrcs, List<RtcpPacket> rtcp) {}

    private Out received() {
        List<Long> ssrcs = new ArrayList<>();
        List<RtcpPacket> rtcp = new ArrayList<>();
        for (DatagramPacket d : rig.datagrams()) {
            ByteBuf b = d.content();
            assertThat(d.recipient()).isEqualTo(CLIENT);
            if (MediaDemux.classify(b) == MediaDemux.Kind.RTP) {
                // The SSRC is in the clear; a retransmission of a packet the client already has is a replay to SRTP.
                ssrcs.add(b.getUnsignedInt(b.readerIndex() + 8));
            } else if (MediaDemux.classify(b) == MediaDemux.Kind.RTCP) {
                assertThat(client.unprotectRtcp(b)).isEqualTo(SrtpStatus.OK);
                rtcp.addAll(RtcpCodec.parse(b).value());
            }
            d.release();
        }
        return new Out(ssrcs, rtcp);
    }

    private static boolean publishing(SfuRig.Events e) {
        return e.of(MediaEvent.PublisherStateChanged.class).stream().anyMatch(s -> s.state() == PublishState.PUBLISHING);
    }

    @Test
    void rtpFindsItsStreamBySsrcOrByMidAndRtcpFindsItsStreamBySsrc() {
        String offer = withoutSsrc(offer(send("0", 1000), send("1", 2000)), 2000, "1");
        SfuRig.Events e0 = new SfuRig.Events();
        SfuRig.Events e1 = new SfuRig.Events();
        Producer p0 = sessions.publishBundled(holder, "s0", offer, "0", e0);
        Producer p1 = sessions.publishBundled(holder, "s1", offer, "1", e1);
        assertThat(SessionDescription.parse(p1.answer()).bundleMids()).containsExactly("0", "1");
        SfuRig.Events ec = new SfuRig.Events();
        Consumer c = sessions.playBundled(holder, p0, offer(send("0", 1000), send("1", 2000), recv("2", 3000)), "2", ec);
        connect();
        assertThat(rig.plane.transportCount()).isEqualTo(1);

        sendRtp(1000, 1, null); // the SSRC of mid 0's a=ssrc
        assertThat(publishing(e0)).isTrue();
        assertThat(publishing(e1)).isFalse();
        assertThat(received().rtpSsrcs()).as("forwarded to the player on the same transport").containsExactly(c.ssrc);

        sendRtp(2222, 1, "1"); // no a=ssrc for mid 1: the mid extension names it, and binds the SSRC
        assertThat(publishing(e1)).isTrue();
        sendRtp(2222, 2, null);
        assertThat(p1.ssrc()).isEqualTo(2222);

        sendRtp(3333, 1, "9"); // a mid nobody has
        sendRtp(4444, 1, null); // no mid, unknown SSRC, and no stream left without an SSRC
        assertThat(rig.plane.counters().dropped(DropReason.UNKNOWN_SSRC)).isEqualTo(2);

        // The player's PLI reaches the publisher of what it plays, on the same transport, for the publisher's SSRC.
        received();
        sendRtcp(new RtcpPacket.ReceiverReport(3000, List.of()), new RtcpPacket.Pli(3000, c.ssrc));
        assertThat(received().rtcp()).contains(new RtcpPacket.Pli(p0.serverSsrc, 1000));
        // Its NACK is answered from the right stream's cache, with its own SSRC.
        sendRtcp(RtcpPacket.Nack.of(3000, c.ssrc, new int[] {(1 + seqOffset(c)) & 0xFFFF}));
        assertThat(rig.plane.counters().retransmissions()).isEqualTo(1);
        assertThat(received().rtpSsrcs()).containsExactly(c.ssrc);
        // A NACK for an SSRC that is not on this transport goes nowhere.
        sendRtcp(RtcpPacket.Nack.of(3000, 999, new int[] {1}));
        assertThat(rig.plane.counters().retransmissions()).isEqualTo(1);
    }

    /** Adds the transport-wide sequence number (id {@code id}) and transport-cc feedback to section {@code mid}. */
    private static String withTwcc(String sdp, String mid, int id) {
        int at = sdp.indexOf("a=mid:" + mid + "\r\n");
        int rtpmap = sdp.indexOf("a=rtpmap:111 opus/48000/2\r\n", at);
        String fb = "a=rtpmap:111 opus/48000/2\r\na=rtcp-fb:111 transport-cc\r\n";
        String withFb = sdp.substring(0, rtpmap) + fb + sdp.substring(rtpmap + "a=rtpmap:111 opus/48000/2\r\n".length());
        return withFb.replace("a=mid:" + mid + "\r\n",
                "a=mid:" + mid + "\r\na=extmap:" + id + " " + Sdp.TRANSPORT_CC_URI + "\r\n");
    }

    /** RTP from {@code ssrc} carrying transport-wide sequence number {@code wide} under extension id 3. */
    private void sendTwccRtp(long ssrc, int seq, int wide) {
        ByteBuf b = Unpooled.buffer(128);
        b.writeByte(0x90).writeByte(111).writeShort(seq).writeInt(seq * 960).writeInt((int) ssrc);
        b.writeShort(RtpPacket.ONE_BYTE_PROFILE).writeShort(1);
        b.writeByte(3 << 4 | 1).writeShort(wide).writeByte(0);
        b.writeBytes(new byte[20]);
        assertThat(client.protectRtp(b)).isEqualTo(SrtpStatus.OK);
        rig.plane.onDatagram(b, CLIENT, rig.clock.nanoTime());
        b.release();
        rig.runTasks();
    }

    @Test
    void transportWideNumbersOfEveryPublishedSectionGetOneFeedbackForTheTransport() {
        String offer = withTwcc(withTwcc(offer(send("0", 1000), send("1", 2000)), "0", 3), "1", 3);
        SfuRig.Events e0 = new SfuRig.Events();
        SfuRig.Events e1 = new SfuRig.Events();
        Producer p0 = sessions.publishBundled(holder, "s0", offer, "0", e0);
        Producer p1 = sessions.publishBundled(holder, "s1", offer, "1", e1);
        // The first answer accepts mid 0 only (mid 1 is not bound yet); the second both, each with the extension.
        SessionDescription first = SessionDescription.parse(p0.answer());
        SessionDescription second = SessionDescription.parse(p1.answer());
        for (MediaSection m : List.of(first.media().get(0), second.media().get(0), second.media().get(1))) {
            assertThat(m.extmaps()).as("mid %s", m.mid())
                    .anyMatch(x -> x.id() == 3 && x.uri().equals(Sdp.TRANSPORT_CC_URI));
            assertThat(m.rtcpFeedback(111)).contains(Sdp.TRANSPORT_CC_FEEDBACK);
        }
        connect();
        // The numbers run across both streams (one counter per transport, as a browser stamps them).
        sendTwccRtp(1000, 1, 10);
        sendTwccRtp(2000, 1, 11);
        sendTwccRtp(1000, 2, 12);
        assertThat(publishing(e0)).isTrue();
        assertThat(publishing(e1)).isTrue();
        received();
        holder.get().transport.sendTransportCc();
        List<RtcpPacket.Unknown> feedback = received().rtcp().stream()
                .filter(r -> r instanceof RtcpPacket.Unknown u && u.packetType() == 205 && u.count() == 15)
                .map(r -> (RtcpPacket.Unknown) r).toList();
        assertThat(feedback).as("one transport-cc feedback for the transport").hasSize(1);
        ByteBuf body = Unpooled.wrappedBuffer(feedback.get(0).body());
        assertThat(body.getUnsignedShort(8)).as("base sequence number").isEqualTo(10);
        assertThat(body.getUnsignedShort(10)).as("packet status count").isEqualTo(3);
        assertThat(rig.plane.counters().transportCcFeedback()).isEqualTo(1);

        // A third published section mapping the extension to another id cannot share the transport's counter.
        String other = withTwcc(withTwcc(withTwcc(offer(send("0", 1000), send("1", 2000), send("2", 3000)),
                "0", 3), "1", 3), "2", 5);
        assertThatThrownBy(() -> sessions.publishBundled(holder, "s2", other, "2", new SfuRig.Events()))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining(Sdp.TRANSPORT_CC_URI).hasMessageContaining("one id per URI");
    }

    /** The sequence offset the Consumer chose (its first packet carried the publisher's sequence 1). */
    private int seqOffset(Consumer c) {
        sendRtp(1000, 2, null);
        List<Long> out = new ArrayList<>();
        int seq = -1;
        for (DatagramPacket d : rig.datagrams()) {
            ByteBuf b = d.content();
            if (MediaDemux.classify(b) == MediaDemux.Kind.RTP && client.unprotectRtp(b) == SrtpStatus.OK) {
                out.add(b.getUnsignedInt(b.readerIndex() + 8));
                seq = b.getUnsignedShort(b.readerIndex() + 2);
            }
            d.release();
        }
        assertThat(out).containsExactly(c.ssrc);
        return (seq - 2) & 0xFFFF;
    }

    @Test
    void aLoneStreamWithoutSsrcOrMidIsFoundByItsPayloadType() {
        String offer = withoutSsrc(offer(send("0", 1000)), 1000, "0")
                .replace("a=extmap:" + SdpWriter.OFFER_MID_ID + " " + Sdp.MID_URI + "\r\n", "");
        SfuRig.Events e0 = new SfuRig.Events();
        Producer p0 = sessions.publishBundled(holder, "s0", offer, "0", e0);
        connect();
        sendRtp(5555, 1, null);
        assertThat(publishing(e0)).isTrue();
        assertThat(p0.ssrc()).isEqualTo(5555);
        // A second such stream could not be told apart: refused, and the first goes on.
        String two = withoutSsrc(withoutSsrc(offer(send("0", 1000), send("1", 2000)), 1000, "0"), 2000, "1")
                .replace("a=extmap:" + SdpWriter.OFFER_MID_ID + " " + Sdp.MID_URI + "\r\n", "");
        assertThatThrownBy(() -> sessions.publishBundled(holder, "s1", two, "1", new SfuRig.Events()))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("told apart");
    }

    @Test
    void aStoppedSectionIsAnsweredWithPortZeroAndItsMidIsNeverReused() {
        Producer p0 = sessions.publishBundled(holder, "s0", offer(send("0", 1000)), "0", new SfuRig.Events());
        Producer p1 = sessions.publishBundled(holder, "s1", offer(send("0", 1000), send("1", 2000)), "1",
                new SfuRig.Events());
        Producer p2 = sessions.publishBundled(holder, "s2", offer(send("0", 1000), send("1", 2000), send("2", 3000)), "2",
                new SfuRig.Events());
        // A section other than the group's first, stopped: port 0, out of the group.
        SessionDescription d = SessionDescription.parse(sessions.answerStop(holder,
                offer(send("0", 1000), send("1", 2000), send("2", 3000)), p1, ErrorCode.PUBLISH_SDP_REFUSED));
        assertThat(d.media()).extracting(m -> m.port() != 0).containsExactly(true, false, true);
        assertThat(d.bundleMids()).containsExactly("0", "2");
        rig.plane.close(p1);
        rig.runTasks();
        // The group's first (tagged) section, stopped but still offered: inactive, kept in the group with its port
        // and the candidate, so that a browser keeps its transport for the other streams.
        d = SessionDescription.parse(sessions.answerStop(holder,
                offer(send("0", 1000), send("1", 2000), send("2", 3000)), p0, ErrorCode.PUBLISH_SDP_REFUSED));
        assertThat(d.media().get(0).port()).isNotZero();
        assertThat(d.media().get(0).direction()).isEqualTo(Sdp.Direction.INACTIVE);
        assertThat(d.media().get(0).candidates()).as("the tagged section carries the candidate").hasSize(1);
        assertThat(d.media().get(1).port()).isZero();
        assertThat(d.media().get(2).direction()).isEqualTo(Sdp.Direction.RECVONLY);
        assertThat(d.bundleMids()).containsExactly("0", "2");
        rig.plane.close(p0);
        rig.runTasks();
        assertThat(p2.answer()).isNotNull();
        assertThatThrownBy(() -> sessions.publishBundled(holder, "s2", offer(send("0", 3000), send("1", 2000)), "0",
                new SfuRig.Events())).isInstanceOf(ProtocolException.class).hasMessageContaining("never reused");
        // Each answer is a new version of the session's description (o= version 2, 3, ... 6).
        assertThat(SessionDescription.parse(p0.answer()).origin()).endsWith(" 2 IN IP4 127.0.0.1");
        assertThat(d.origin()).endsWith(" 6 IN IP4 127.0.0.1");
    }

    private static SdpWriter.OfferSection stopped(String mid) {
        return new SdpWriter.OfferSection(mid, Sdp.Direction.SENDONLY,
                new SdpWriter.LocalSource(1, "c" + mid, "parley", "audio" + mid), true);
    }

    @Test
    void aRejectedSectionIsRecycledUnderANewMidAndTheOfferStaysAsLongAsTheLiveStreams() {
        SfuRig.Events e0 = new SfuRig.Events();
        Producer p0 = sessions.publishBundled(holder, "s0", offer(send("0", 1000)), "0", e0);
        // 600 streams over the transport's life (more than the 512 m-lines an offer may carry), one after another,
        // each in the slot its predecessor left (JSEP 5.2.2): a new mid each time, the offer two m-lines long.
        Producer last = null;
        SfuRig.Events eLast = null;
        for (int i = 1; i <= 600; i++) {
            String mid = Integer.toString(i);
            eLast = new SfuRig.Events();
            last = sessions.publishBundled(holder, "s" + i, offer(send("0", 1000), send(mid, 1000 + i)), mid, eLast);
            SessionDescription d = SessionDescription.parse(last.answer());
            assertThat(d.media()).extracting(MediaSection::port).allMatch(port -> port != 0);
            assertThat(d.bundleMids()).containsExactly("0", mid);
            if (i < 600) {
                d = SessionDescription.parse(sessions.answerStop(holder, offer(send("0", 1000), stopped(mid)), last,
                        ErrorCode.PUBLISH_SDP_REFUSED));
                assertThat(d.media().get(1).port()).isZero();
                rig.plane.close(last); // the stop's answer released the slot already: no wait for the media loop
            }
        }
        assertThat(holder.get().sectionCount()).as("sections the transport keeps").isEqualTo(2);
        connect();
        assertThat(last.streamId).isEqualTo("s600");
        sendRtp(1600, 1, "600"); // the recycled slot's stream, by its SSRC and its new mid
        assertThat(publishing(eLast)).isTrue();
        sendRtp(1000, 1, "0");
        assertThat(publishing(e0)).isTrue();
        assertThat(rig.plane.counters().dropped(DropReason.UNKNOWN_SSRC)).isZero();
        // A recycled slot's old mid is not taken again.
        assertThatThrownBy(() -> sessions.publishBundled(holder, "again", offer(send("0", 1000), send("600", 1600),
                send("5", 5000)), "5", new SfuRig.Events())).isInstanceOf(ProtocolException.class).hasMessageContaining("never reused");
        // A live stream's slot cannot be recycled (its m-line must stay in every offer).
        assertThatThrownBy(() -> sessions.publishBundled(holder, "steal", offer(send("0", 1000), send("601", 7000)),
                "601", new SfuRig.Events())).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("no m= section with a=mid:600, which carries stream 's600'");
        // An offer longer than 512 m-lines is refused, whatever its mids.
        List<SdpWriter.OfferSection> many = new ArrayList<>(List.of(send("0", 1000), send("600", 1600)));
        for (int i = 0; i < 511; i++) {
            many.add(stopped("x" + i));
        }
        assertThatThrownBy(() -> sessions.publishBundled(holder, "big", SdpWriter.bundleOffer(many, ICE, 7, 2), "0",
                new SfuRig.Events())).isInstanceOf(ProtocolException.class).hasMessageContaining("513 m= sections (expected: at most 512");
        assertThat(p0.answer()).isNotNull();
    }
}
