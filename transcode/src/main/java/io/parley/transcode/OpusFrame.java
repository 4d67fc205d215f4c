package io.parley.transcode;

/**
 * One Opus packet of 20 ms for RTP.
 *
 * @param payload      the Opus packet (RTP payload)
 * @param rtpTimestamp its timestamp on the 48 kHz RTP clock, not yet reduced to 32 bits and without the RTP sender's
 *                     random offset: the packetizer adds its offset and takes the low 32 bits
 * @param samples      samples it covers at 48 kHz (960)
 */
public record OpusFrame(byte[] payload, long rtpTimestamp, int samples) {
}
