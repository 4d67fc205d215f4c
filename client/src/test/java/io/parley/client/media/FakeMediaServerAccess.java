package io.parley.client.media;

import io.parley.protocol.media.SdpNegotiator;
import org.awaitility.Awaitility;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/** {@link FakeMediaServer} for tests in other packages (the engine's). */
public final class FakeMediaServerAccess implements AutoCloseable {
    private final FakeMediaServer server;

    private FakeMediaServerAccess(FakeMediaServer server) {
        this.server = server;
    }

    public static FakeMediaServerAccess start() {
        return new FakeMediaServerAccess(FakeMediaServer.start());
    }

    public String answer(String offer, SdpNegotiator.Purpose purpose) {
        return server.answer(offer, purpose);
    }

    public void answerChecks(boolean answer) {
        server.answerChecks = answer;
    }

    /** Payloads received so far, each as {@link Arrays#toString(byte[])}. */
    public List<String> receivedPayloads() {
        return server.rtp.stream().map(r -> Arrays.toString(r.payload())).toList();
    }

    /** Sends once the server side of DTLS is done too. */
    public void sendRtp(int seq, long timestamp, byte[] payload, int audioLevel) {
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(server::srtpReady);
        server.sendRtp(seq, timestamp, payload, audioLevel);
    }

    @Override
    public void close() {
        server.close();
    }
}
