package io.parley.server.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import io.parley.client.ParleyEngine;
import io.parley.client.Result;
import io.parley.server.TestServer;
import io.parley.server.metrics.Scrape;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.ServerSocket;
import io.parley.client.media.Publisher;
import io.parley.client.media.ReceivedPacket;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.output.OutputFrame;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.utility.DockerImageName;

/**
 * The image as operators run it: host networking, an App from the environment, a real client logging in and
 * publishing, then {@code docker stop} (SIGTERM to the JVM as PID 1) ending in exit 0. The image is rebuilt from
 * this tree's fat jar when the local base image exists (offline), else an existing parley/server:dev is used.
 * Skipped, saying why, where no Docker engine answers or no image can be had.
 */
class ServerImageDockerIT {
    static final String IMAGE = "parley/server:dev";
    static final String BASE_IMAGE = "parley/base-jre:17";
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Path JAR = ROOT.resolve("server/target/parley-server.jar");

    @Test
    void imageServesLoginAndPublishAndStopsCleanly() throws Exception {
        Assumptions.assumeTrue(dockerAvailable(), "no Docker engine answers here: the image test is skipped "
                + "(run .ci/docker-setup.sh as root to get one)");
        DockerClient docker = DockerClientFactory.instance().client();
        String image = image(docker);
        int port = freeTcpPort();
        int mediaPort = freeUdpPort();
        StringBuilder logs = new StringBuilder();
        try (GenericContainer<?> c = new GenericContainer<>(DockerImageName.parse(image))
                .withNetworkMode("host")
                .withEnv("PARLEY_APP_" + TestServer.APP + "_SECRET", TestServer.SECRET)
                .withEnv("PARLEY_MEDIA_PORT", Integer.toString(mediaPort))
                .withEnv("PARLEY_MEDIA_BIND_ADDRESS", "127.0.0.1")
                .withEnv("PARLEY_MEDIA_ANNOUNCED_ADDRESS", "127.0.0.1")
                .withEnv("PARLEY_SHUTDOWN_DRAIN_TIMEOUT", "5s")
                .withCommand("--host", "127.0.0.1", "--port", Integer.toString(port))
                .withLogConsumer((OutputFrame f) -> logs.append(f.getUtf8String()))
                .waitingFor(Wait.forLogMessage(".*listening on .*", 1).withStartupTimeout(Duration.ofSeconds(90)))) {
            c.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> Scrape.get(port, "/healthz").statusCode() == 200);
            assertThat(Scrape.get(port, "/readyz").statusCode()).isEqualTo(200);

            URI ws = URI.create("ws://127.0.0.1:" + port + "/ws");
            try (ParleyEngine alice = ParleyEngine.create(TestServer.APP, ws);
                 ParleyEngine bob = ParleyEngine.create(TestServer.APP, ws)) {
                for (ParleyEngine e : List.of(alice, bob)) {
                    String who = e == alice ? "alice" : "bob";
                    Result login = e.loginRoom("docker-room", TestServer.token(who), TestServer.user(who),
                            TestServer.withUserUpdates()).get(20, TimeUnit.SECONDS);
                    assertThat(login.code()).as(login.message()).isZero();
                }
                // Real media through the container's UDP port: ICE, DTLS, SRTP, forwarded to a player.
                Publisher pub = alice.startPublishingMedia("alice-mic", "").get(30, TimeUnit.SECONDS);
                List<ReceivedPacket> got = new CopyOnWriteArrayList<>();
                bob.startPlaying("alice-mic", got::add).get(30, TimeUnit.SECONDS);
                await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20)).until(() -> {
                    pub.sendFrame(new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
                    return got.size() >= 10;
                });
                assertThat(got.get(0).payload()).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    Scrape s = Scrape.of(port);
                    assertThat(s.value("parley_members")).isEqualTo(2);
                    assertThat(s.value("parley_streams")).isEqualTo(1);
                    assertThat(s.value("parley_media_transports")).isEqualTo(2);
                    assertThat(s.value("parley_media_packets_total{direction=\"out\",kind=\"rtp\"}")).isGreaterThanOrEqualTo(10);
                });
                assertThat(alice.logoutRoom().get(20, TimeUnit.SECONDS).code()).isZero();
                assertThat(bob.logoutRoom().get(20, TimeUnit.SECONDS).code()).isZero();
            }

            // docker stop: SIGTERM, then the drain (nobody left) and exit 0 well inside the grace period.
            docker.stopContainerCmd(c.getContainerId()).withTimeout(30).exec();
            Long exit = docker.inspectContainerCmd(c.getContainerId()).exec().getState().getExitCodeLong();
            assertThat(exit).as("exit status after docker stop; logs:\n%s", logs).isZero();
            assertThat(logs.toString()).doesNotContain(TestServer.SECRET);
        }
    }

    static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    /** Rebuilds parley/server:dev from this tree when it can do so offline; else uses the one present. */
    static String image(DockerClient docker) {
        boolean base = present(docker, BASE_IMAGE);
        boolean jar = Files.isRegularFile(JAR);
        if (base && jar) {
            return new ImageFromDockerfile(IMAGE, false)
                    .withFileFromPath("Dockerfile", ROOT.resolve("docker/Dockerfile"))
                    .withFileFromPath("server/target/parley-server.jar", JAR)
                    .withBuildArg("BASE_IMAGE", BASE_IMAGE)
                    .get();
        }
        Assumptions.assumeTrue(present(docker, IMAGE), "no image " + IMAGE + " and no way to build it offline ("
                + (base ? "" : "base image " + BASE_IMAGE + " missing: run .ci/docker-setup.sh; ")
                + (jar ? "" : JAR + " missing: run mvn package; ") + "or run docker/build-image.sh)");
        return IMAGE;
    }

    static boolean present(DockerClient docker, String image) {
        try {
            docker.inspectImageCmd(image).exec();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    static int freeTcpPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static int freeUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0)) {
            return s.getLocalPort();
        }
    }
}
