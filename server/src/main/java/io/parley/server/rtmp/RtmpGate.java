package io.parley.server.rtmp;

import java.util.concurrent.CompletionStage;

/**
 * Admission for publishers and players, implemented by the integrator (token or stream-key checks, room lookups).
 *
 * <p>Threading: both methods are called on the peer's Netty event loop and must not block it; return a completed
 * stage for a quick check, or complete it later from any thread after asynchronous work. The RTMP connection or
 * HTTP request waits for the stage (at most {@link RtmpConfig#gateTimeout()}, then it is refused as
 * {@link Refusal#UNAVAILABLE}). A stage completed exceptionally or with null is a refusal as UNAVAILABLE too.
 * Stream lifecycle (started, ended, players joining and leaving) comes separately as {@link LiveEvent}s.
 */
public interface RtmpGate {
    CompletionStage<Decision> authorizePublish(PublishRequest request);

    CompletionStage<Decision> authorizePlay(PlayRequest request);
}
