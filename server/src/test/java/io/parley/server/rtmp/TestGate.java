package io.parley.server.rtmp;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Admits a request when its query has {@code k=good}; keys are App 1 and the stream name. {@code k=wait} admits a
 * player that waits for the stream; {@code k=missing} or no key refuses as BAD_KEY.
 */
final class TestGate implements RtmpGate {
    static final long APP = 1;

    @Override
    public CompletionStage<Decision> authorizePublish(PublishRequest r) {
        return CompletableFuture.completedFuture(r.query().contains("k=good")
                ? Decision.accept(new StreamKey(APP, r.streamName()), r.remote())
                : Decision.refuse(Refusal.BAD_KEY, "bad or missing key"));
    }

    @Override
    public CompletionStage<Decision> authorizePlay(PlayRequest r) {
        StreamKey key = new StreamKey(APP, r.streamName());
        if (r.query().contains("k=good")) {
            return CompletableFuture.completedFuture(Decision.accept(key));
        }
        if (r.query().contains("k=wait")) {
            return CompletableFuture.completedFuture(Decision.acceptAndWait(key, null));
        }
        return CompletableFuture.completedFuture(Decision.refuse(Refusal.BAD_KEY, "bad or missing key"));
    }
}
