package io.parley.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.Test;

/** The harness the cluster tests stand on: a real redis-server, reached with Lettuce, gone after stop, back after restart. */
class RedisProcessTest {
    @Test
    void startsAnswersStopsAndRestartsOnTheSamePort() throws Exception {
        try (RedisProcess redis = RedisProcess.start()) {
            RedisClient client = RedisClient.create(redis.url());
            try {
                try (StatefulRedisConnection<String, String> c = client.connect()) {
                    c.sync().set("parley:test", "v");
                    assertThat(c.sync().get("parley:test")).isEqualTo("v");
                }
                int port = redis.port();
                redis.stop();
                assertThat(redis.running()).isFalse();
                assertThat(catchThrowable(client::connect)).isInstanceOf(RedisConnectionException.class);
                redis.restart();
                assertThat(redis.port()).isEqualTo(port);
                try (StatefulRedisConnection<String, String> c = client.connect()) {
                    assertThat(c.sync().get("parley:test")).as("no persistence: a restart starts empty").isNull();
                }
            } finally {
                client.shutdown();
            }
        }
    }
}
