package io.parley.client.media;

/**
 * One RTP packet as a player received it, decrypted and copied out of the datagram.
 *
 * @param audioLevel    RFC 6464 level in -dBov (0 loudest .. 127 silence), or -1 when the packet has none
 * @param voiceActivity the V flag of the audio level extension
 */
public record ReceivedPacket(int sequenceNumber, long timestamp, long ssrc, int payloadType, boolean marker,
        int audioLevel, boolean voiceActivity, byte[] payload) {
}
