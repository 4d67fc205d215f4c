package io.parley.server.tls;

import static io.parley.server.TestServer.token;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.jaredmdobson.concentus.OpusApplication;
import io.github.jaredmdobson.concentus.OpusEncoder;
import io.parley.client.ParleyEngine;
import io.parley.client.Result;
import io.parley.client.media.Publisher;
import io.parley.protocol.signal.SignalCodec;
import io.parley.server.TestServer;
import java.io.InputStream;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/tls.md's recipe, run: nginx with {@code deploy/tls/parley.conf} (ports and certificate paths replaced) and a
 * self-signed certificate made here, in front of a test server. A client logs in over wss://, fetches /healthz over
 * https://, calls the server API over https and plays HTTP-FLV through the proxy as it streams. Skipped without
 * nginx unless PARLEY_TLS_TESTS_REQUIRED=true (as .ci/run sets).
 */
class TlsProxyTest {
    static final String REQUIRE_ENV = "PARLEY_TLS_TESTS_REQUIRED";
    private static final Path CONF = Path.of("..", "deploy", "tls", "parley.conf");
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    static Path dir;

    private static TestServer server;
    private static Process nginx;
    private static SSLContext trust;
    private static int https;
    private static int apiHttps;
    private static int http;

    @BeforeAll
    static void start() throws Exception {
        Path binary = nginxBinary();
        if (binary == null) {
            if (Boolean.parseBoolean(System.getenv(REQUIRE_ENV))) {
                throw new IllegalStateException("nginx not installed but " + REQUIRE_ENV + "=true: apt-get install nginx");
            }
            return;
        }
        server = TestServer.start();
        X509Certificate cert = selfSigned(dir);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("parley", cert);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        trust = SSLContext.getInstance("TLS");
        trust.init(null, tmf.getTrustManagers(), null);

        https = freePort();
        apiHttps = freePort();
        http = freePort();
        Files.writeString(dir.resolve("parley.conf"), substitute(Files.readString(CONF)));
        Files.createDirectories(dir.resolve("tmp"));
        String t = dir.resolve("tmp").toString();
        boolean root = "root".equals(System.getProperty("user.name"));
        Files.writeString(dir.resolve("nginx.conf"), (root ? "user root;\n" : "") + """
                daemon off;
                worker_processes 1;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log info;
                events { worker_connections 256; }
                http {
                    access_log %1$s/access.log;
                    client_body_temp_path %2$s/body;
                    proxy_temp_path %2$s/proxy;
                    fastcgi_temp_path %2$s/fastcgi;
                    uwsgi_temp_path %2$s/uwsgi;
                    scgi_temp_path %2$s/scgi;
                    include %1$s/parley.conf;
                }
                """.formatted(dir, t));
        nginx = new ProcessBuilder(binary.toString(), "-p", dir.toString(), "-c", dir.resolve("nginx.conf").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("nginx.out").toFile()).start();
        await("nginx listens on " + https).atMost(WAIT).until(() -> listening(https) || !nginx.isAlive());
        assertThat(nginx.isAlive()).as("nginx runs: %s\n%s", Files.readString(dir.resolve("nginx.out")),
                Files.exists(dir.resolve("error.log")) ? Files.readString(dir.resolve("error.log")) : "").isTrue();
    }

    @AfterAll
    static void stop() throws Exception {
        if (nginx != null) {
            nginx.destroy();
            if (!nginx.waitFor(10, TimeUnit.SECONDS)) {
                nginx.destroyForcibly();
            }
        }
        if (server != null) {
            server.close();
        }
    }

    private static void assumeNginx() {
        Assumptions.assumeTrue(nginx != null, "nginx not installed (apt-get install nginx): the TLS recipe is not tested "
                + "here; .ci/run installs it and sets " + REQUIRE_ENV + "=true");
    }

