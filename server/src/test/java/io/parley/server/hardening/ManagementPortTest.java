package io.parley.server.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.server.TestServer;
import io.parley.server.config.ParleyConfig;
import io.parley.server.metrics.Scrape;
import org.junit.jupiter.api.Test;

/** management.enabled: /metrics, /healthz, /readyz on their own port (0 in tests), 404 on the public one. */
class ManagementPortTest {
    @Test
    void opsRoutesMoveToTheManagementPort() throws Exception {
        ParleyConfig cfg = TestServer.config().withManagement(new ParleyConfig.Management(true, "127.0.0.1", 0));
        try (TestServer server = TestServer.start(cfg)) {
            int pub = server.server().port();
            int mgmt = server.server().managementPort();
            assertThat(mgmt).isNotEqualTo(pub).isPositive();
            for (String path : new String[] {"/metrics", "/healthz", "/readyz"}) {
                assertThat(Scrape.get(mgmt, path).statusCode()).as("%s on the management port", path).isEqualTo(200);
                assertThat(Scrape.get(pub, path).statusCode()).as("%s on the public port", path).isEqualTo(404);
            }
            assertThat(Scrape.of(mgmt).value("parley_ready")).isEqualTo(1);
        }
    }

    @Test
    void offByDefaultTheyStayOnThePublicPort() throws Exception {
        try (TestServer server = TestServer.start()) {
            assertThat(server.server().managementPort()).isEqualTo(server.server().port());
            assertThat(Scrape.get(server.server().port(), "/healthz").statusCode()).isEqualTo(200);
        }
    }
}
