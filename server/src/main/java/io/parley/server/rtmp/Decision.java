package io.parley.server.rtmp;

import java.util.Objects;

/** A gate's answer to a publish or play request. */
public sealed interface Decision {
    /**
     * Admitted, as the stream {@code key}. {@code attachment} is the gate's own (room, user, token claims…), handed
     * back in {@link PublishSession#attachment()}. For play: when the stream is not live, {@code waitForPublisher}
     * makes the player wait (up to {@link RtmpConfig#playWaitTimeout()}) instead of being told "not found"; the
     * integrator learns of the waiting player from {@link LiveEvent.SubscriberJoined} and can start a local publisher.
     */
    record Accepted(StreamKey key, Object attachment, boolean waitForPublisher) implements Decision {
        public Accepted {
            Objects.requireNonNull(key, "key");
        }
    }

    /** Refused; {@code reason} is a short text for the peer (status description or HTTP body) and the logs. */
    record Refused(Refusal code, String reason) implements Decision {
        public Refused {
            Objects.requireNonNull(code, "code");
            reason = reason == null ? code.tag() : reason;
        }
    }

    static Decision accept(StreamKey key) {
        return new Accepted(key, null, false);
    }

    static Decision accept(StreamKey key, Object attachment) {
        return new Accepted(key, attachment, false);
    }

    /** Play only: admit, and wait for the stream if it is not live yet. */
    static Decision acceptAndWait(StreamKey key, Object attachment) {
        return new Accepted(key, attachment, true);
    }

    static Decision refuse(Refusal code, String reason) {
        return new Refused(code, reason);
    }
}
