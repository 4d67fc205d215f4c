/**
 * DTLS-SRTP (RFC 5764) over BouncyCastle for an event-loop-driven UDP world: the certificate and
 * its SDP fingerprint, and {@link io.parley.media.dtls.DtlsEndpoint}, which runs BouncyCastle's
 * blocking handshake on an executor behind a queue of datagrams.
 *
 * <p>Wiring on the SFU, per Transport (sketch):
 *
 * <pre>{@code
 * DtlsCertificate cert = DtlsCertificate.generate();          // once at start; cert.fingerprint().toSdp()
 * DtlsEndpoint dtls = new DtlsEndpoint(DtlsRole.SERVER, cert,  // answer says a=setup:passive
 *         DtlsFingerprint.parse(offerFingerprint), DtlsSettings.DEFAULTS, dtlsPool,
 *         bytes -> channel.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(bytes), peer)));
 * dtls.start();
 * // on the event loop, for each datagram from the peer whose first byte is 20..63 (RFC 7983):
 * dtls.offer(packet.content());                                // copies; the caller releases
 * dtls.handshake().thenAccept(keys -> loop.execute(() -> transport.srtp(new SrtpSession(keys))));
 * dtls.closed().thenAccept(reason -> loop.execute(transport::close));
 * }</pre>
 */
package io.parley.media.dtls;