    /** The repository's file with this test's ports and certificate; each replaced line must be there. */
    private static String substitute(String conf) {
        String[][] edits = {
            {"server 127.0.0.1:8080;", "server 127.0.0.1:" + server.server().port() + ";"},
            {"server 127.0.0.1:8081;", "server 127.0.0.1:" + server.server().apiPort() + ";"},
            {"listen 80;", "listen 127.0.0.1:" + http + ";"},
            {"listen [::]:80;", ""},
            {"listen 443 ssl;", "listen 127.0.0.1:" + https + " ssl;"},
            {"listen [::]:443 ssl;", ""},
            {"listen 8443 ssl;", "listen 127.0.0.1:" + apiHttps + " ssl;"},
            {"listen [::]:8443 ssl;", ""},
            {"/etc/ssl/parley/fullchain.pem", dir.resolve("fullchain.pem").toString()},
            {"/etc/ssl/parley/privkey.pem", dir.resolve("privkey.pem").toString()},
        };
        for (String[] e : edits) {
            assertThat(conf).as("deploy/tls/parley.conf still has %s", e[0]).contains(e[0]);
            conf = conf.replace(e[0], e[1]);
        }
        return conf;
    }

    private HttpClient client() {
        return HttpClient.newBuilder().sslContext(trust).connectTimeout(Duration.ofSeconds(5)).build();
    }

