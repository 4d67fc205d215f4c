package io.parley.server.metrics;

import static io.parley.server.TestServer.token;
import static io.parley.server.TestServer.user;
import static io.parley.server.TestServer.withUserUpdates;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.parley.client.ParleyEngine;
import io.parley.protocol.ErrorCode;
import io.parley.server.TestServer;
import io.parley.server.auth.JwtTokens;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Real server, real clients, real scrapes: the numbers on /metrics follow what happens. */
class MetricsEndToEndTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String LOGINS_OK = "parley_logins_total{code=\"0\"}";

    private TestServer server;

    @BeforeEach
    void start() throws Exception {
        server = TestServer.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private Scrape scrape() {
        return Scrape.of(server.server().port());
    }

    @Test
    void healthAndReadinessAnswer() {
        assertThat(Scrape.get(server.server().port(), "/healthz").statusCode()).isEqualTo(200);
        assertThat(Scrape.get(server.server().port(), "/readyz").statusCode()).isEqualTo(200);
        assertThat(scrape().value("parley_ready")).isEqualTo(1);
    }

    @Test
    void everyPromisedMeterIsThereFromTheStart() {
        Scrape s = scrape();
        for (String gauge : new String[] {"parley_sessions", "parley_rooms", "parley_members", "parley_streams",
                "parley_media_transports"}) {
            assertThat(s.value(gauge)).as(gauge).isZero();
        }
        assertThat(s.value(LOGINS_OK)).isZero();
        assertThat(s.value("parley_kickouts_total")).isZero();
        assertThat(s.value("parley_notifications_total")).isZero();
        assertThat(s.value("parley_frames_total{direction=\"in\"}")).isZero();
        assertThat(s.value("parley_media_packets_total{direction=\"in\",kind=\"rtp\"}")).isZero();
        assertThat(s.value("parley_media_dropped_packets_total{reason=\"srtp_auth_failed\"}")).isZero();
        assertThat(s.value("parley_media_retransmissions_total")).isZero();
        assertThat(s.value("parley_media_twcc_feedback_packets_total")).isZero();
        assertThat(s.value("parley_media_forward_latency_seconds_count")).isZero();
        assertThat(s.names()).contains("jvm_memory_used_bytes", "jvm_gc_memory_allocated_bytes_total", "jvm_threads_live_threads",
                "jvm_classes_loaded_classes", "process_cpu_usage", "process_uptime_seconds",
                "parley_netty_allocator_used_bytes", "parley_netty_allocator_arenas",
                "parley_netty_allocator_active_bytes", "parley_notification_latency_seconds_bucket",
                "parley_login_latency_seconds_bucket");
    }

    @Test
    void everyParleyMetricHasHelpText() {
        List<String> empty = scrape().text().lines().filter(l -> l.startsWith("# HELP parley_"))
                .filter(l -> l.split(" ", 4).length < 4 || l.split(" ", 4)[3].isBlank()).toList();
        assertThat(empty).as("metrics with an empty HELP line").isEmpty();
        assertThat(scrape().text()).contains("# HELP parley_media_bytes_total UDP payload bytes",
                "# HELP parley_media_packets_total RTP/RTCP packets");
    }

    @Test
    void numbersFollowLoginsPublishingAndLogouts() throws Exception {
        Scrape before = scrape();
        try (ParleyEngine alice = server.engine(); ParleyEngine bob = server.engine(); ParleyEngine eve = server.engine()) {
            assertThat(alice.loginRoom("metrics-room", token("alice"), user("alice"), withUserUpdates()).get().code()).isZero();
            assertThat(bob.loginRoom("metrics-room", token("bob"), user("bob"), withUserUpdates()).get().code()).isZero();
            assertThat(alice.startPublishing("alice-stream", "").get().code()).isZero();
            await().atMost(WAIT).until(() -> bob.roomStreams().contains("alice-stream"));

            await().atMost(WAIT).untilAsserted(() -> {
                Scrape s = scrape();
                assertThat(s.value("parley_sessions")).isEqualTo(2);
                assertThat(s.value("parley_members")).isEqualTo(2);
                assertThat(s.value("parley_rooms")).isEqualTo(1);
                assertThat(s.value("parley_streams")).isEqualTo(1);
                assertThat(s.value(LOGINS_OK)).isEqualTo(2);
                assertThat(s.value("parley_login_latency_seconds_count")).isEqualTo(2);
                assertThat(s.value("parley_requests_total{result=\"ok\",type=\"loginRoom\"}")).isEqualTo(2);
                assertThat(s.value("parley_requests_total{result=\"ok\",type=\"startPublishing\"}")).isEqualTo(1);
                // alice told about bob, bob told about alice's stream.
                assertThat(s.value("parley_notifications_total")).isGreaterThanOrEqualTo(2);
                assertThat(s.value("parley_notification_latency_seconds_count")).isGreaterThanOrEqualTo(2);
                assertThat(s.value("parley_frames_total{direction=\"in\"}")).isGreaterThanOrEqualTo(3);
                assertThat(s.value("parley_frames_total{direction=\"out\"}")).isGreaterThanOrEqualTo(6);
            });

            // A token signed with the wrong secret: counted under its code, not as a success.
            String forged = JwtTokens.mint(TestServer.APP, "eve", "ffffffffffffffffffffffffffffffff".getBytes(StandardCharsets.UTF_8),
                    Instant.now(), Instant.now().plusSeconds(60), null, true, false, null);
            int code = eve.loginRoom("metrics-room", forged, user("eve"), withUserUpdates()).get().code();
            assertThat(code).isEqualTo(ErrorCode.TOKEN_INVALID);
            await().atMost(WAIT).untilAsserted(() -> {
                Scrape s = scrape();
                assertThat(s.value("parley_logins_total{code=\"" + code + "\"}")).isEqualTo(1);
                assertThat(s.value("parley_requests_total{result=\"" + code + "\",type=\"loginRoom\"}")).isEqualTo(1);
                assertThat(s.value(LOGINS_OK)).isEqualTo(2);
            });

            // A type the client made up is "other", never a label of its own.
            eve.request("bogusRequestType", java.util.Map.of()).get();

            assertThat(bob.logoutRoom().get().code()).isZero();
            assertThat(alice.logoutRoom().get().code()).isZero();
            await().atMost(WAIT).untilAsserted(() -> {
                Scrape s = scrape();
                assertThat(s.value("parley_members")).isZero();
                assertThat(s.value("parley_rooms")).isZero();
                assertThat(s.value("parley_streams")).isZero();
                assertThat(s.value("parley_sessions")).isEqualTo(3); // still connected, logged out
            });
        }
        await().atMost(WAIT).untilAsserted(() -> assertThat(scrape().value("parley_sessions")).isZero());

        Scrape after = scrape();
        assertThat(after.value(LOGINS_OK) - before.value(LOGINS_OK)).isEqualTo(2);
        assertThat(after.value("parley_requests_total{result=\"" + ErrorCode.DATA_FORMAT_ERROR + "\",type=\"other\"}"))
                .isEqualTo(1);
        // No label carries an ID: none of the room, user, stream or bogus type names appear.
        assertThat(after.text()).doesNotContain("metrics-room", "alice", "bob", "eve", "bogusRequestType");
    }

    @Test
    void aSecondLoginOfTheSameUserCountsAKickout() throws Exception {
        try (ParleyEngine first = server.engine(); ParleyEngine second = server.engine()) {
            assertThat(first.loginRoom("k", token("carol"), user("carol"), withUserUpdates()).get().code()).isZero();
            assertThat(second.loginRoom("k", token("carol"), user("carol"), withUserUpdates()).get().code()).isZero();
            await().atMost(WAIT).untilAsserted(() -> assertThat(scrape().value("parley_kickouts_total")).isEqualTo(1));
        }
    }
}
