package io.parley.server.sfu;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.server.TestServer;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The media plane runs on a loop of its own, never on a signalling loop. */
class MediaLoopTest {
    @Test
    void mediaRunsOnItsOwnThread() throws Exception {
        try (TestServer server = TestServer.start()) {
            String media = server.server().media().executor()
                    .submit(() -> Thread.currentThread().getName()).get(10, TimeUnit.SECONDS);
            assertThat(media).startsWith("parley-media");
            assertThat(server.server().media().executor().inEventLoop()).isFalse();
        }
    }
}
