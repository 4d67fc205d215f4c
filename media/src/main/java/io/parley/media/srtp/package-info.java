/**
 * SRTP and SRTCP (RFC 3711, RFC 7714): per-SSRC contexts and the per-transport {@link
 * io.parley.media.srtp.SrtpSession} that callers use. Packets are protected and unprotected in
 * place in Netty buffers; failures are statuses, not exceptions, because they are per packet.
 */
package io.parley.media.srtp;
