package io.parley.client.media;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One RTP packet as a player received it, decrypted and copied out of the datagram.
 *
 * @param audioLevel    RFC 6464 level in -dBov (0 loudest .. 127 silence), read under the id this player's answer
 *                      gave {@code ssrc-audio-level}, or -1 when the packet has none
 * @param voiceActivity the V flag of the audio level extension
 * @param extensions    every RFC 8285 header extension element as it arrived, id to data, in packet order
 */
public record ReceivedPacket(int sequenceNumber, long timestamp, long ssrc, int payloadType, boolean marker,
        int audioLevel, boolean voiceActivity, byte[] payload, Map<Integer, byte[]> extensions) {

    public ReceivedPacket {
        extensions = Collections.unmodifiableMap(new LinkedHashMap<>(extensions));
    }

    public ReceivedPacket(int sequenceNumber, long timestamp, long ssrc, int payloadType, boolean marker,
            int audioLevel, boolean voiceActivity, byte[] payload) {
        this(sequenceNumber, timestamp, ssrc, payloadType, marker, audioLevel, voiceActivity, payload, Map.of());
    }
}