    @Test
    void healthzOverHttpsAndPlainHttpRedirects() throws Exception {
        assumeNginx();
        HttpResponse<String> r = client().send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + https + "/healthz")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        HttpResponse<String> plain = client().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http + "/healthz")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(plain.statusCode()).isEqualTo(301);
        assertThat(plain.headers().firstValue("Location").orElse("")).startsWith("https://");
        HttpResponse<String> metrics = client().send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + https + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.statusCode()).as("metrics stay internal").isEqualTo(404);
    }

    @Test
    void loginOverWssAndTheServerApiOverHttps() throws Exception {
        assumeNginx();
        CompletableFuture<String> reply = new CompletableFuture<>();
        WebSocket ws = client().newWebSocketBuilder().buildAsync(URI.create("wss://127.0.0.1:" + https + "/ws"),
                new WebSocket.Listener() {
                    private final StringBuilder text = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                        text.append(data);
                        if (last) {
                            String msg = text.toString();
                            text.setLength(0);
                            if (msg.contains("\"id\":\"tls-1\"")) {
                                reply.complete(msg);
                            }
                        }
                        w.request(1);
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS);
        try {
            ws.sendText("""
                    {"id":"tls-1","type":"loginRoom","data":{"appID":%d,"roomID":"tls-room","token":"%s",\
                    "user":{"userID":"tess","userName":"Tess"}}}""".formatted(TestServer.APP, token("tess")), true);
            JsonNode res = SignalCodec.MAPPER.readTree(reply.get(10, TimeUnit.SECONDS));
            assertThat(res.path("code").asInt()).as(res.toString()).isZero();

            // The server API through its own TLS listener sees the member who came in over wss://.
            String nonce = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(Long.toString(System.nanoTime()).getBytes(StandardCharsets.UTF_8))).substring(0, 16);
            long ts = Instant.now().getEpochSecond();
            String sig = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(
                    (TestServer.APP + nonce + TestServer.SECRET + ts).getBytes(StandardCharsets.UTF_8)));
            URI api = URI.create("https://127.0.0.1:" + apiHttps + "/?Action=DescribeUserNum&AppId=" + TestServer.APP
                    + "&SignatureNonce=" + nonce + "&Timestamp=" + ts + "&SignatureVersion=2.0&Signature=" + sig
                    + "&RoomId[]=tls-room");
            JsonNode env = SignalCodec.MAPPER.readTree(client().send(HttpRequest.newBuilder(api).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            assertThat(env.path("Code").asInt()).as(env.toString()).isZero();
            assertThat(env.path("Data").path("UserCountList").get(0).path("UserCount").asInt()).isEqualTo(1);
        } finally {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void httpFlvStreamsThroughTheProxyAsItArrives() throws Exception {
        assumeNginx();
        ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor();
        try (ParleyEngine pub = server.engine(); ParleyEngine fan = server.engine()) {
            assertThat(pub.loginRoom("flv-room", token("pub"), TestServer.user("pub"), TestServer.withUserUpdates())
                    .get(10, TimeUnit.SECONDS).code()).isZero();
            assertThat(fan.loginRoom("flv-room", token("fan"), TestServer.user("fan"), TestServer.withUserUpdates())
                    .get(10, TimeUnit.SECONDS).code()).isZero();
            Publisher publisher = pub.startPublishingMedia("tls-mic", "").get(20, TimeUnit.SECONDS);
            OpusEncoder enc = new OpusEncoder(48000, 1, OpusApplication.OPUS_APPLICATION_AUDIO);
            long[] n = {0};
            clock.scheduleAtFixedRate(() -> {
                short[] pcm = new short[960];
                for (int k = 0; k < 960; k++) {
                    pcm[k] = (short) (8000 * Math.sin(2 * Math.PI * 440 * (n[0] * 960 + k) / 48000.0));
                }
                byte[] out = new byte[1275];
                try {
                    int len = enc.encode(pcm, 0, 960, out, 0, out.length);
                    publisher.sendAudio(Arrays.copyOf(out, len), n[0] * 960);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                n[0]++;
            }, 0, 20, TimeUnit.MILLISECONDS);

            Result flv = fan.startPlayingUrl("tls-mic", "flv").get(10, TimeUnit.SECONDS);
            assertThat(flv.code()).as(flv.message()).isZero();
            URI direct = URI.create(flv.data().path("url").asText());
            URI proxied = URI.create("https://127.0.0.1:" + https + direct.getRawPath() + "?" + direct.getRawQuery());
            HttpResponse<InputStream> res = client().send(HttpRequest.newBuilder(proxied).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(res.statusCode()).isEqualTo(200);
            try (InputStream in = res.body()) {
                byte[] head = in.readNBytes(3);
                assertThat(new String(head, StandardCharsets.US_ASCII)).isEqualTo("FLV");
                // An endless stream: bytes keep coming while the body is open (a buffering proxy would hold them).
                long deadline = System.nanoTime() + WAIT.toNanos();
                long got = 0;
                byte[] buf = new byte[4096];
                while (got < 16 * 1024 && System.nanoTime() < deadline) {
                    int r = in.read(buf);
                    assertThat(r).as("the FLV stream ended after %d bytes", got).isPositive();
                    got += r;
                }
                assertThat(got).as("FLV bytes through nginx within %s", WAIT).isGreaterThanOrEqualTo(16 * 1024);
            }
        } finally {
            clock.shutdownNow();
        }
    }

    static Path nginxBinary() {
        for (String p : List.of("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx")) {
            if (Files.isExecutable(Path.of(p))) {
                return Path.of(p);
            }
        }
        return null;
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    /** An RSA certificate for 127.0.0.1 and localhost, written as nginx's fullchain.pem and privkey.pem. */
    private static X509Certificate selfSigned(Path dir) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        KeyPair kp = g.generateKeyPair();
        X500Name name = new X500Name("CN=localhost");
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(now.toEpochMilli()),
                Date.from(now.minusSeconds(60)), Date.from(now.plus(Duration.ofDays(1))), name, kp.getPublic());
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
            new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")}));
        X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withRSA").build(kp.getPrivate())));
        Files.writeString(dir.resolve("fullchain.pem"), pem(cert));
        // PKCS#8, the form every OpenSSL version reads.
        Files.writeString(dir.resolve("privkey.pem"), "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(kp.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
        return cert;
    }

    private static String pem(Object o) throws Exception {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter p = new JcaPEMWriter(w)) {
            p.writeObject(o);
        }
        return w.toString();
    }
}
