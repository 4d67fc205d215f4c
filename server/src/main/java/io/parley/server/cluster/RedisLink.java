package io.parley.server.cluster;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import io.parley.server.room.Stages;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * This node's two connections to Redis (Lettuce): one for commands, one subscribed to the node's channel. Both
 * reconnect by themselves; while a connection is down its commands fail at once (REJECT_COMMANDS) instead of
 * queueing, and a command that gets no answer fails after {@link #COMMAND_TIMEOUT}: callers turn that into a clear
 * refusal rather than a hang.
 */
final class RedisLink implements RedisCalls, AutoCloseable {
    /** How long a command may wait for Redis before its caller is told Redis is unavailable. */
    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration RECONNECT_MAX = Duration.ofSeconds(1);

    private final ClientResources resources;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private final StatefulRedisPubSubConnection<String, String> pubsub;

    private RedisLink(ClientResources resources, RedisClient client, StatefulRedisConnection<String, String> connection,
                      StatefulRedisPubSubConnection<String, String> pubsub) {
        this.resources = resources;
        this.client = client;
        this.connection = connection;
        this.pubsub = pubsub;
    }

    /** Connects (fails at once when Redis is unreachable now) and subscribes {@code onMessage} to {@code channel}. */
    static RedisLink connect(String url, String channel, BiConsumer<String, String> onMessage) {
        // Reconnects back off to at most RECONNECT_MAX (Lettuce's default grows to 30 s): a node is back within a second
        // of Redis.
        ClientResources resources = DefaultClientResources.builder().ioThreadPoolSize(1).computationThreadPoolSize(1)
                .reconnectDelay(Delay.exponential(Duration.ofMillis(50), RECONNECT_MAX, 2, TimeUnit.MILLISECONDS)).build();
        RedisClient client = RedisClient.create(resources, RedisURI.create(url));
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(SocketOptions.builder().connectTimeout(CONNECT_TIMEOUT).keepAlive(true).build())
                .timeoutOptions(TimeoutOptions.enabled(COMMAND_TIMEOUT))
                .build());
        StatefulRedisConnection<String, String> c = null;
        try {
            c = client.connect();
            StatefulRedisPubSubConnection<String, String> ps = client.connectPubSub();
            ps.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String ch, String message) {
                    onMessage.accept(ch, message);
                }
            });
            // Lettuce subscribes again by itself after a reconnect.
            ps.sync().subscribe(channel);
            return new RedisLink(resources, client, c, ps);
        } catch (RuntimeException e) {
            if (c != null) {
                c.close();
            }
            client.shutdown(0, 2, TimeUnit.SECONDS);
            resources.shutdown(0, 2, TimeUnit.SECONDS);
            throw e;
        }
    }

    RedisAsyncCommands<String, String> async() {
        return connection.async();
    }

    /** Both connections are up right now. */
    boolean open() {
        return connection.isOpen() && pubsub.isOpen();
    }

    /** Runs a Lua script by its SHA, loading it when Redis does not know it (first use, or Redis restarted empty). */
    @Override
    public <T> CompletionStage<T> eval(Script script, ScriptOutputType type, String[] keys, String... args) {
        CompletableFuture<T> out = new CompletableFuture<>();
        connection.async().<T>evalsha(script.sha(), type, keys, args).whenComplete((v, err) -> {
            if (err == null) {
                out.complete(v);
            } else if (Stages.unwrap(err) instanceof RedisNoScriptException) {
                connection.async().<T>eval(script.text(), type, keys, args).whenComplete((v2, err2) -> {
                    if (err2 == null) {
                        out.complete(v2);
                    } else {
                        out.completeExceptionally(Stages.unwrap(err2));
                    }
                });
            } else {
                out.completeExceptionally(Stages.unwrap(err));
            }
        });
        return out;
    }

    @Override
    public CompletionStage<Long> publish(String channel, String message) {
        return connection.async().publish(channel, message).toCompletableFuture();
    }

    @Override
    public void close() {
        pubsub.close();
        connection.close();
        client.shutdown(0, 2, TimeUnit.SECONDS);
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
