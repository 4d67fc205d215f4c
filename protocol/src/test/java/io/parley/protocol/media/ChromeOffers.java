package io.parley.protocol.media;

/**
 * SDP offers written the way Chrome (M120 and later) writes them for an audio-only
 * RTCPeerConnection, with CRLF line endings.
 */
final class ChromeOffers {

    private ChromeOffers() {
    }

    /** {@code pc.addTransceiver(micTrack, {direction: 'sendonly'})}: a publisher. */
    static final String PUBLISH = crlf(
            "v=0",
            "o=- 4611731400430051336 2 IN IP4 127.0.0.1",
            "s=-",
            "t=0 0",
            "a=group:BUNDLE 0",
            "a=extmap-allow-mixed",
            "a=msid-semantic: WMS 6b5bd0e1-7f0e-4c2a-9a3f-1c9b7b0d2e11",
            "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126",
            "c=IN IP4 0.0.0.0",
            "a=rtcp:9 IN IP4 0.0.0.0",
            "a=ice-ufrag:EsAw",
            "a=ice-pwd:bP+XJMM09aR8AiX1jdukzR6Y",
            "a=ice-options:trickle",
            "a=fingerprint:sha-256 DA:7B:57:DC:28:CE:04:4F:31:79:85:C4:31:67:EB:27:58:29:ED:77:2A:0D:24:AE:ED:AD:30:BC:BD:F1:9C:02",
            "a=setup:actpass",
            "a=mid:0",
            "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
            "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
            "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
            "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid",
            "a=sendonly",
            "a=msid:6b5bd0e1-7f0e-4c2a-9a3f-1c9b7b0d2e11 0c5c0f1e-3d5b-4b8a-8e2f-6f1d2c3b4a59",
            "a=rtcp-mux",
            "a=rtcp-rsize",
            "a=rtpmap:111 opus/48000/2",
            "a=rtcp-fb:111 transport-cc",
            "a=fmtp:111 minptime=10;useinbandfec=1",
            "a=rtpmap:63 red/48000/2",
            "a=fmtp:63 111/111",
            "a=rtpmap:9 G722/8000",
            "a=rtpmap:0 PCMU/8000",
            "a=rtpmap:8 PCMA/8000",
            "a=rtpmap:13 CN/8000",
            "a=rtpmap:110 telephone-event/48000",
            "a=rtpmap:126 telephone-event/8000",
            "a=ssrc:3735928559 cname:Wq0vYbXl1FyQ4C3n",
            "a=ssrc:3735928559 msid:6b5bd0e1-7f0e-4c2a-9a3f-1c9b7b0d2e11 0c5c0f1e-3d5b-4b8a-8e2f-6f1d2c3b4a59");

    /** {@code pc.addTransceiver('audio', {direction: 'recvonly'})}: a player. No a=ssrc, no a=msid. */
    static final String PLAY = crlf(
            "v=0",
            "o=- 8203495718734913024 2 IN IP4 127.0.0.1",
            "s=-",
            "t=0 0",
            "a=group:BUNDLE 0",
            "a=extmap-allow-mixed",
            "a=msid-semantic: WMS",
            "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126",
            "c=IN IP4 0.0.0.0",
            "a=rtcp:9 IN IP4 0.0.0.0",
            "a=ice-ufrag:k3Zq",
            "a=ice-pwd:Rr0sJ8m4b5JZc1Fq9S+7vT2w",
            "a=ice-options:trickle",
            "a=fingerprint:sha-256 4C:1E:5D:19:0A:2B:83:77:6E:90:AF:3D:52:C8:11:F4:09:BB:E0:62:7A:3C:D5:18:96:44:2F:E1:0D:7B:C6:A3",
            "a=setup:actpass",
            "a=mid:0",
            "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
            "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
            "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
            "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid",
            "a=recvonly",
            "a=rtcp-mux",
            "a=rtcp-rsize",
            "a=rtpmap:111 opus/48000/2",
            "a=rtcp-fb:111 transport-cc",
            "a=fmtp:111 minptime=10;useinbandfec=1",
            "a=rtpmap:63 red/48000/2",
            "a=fmtp:63 111/111",
            "a=rtpmap:9 G722/8000",
            "a=rtpmap:0 PCMU/8000",
            "a=rtpmap:8 PCMA/8000",
            "a=rtpmap:13 CN/8000",
            "a=rtpmap:110 telephone-event/48000",
            "a=rtpmap:126 telephone-event/8000");

    static String crlf(String... lines) {
        return String.join("\r\n", lines) + "\r\n";
    }
}
