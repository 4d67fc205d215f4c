package io.parley.server.cluster;

import io.lettuce.core.ScriptOutputType;
import java.util.concurrent.CompletionStage;

/**
 * What the claim store asks of Redis: {@link RedisLink} in a node; a test double that holds replies reproduces the
 * races between command replies and pub/sub deliveries (they arrive on different connections and threads).
 */
interface RedisCalls {
    /** Runs a Lua script; completes with its reply, or exceptionally when Redis is unavailable. */
    <T> CompletionStage<T> eval(Script script, ScriptOutputType type, String[] keys, String... args);

    /** Publishes on a channel; completes with the number of subscribers that received it. */
    CompletionStage<Long> publish(String channel, String message);
}
