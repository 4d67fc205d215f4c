/**
 * Media wire formats shared by the SFU and the Java WebRTC client: STUN for ICE-lite
 * ({@link io.parley.protocol.media.StunMessage}, {@link io.parley.protocol.media.StunEncoder}), a
 * zero-copy RTP view ({@link io.parley.protocol.media.RtpPacket}), RTCP
 * ({@link io.parley.protocol.media.RtcpCodec}), demultiplexing of the shared UDP port
 * ({@link io.parley.protocol.media.MediaDemux}), and the SDP subset WebRTC audio needs
 * ({@link io.parley.protocol.media.SessionDescription}, {@link io.parley.protocol.media.SdpNegotiator},
 * {@link io.parley.protocol.media.SdpWriter}).
 *
 * <p>Packet parsers never throw on bad input from the network: they return
 * {@link io.parley.protocol.media.Parsed} or a status. SDP parsing, which is on the signalling
 * path, throws {@link java.lang.IllegalArgumentException} saying what was expected.
 */
package io.parley.protocol.media;
