package io.parley.server.rtmp;

import java.time.Duration;

/**
 * The RTMP and HTTP-FLV edge's settings (docs/rtmp-config-draft.md). Validated once by the constructor.
 *
 * @param enabled            start the RTMP listener at all
 * @param bindHost           RTMP listen address
 * @param port               RTMP listen port (1935; 0 = any, for tests)
 * @param announcedHost      host name put into the rtmp:// URLs handed to mini-programs (null = bindHost)
 * @param chunkSize          outgoing chunk size announced after connect
 * @param maxMessageBytes    largest RTMP message accepted (audio, video, command); a larger header closes
 * @param maxChunkSize       largest Set Chunk Size accepted from a peer
 * @param maxAssemblingStreams chunk streams that may hold a partly received message at once
 * @param handshakeTimeout   the handshake must end within this
 * @param idleTimeout        a connection that neither reads nor writes for this long is closed
 * @param slowPlayerTimeout  a player whose channel stays unwritable this long is closed
 * @param playWaitTimeout    a player admitted for a stream that is not live yet waits at most this long
 * @param gateTimeout        a gate decision that has not completed after this is a refusal
 * @param ackWindow          Window Acknowledgement Size (and peer bandwidth) announced to peers
 * @param writeBufferLowBytes  player channels: writable again below this many queued bytes
 * @param writeBufferHighBytes player channels: unwritable above this many queued bytes (tags are skipped)
 * @param keyTtl             how long a push or play URL's key admits new connections
 * @param flvBaseUrl         scheme, host and port put before /live/<streamID>.flv in HTTP-FLV URLs ("" = http://
 *                           the announced host and the gateway's port; behind a TLS proxy, e.g. https://live.example.com)
 * @param transcodeThreads   threads transcoding AAC ⇄ Opus (0 = one per core)
 */
public record RtmpConfig(boolean enabled, String bindHost, int port, String announcedHost, int chunkSize,
                         int maxMessageBytes, int maxChunkSize, int maxAssemblingStreams, Duration handshakeTimeout,
                         Duration idleTimeout, Duration slowPlayerTimeout, Duration playWaitTimeout,
                         Duration gateTimeout, int ackWindow, int writeBufferLowBytes, int writeBufferHighBytes,
                         Duration keyTtl, String flvBaseUrl, int transcodeThreads) {
    public static final int DEFAULT_PORT = 1935;
    /** RTMP's own limit on Set Chunk Size is 2^31-1; anything above this cap is refused long before. */
    public static final int MAX_CHUNK_SIZE_CAP = 16 * 1024 * 1024;

    public static final RtmpConfig DEFAULTS = new RtmpConfig(true, "0.0.0.0", DEFAULT_PORT, "", 4096,
            1024 * 1024, MAX_CHUNK_SIZE_CAP, 8, Duration.ofSeconds(10), Duration.ofSeconds(30),
            Duration.ofSeconds(5), Duration.ofSeconds(15), Duration.ofSeconds(5), 2_500_000,
            256 * 1024, 1024 * 1024, Duration.ofMinutes(10), "", 0);

    public RtmpConfig {
        check(port >= 0 && port <= 65535, "rtmp.port: " + port + " (expected: 0..65535)");
        check(chunkSize >= 128 && chunkSize <= 65536, "rtmp.chunkSize: " + chunkSize + " (expected: 128..65536)");
        check(maxMessageBytes >= 1024 && maxMessageBytes <= 64 * 1024 * 1024,
                "rtmp.maxMessageBytes: " + maxMessageBytes + " (expected: 1 KiB..64 MiB)");
        check(maxChunkSize >= 128 && maxChunkSize <= MAX_CHUNK_SIZE_CAP,
                "rtmp.maxChunkSize: " + maxChunkSize + " (expected: 128.." + MAX_CHUNK_SIZE_CAP + ")");
        check(maxAssemblingStreams >= 1 && maxAssemblingStreams <= 64,
                "rtmp.maxAssemblingStreams: " + maxAssemblingStreams + " (expected: 1..64)");
        for (Duration d : new Duration[] {handshakeTimeout, idleTimeout, slowPlayerTimeout, playWaitTimeout, gateTimeout}) {
            check(d != null && !d.isNegative() && !d.isZero(), "rtmp.timeouts (handshake, idle, slowPlayer, playWait, gate)"
                    + " must be positive: " + d);
        }
        check(ackWindow >= 1024, "rtmp.ackWindow: " + ackWindow + " (expected: >= 1024)");
        check(keyTtl != null && !keyTtl.isNegative() && !keyTtl.isZero(), "rtmp.keyTtl: " + keyTtl + " (expected: > 0)");
        check(flvBaseUrl != null && (flvBaseUrl.isEmpty() || flvBaseUrl.matches("https?://[^/?#\\s]+")),
                "rtmp.flvBaseUrl: '" + flvBaseUrl + "' (expected: empty, or scheme://host[:port] without a path)");
        check(transcodeThreads >= 0 && transcodeThreads <= 256, "rtmp.transcodeThreads: " + transcodeThreads + " (expected: 0..256)");
        check(writeBufferLowBytes > 0 && writeBufferHighBytes > writeBufferLowBytes,
                "rtmp.writeBuffer: low " + writeBufferLowBytes + ", high " + writeBufferHighBytes + " (expected: 0 < low < high)");
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    public RtmpConfig withListen(String host, int port) {
        return new RtmpConfig(true, host, port, announcedHost, chunkSize, maxMessageBytes, maxChunkSize,
                maxAssemblingStreams, handshakeTimeout, idleTimeout, slowPlayerTimeout, playWaitTimeout, gateTimeout,
                ackWindow, writeBufferLowBytes, writeBufferHighBytes, keyTtl, flvBaseUrl, transcodeThreads);
    }

    public RtmpConfig withTimeouts(Duration handshake, Duration idle, Duration slowPlayer, Duration playWait) {
        return new RtmpConfig(enabled, bindHost, port, announcedHost, chunkSize, maxMessageBytes, maxChunkSize,
                maxAssemblingStreams, handshake, idle, slowPlayer, playWait, gateTimeout, ackWindow,
                writeBufferLowBytes, writeBufferHighBytes, keyTtl, flvBaseUrl, transcodeThreads);
    }
}
