/**
 * DTLS-SRTP (RFC 5764) over BouncyCastle for an event-loop-driven UDP world: the certificate and
 * its SDP fingerprint, and {@link io.parley.media.dtls.DtlsEndpoint}, which runs BouncyCastle's
 * blocking handshake on an executor behind a queue of datagrams.
 */
package io.parley.media.dtls;
