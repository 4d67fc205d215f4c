/**
 * The Java client's media, over the same WebRTC path a browser uses: {@link io.parley.client.media.MediaTransport}
 * (UDP, ICE as controlling agent against the ICE-lite server, DTLS client, SRTP), and on top of it
 * {@link io.parley.client.media.Publisher} (sends Opus frames, SRs, answers NACKs) and
 * {@link io.parley.client.media.Player} (receives packets, RRs, NACK/PLI on demand).
 * {@link io.parley.client.ParleyEngine#startPublishingMedia} and {@link io.parley.client.ParleyEngine#startPlaying}
 * do the offer/answer over signalling.
 */
package io.parley.client.media;
