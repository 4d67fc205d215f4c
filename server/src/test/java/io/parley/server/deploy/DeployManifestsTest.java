package io.parley.server.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.parley.server.TestServer;
import io.parley.server.config.ConfigLoader;
import io.parley.server.config.Durations;
import io.parley.server.config.ParleyConfig;
import io.parley.server.metrics.Scrape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** deploy/ stays true: every file parses, the pieces agree with each other, and the dashboard's metrics exist. */
class DeployManifestsTest {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Path DEPLOY = ROOT.resolve("deploy");
    static final Pattern METRIC = Pattern.compile("parley_[a-z_]+");
    static final List<String> SUFFIXES = List.of("_bucket", "_count", "_sum", "_max");

    static final ObjectMapper YAML = YAMLMapper.builder(new YAMLFactory())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    static List<JsonNode> yamlDocs(Path p) throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (JsonParser parser = YAML.createParser(p.toFile())) {
            YAML.readValues(parser, JsonNode.class).forEachRemaining(docs::add);
        }
        return docs;
    }

    static JsonNode yaml(Path p) throws IOException {
        List<JsonNode> docs = yamlDocs(p);
        assertThat(docs).as(p.toString()).hasSize(1);
        return docs.get(0);
    }

    @Test
    void everyManifestComposeFileAndDashboardParses() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(DEPLOY)) {
            files = s.filter(Files::isRegularFile).filter(f -> f.toString().matches(".*\\.(ya?ml|json)$")).sorted().toList();
        }
        assertThat(files).extracting(f -> DEPLOY.relativize(f).toString().replace('\\', '/')).contains(
                "docker-compose.yml", "prometheus.yml", "parley.yaml", "grafana/dashboards/parley.json",
                "grafana/provisioning/datasources/prometheus.yml", "grafana/provisioning/dashboards/parley.yml",
                "k8s/deployment.yaml", "k8s/configmap.yaml", "k8s/secret.yaml", "k8s/service.yaml", "k8s/kustomization.yaml", "k8s/pdb.yaml",
                "k8s/turn-secret.yaml", "k8s/coturn.yaml");
        for (Path f : files) {
            if (f.toString().endsWith(".json")) {
                assertThat(JSON.readTree(f.toFile())).as(f.toString()).isNotNull();
            } else {
                assertThat(yamlDocs(f)).as(f.toString()).isNotEmpty().allSatisfy(d -> assertThat(d.isObject()).isTrue());
            }
        }
    }

    @Test
    void kubernetesPiecesAgree() throws IOException {
        JsonNode cm = yaml(DEPLOY.resolve("k8s/configmap.yaml"));
        ParleyConfig config = ConfigLoader.parse(cm.path("data").path("parley.yaml").asText(), "configmap", Map.of()).config();
        JsonNode secret = yaml(DEPLOY.resolve("k8s/secret.yaml"));
        Map<String, String> env = new java.util.HashMap<>();
        secret.path("stringData").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
        assertThat(env).isNotEmpty().allSatisfy((k, v) -> assertThat(k).matches("PARLEY_APP_[0-9]+_SECRET"));
        // The shipped Secret is a placeholder the server refuses to start with; the ConfigMap plus a real secret is accepted.
        String parleyYaml = cm.path("data").path("parley.yaml").asText();
        assertThatThrownBy(() -> ConfigLoader.validate(ConfigLoader.parse(parleyYaml, "configmap", env).config()))
                .hasMessageContaining("placeholder");
        Map<String, String> real = new java.util.HashMap<>();
        env.keySet().forEach(k -> real.put(k, "9f8e7d6c5b4a39281706f5e4d3c2b1a0"));
        ConfigLoader.validate(ConfigLoader.parse(parleyYaml, "configmap", real).config());

        JsonNode pod = yaml(DEPLOY.resolve("k8s/deployment.yaml")).path("spec").path("template");
        JsonNode spec = pod.path("spec");
        assertThat(spec.path("hostNetwork").asBoolean()).isTrue();
        assertThat(spec.path("dnsPolicy").asText()).isEqualTo("ClusterFirstWithHostNet");
        assertThat(spec.path("enableServiceLinks").asBoolean(true)).isFalse();
        assertThat(Duration.ofSeconds(spec.path("terminationGracePeriodSeconds").asLong()))
                .isGreaterThan(config.shutdown().drainTimeout());
        JsonNode c = spec.path("containers").get(0);
        assertThat(c.path("readinessProbe").path("httpGet").path("path").asText()).isEqualTo("/readyz");
        assertThat(c.path("livenessProbe").path("httpGet").path("path").asText()).isEqualTo("/healthz");
        // /metrics, /healthz and /readyz live on the management port only (the public port answers 404 for them).
        assertThat(config.management().enabled()).isTrue();
        int mgmt = config.management().port();
        assertThat(mgmt).isNotEqualTo(config.server().port());
        for (String probe : List.of("readinessProbe", "livenessProbe", "startupProbe")) {
            assertThat(c.path(probe).path("httpGet").path("port").asInt()).as(probe).isEqualTo(mgmt);
        }
        assertThat(c.path("envFrom").get(0).path("secretRef").path("name").asText())
                .isEqualTo(secret.path("metadata").path("name").asText());
        JsonNode annotations = pod.path("metadata").path("annotations");
        assertThat(annotations.path("prometheus.io/scrape").asText()).isEqualTo("true");
        assertThat(annotations.path("prometheus.io/path").asText()).isEqualTo("/metrics");
        assertThat(annotations.path("prometheus.io/port").asInt()).isEqualTo(mgmt);
        List<Integer> ports = new ArrayList<>();
        c.path("ports").forEach(p -> ports.add(p.path("containerPort").asInt()));
        // The media port twice: UDP, and TCP for ICE-TCP (media.tcpPort 0 = the same number).
        assertThat(config.media().tcp()).isTrue();
        assertThat(config.media().tcpPort()).isZero();
        assertThat(ports).containsExactly(config.server().port(), mgmt, config.media().port(), config.media().port(),
                config.rtmp().port(), config.api().port());
        assertThat(c.path("envFrom").get(1).path("secretRef").path("name").asText()).isEqualTo("parley-turn");
        assertThat(c.path("envFrom").get(1).path("secretRef").path("optional").asBoolean()).isTrue();
        // coturn checks what Parley signs: both read the secret of k8s/turn-secret.yaml.
        JsonNode turnSecret = yaml(DEPLOY.resolve("k8s/turn-secret.yaml"));
        assertThat(turnSecret.path("metadata").path("name").asText()).isEqualTo("parley-turn");
        Map<String, String> turnEnv = new java.util.HashMap<>(real);
        turnSecret.path("stringData").fields().forEachRemaining(e -> turnEnv.put(e.getKey(), e.getValue().asText()));
        assertThatThrownBy(() -> ConfigLoader.validate(ConfigLoader.parse(parleyYaml, "configmap", turnEnv).config()))
                .hasMessageContaining("turn.secret: the placeholder");
        turnEnv.put("PARLEY_TURN_SECRET", "0f1e2d3c4b5a69788796a5b4c3d2e1f0");
        assertThat(ConfigLoader.validate(ConfigLoader.parse(parleyYaml, "configmap", turnEnv).config()).turn().enabled()).isTrue();
        JsonNode coturn = yaml(DEPLOY.resolve("k8s/coturn.yaml")).path("spec").path("template").path("spec");
        assertThat(coturn.path("hostNetwork").asBoolean()).isTrue();
        assertThat(coturn.path("containers").get(0).path("args").toString()).contains("--use-auth-secret",
                "--static-auth-secret=$(PARLEY_TURN_SECRET)");
        assertThat(coturn.path("containers").get(0).path("env").get(0).path("valueFrom").path("secretKeyRef").path("name")
                .asText()).isEqualTo("parley-turn");
        // The server API is for business servers: never behind the public Service.
        List<Integer> servicePorts = new ArrayList<>();
        yaml(DEPLOY.resolve("k8s/service.yaml")).path("spec").path("ports")
                .forEach(p -> servicePorts.add(p.path("targetPort").asInt()));
        assertThat(servicePorts).doesNotContain(config.api().port());
        assertThat(Files.readString(DEPLOY.resolve("../docker/Dockerfile"))).contains(config.api().port() + "/tcp");

        // A rollout never takes the only replica down first, and a drain may not evict the last one.
        JsonNode rolling = yaml(DEPLOY.resolve("k8s/deployment.yaml")).path("spec").path("strategy").path("rollingUpdate");
        assertThat(rolling.path("maxUnavailable").asInt(-1)).isZero();
        assertThat(rolling.path("maxSurge").asInt()).isEqualTo(1);
        JsonNode pdb = yaml(DEPLOY.resolve("k8s/pdb.yaml"));
        assertThat(pdb.path("kind").asText()).isEqualTo("PodDisruptionBudget");
        assertThat(pdb.path("spec").path("minAvailable").asInt()).isEqualTo(1);
        assertThat(pdb.path("spec").path("selector").path("matchLabels"))
                .isEqualTo(pod.path("metadata").path("labels"));
        assertThat(Files.readString(DEPLOY.resolve("k8s/kustomization.yaml"))).contains("- pdb.yaml");
        // Heap and direct memory together leave room under the container limit (docs/configuration.md, "Memory").
        String dockerfile = Files.readString(DEPLOY.resolve("../docker/Dockerfile"));
        java.util.regex.Matcher ram = java.util.regex.Pattern.compile("MaxRAMPercentage=([0-9]+)").matcher(dockerfile);
        assertThat(ram.find()).isTrue();
        assertThat(2 * Integer.parseInt(ram.group(1))).as("heap + direct, percent of the limit").isLessThanOrEqualTo(75);
        assertThat(dockerfile).contains("-XX:+ExitOnOutOfMemoryError");
        assertThat(dockerfile).contains("${PARLEY_HEALTH_PORT}/healthz").containsPattern("EXPOSE 8080/tcp .*" + mgmt + "/tcp");
        JsonNode res = c.path("resources");
        assertThat(res.path("requests").path("memory").asText()).isEqualTo(res.path("limits").path("memory").asText());
    }

    @Test
    void composeGivesTheDrainTimeToFinish() throws IOException {
        ParleyConfig config = ConfigLoader.load(DEPLOY.resolve("parley.yaml"), Map.of()).config();
        JsonNode parley = yaml(DEPLOY.resolve("docker-compose.yml")).path("services").path("parley");
        assertThat(parley.path("network_mode").asText()).isEqualTo("host");
        assertThat(parley.path("image").asText()).isEqualTo("parley/server:dev");
        assertThat(Durations.parse(parley.path("stop_grace_period").asText())).isGreaterThan(config.shutdown().drainTimeout());
        JsonNode scrape = yaml(DEPLOY.resolve("prometheus.yml")).path("scrape_configs").get(0);
        assertThat(scrape.path("metrics_path").asText()).isEqualTo("/metrics");
        assertThat(config.management().enabled()).isTrue();
        assertThat(scrape.path("static_configs").get(0).path("targets").get(0).asText())
                .endsWith(":" + config.management().port());
        assertThat(parley.path("environment").path("PARLEY_HEALTH_PORT").asText())
                .isEqualTo(Integer.toString(config.management().port()));
        assertThat(parley.path("healthcheck").path("test").toString()).contains(":" + config.management().port() + "/readyz");
    }

    @Test
    void everyMetricTheDashboardQueriesIsDocumentedAndScraped() throws Exception {
        JsonNode dashboard = JSON.readTree(DEPLOY.resolve("grafana/dashboards/parley.json").toFile());
        Set<String> queried = new TreeSet<>();
        collectQueries(dashboard, queried);
        assertThat(queried).as("metrics queried by the dashboard").hasSizeGreaterThan(15);
        String docs = Files.readString(ROOT.resolve("docs/metrics.md"));
        Set<String> documented = new TreeSet<>();
        Matcher m = Pattern.compile("`(parley_[a-z_]+)`").matcher(docs);
        while (m.find()) {
            documented.add(m.group(1));
        }
        for (String name : queried) {
            assertThat(documentedAs(name, documented)).as("%s documented in docs/metrics.md", name).isTrue();
        }
        try (TestServer server = TestServer.start()) {
            Set<String> scraped = Scrape.of(server.server().port()).names();
            assertThat(scraped).as("a real scrape").containsAll(queried);
            // And the other way round: nothing is exported that docs/metrics.md does not explain.
            for (String name : scraped) {
                if (name.startsWith("parley_")) {
                    assertThat(documentedAs(name, documented)).as("%s (scraped) documented in docs/metrics.md", name).isTrue();
                }
            }
        }
    }

    /** A series name is documented under its own name, or as its histogram/counter base name. */
    static boolean documentedAs(String name, Set<String> documented) {
        if (documented.contains(name)) {
            return true;
        }
        for (String suffix : SUFFIXES) {
            if (name.endsWith(suffix) && documented.contains(name.substring(0, name.length() - suffix.length()))) {
                return true;
            }
        }
        return false;
    }

    private static void collectQueries(JsonNode node, Set<String> out) {
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> {
                if ((e.getKey().equals("expr") || e.getKey().equals("query") || e.getKey().equals("definition"))
                        && e.getValue().isTextual()) {
                    Matcher m = METRIC.matcher(e.getValue().asText());
                    while (m.find()) {
                        out.add(m.group());
                    }
                } else {
                    collectQueries(e.getValue(), out);
                }
            });
        } else if (node.isArray()) {
            node.forEach(n -> collectQueries(n, out));
        }
    }
}
