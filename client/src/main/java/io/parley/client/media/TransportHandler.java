package io.parley.client.media;

import io.parley.protocol.media.RtcpPacket;
import io.parley.protocol.media.RtpPacket;
import java.util.List;

/** What the owner of a {@link MediaTransport} ({@link Publisher}, {@link Player}) hears, on its event loop. */
abstract class TransportHandler {
    void onConnected() {
    }

    /** A decrypted RTP packet; the view and its buffer are valid only during the call. */
    void onRtp(RtpPacket packet) {
    }

    void onRtcp(List<RtcpPacket> packets) {
    }

    void onClosed(String reason) {
    }
}
