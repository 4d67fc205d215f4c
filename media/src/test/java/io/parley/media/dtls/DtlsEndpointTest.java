package io.parley.media.dtls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.parley.media.srtp.SrtpKeys;
import io.parley.media.srtp.SrtpProfile;
import io.parley.media.srtp.SrtpSession;
import io.parley.media.srtp.SrtpStatus;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Server and client endpoints wired back to back in memory, on a small shared pool. */
class DtlsEndpointTest {
    private static final DtlsCertificate SERVER_CERT = DtlsCertificate.generate();
    private static final DtlsCertificate CLIENT_CERT = DtlsCertificate.generate();
    private static final long WAIT_SECONDS = 20; // generous: other builds may share the 2 cores
    private static ExecutorService pool;

    @BeforeAll
    static void startPool() {
        pool = Executors.newFixedThreadPool(4);
    }

    @AfterAll
    static void stopPool() throws InterruptedException {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    /** A connected pair; index 0 is the server, 1 the client. */
    private static DtlsEndpoint[] pair(DtlsSettings server, DtlsSettings client, DtlsFingerprint serverExpects,
            DtlsFingerprint clientExpects) {
        AtomicReference<DtlsEndpoint> s = new AtomicReference<>();
        AtomicReference<DtlsEndpoint> c = new AtomicReference<>();
        s.set(new DtlsEndpoint(DtlsRole.SERVER, SERVER_CERT, serverExpects, server, pool, d -> c.get().offer(d)));
        c.set(new DtlsEndpoint(DtlsRole.CLIENT, CLIENT_CERT, clientExpects, client, pool, d -> s.get().offer(d)));
        s.get().start();
        c.get().start();
        return new DtlsEndpoint[] {s.get(), c.get()};
    }

    private static DtlsEndpoint[] pair(DtlsSettings server, DtlsSettings client) {
        return pair(server, client, CLIENT_CERT.fingerprint(), SERVER_CERT.fingerprint());
    }

    private static SrtpKeys keys(DtlsEndpoint e) throws Exception {
        return e.handshake().get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    @Test
    void clientOfferingBothGetsGcm_keysMirror_andSrtpFlowsBothWays() throws Exception {
        DtlsEndpoint[] p = pair(DtlsSettings.DEFAULTS, DtlsSettings.DEFAULTS);
        assertMirroredAndWorking(keys(p[0]), keys(p[1]), SrtpProfile.AEAD_AES_128_GCM);
        closeAndExpectPeerClose(p[1], p[0]);
    }

    @Test
    void clientOfferingOnlyAesCmGetsAesCm() throws Exception {
        DtlsEndpoint[] p = pair(DtlsSettings.DEFAULTS,
                DtlsSettings.DEFAULTS.withSrtpProfiles(SrtpProfile.AES_CM_128_HMAC_SHA1_80));
        assertMirroredAndWorking(keys(p[0]), keys(p[1]), SrtpProfile.AES_CM_128_HMAC_SHA1_80);
        closeAndExpectPeerClose(p[0], p[1]);
    }

    @Test
    void clientOfferingOnlyGcmGetsGcm_andServerPreferenceWinsOverClientOrder() throws Exception {
        DtlsEndpoint[] p = pair(DtlsSettings.DEFAULTS,
                DtlsSettings.DEFAULTS.withSrtpProfiles(SrtpProfile.AEAD_AES_128_GCM));
        assertMirroredAndWorking(keys(p[0]), keys(p[1]), SrtpProfile.AEAD_AES_128_GCM);
        DtlsEndpoint[] q = pair(DtlsSettings.DEFAULTS, DtlsSettings.DEFAULTS
                .withSrtpProfiles(SrtpProfile.AES_CM_128_HMAC_SHA1_80, SrtpProfile.AEAD_AES_128_GCM));
        assertThat(keys(q[0]).profile()).isEqualTo(SrtpProfile.AEAD_AES_128_GCM);
        assertThat(keys(q[1]).profile()).isEqualTo(SrtpProfile.AEAD_AES_128_GCM);
        for (DtlsEndpoint e : new DtlsEndpoint[] {p[0], p[1], q[0], q[1]}) {
            e.close();
        }
    }

    private static void assertMirroredAndWorking(SrtpKeys server, SrtpKeys client, SrtpProfile profile) {
        assertThat(server.profile()).isEqualTo(profile);
        assertThat(client.profile()).isEqualTo(profile);
        assertThat(server.localMasterKey()).hasSize(profile.keyLength()).isEqualTo(client.remoteMasterKey());
        assertThat(server.localMasterSalt()).hasSize(profile.saltLength()).isEqualTo(client.remoteMasterSalt());
        assertThat(server.remoteMasterKey()).isEqualTo(client.localMasterKey());
        assertThat(server.remoteMasterSalt()).isEqualTo(client.localMasterSalt());
        assertThat(server.localMasterKey()).isNotEqualTo(server.remoteMasterKey());

        SrtpSession sfu = new SrtpSession(server);
        SrtpSession browser = new SrtpSession(client);
        byte[] rtp = {(byte) 0x80, 111, 0, 1, 0, 0, 0, 0, 0x11, 0x22, 0x33, 0x44, 'o', 'p', 'u', 's', '!'};
        sendAndReceive(browser, sfu, rtp);
        sendAndReceive(sfu, browser, rtp);
    }

    private static void sendAndReceive(SrtpSession from, SrtpSession to, byte[] rtp) {
        ByteBuf buf = Unpooled.directBuffer(64).writeBytes(rtp);
        try {
            assertThat(from.protectRtp(buf)).isEqualTo(SrtpStatus.OK);
            assertThat(ByteBufUtil.getBytes(buf)).isNotEqualTo(rtp);
            assertThat(to.unprotectRtp(buf)).isEqualTo(SrtpStatus.OK);
            assertThat(ByteBufUtil.getBytes(buf)).isEqualTo(rtp);
        } finally {
            buf.release();
        }
    }

    private static void closeAndExpectPeerClose(DtlsEndpoint closer, DtlsEndpoint peer) throws Exception {
        closer.close();
        assertThat(closer.closed().get(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo(DtlsEndpoint.CloseReason.LOCAL);
        assertThat(peer.closed().get(WAIT_SECONDS, TimeUnit.SECONDS))
                .isEqualTo(DtlsEndpoint.CloseReason.PEER_CLOSE_NOTIFY);
    }

    @Test
    void serverResendsItsLastFlightAfterTheHandshake_whenItsFinishedIsLost() throws Exception {
        // Drop the server's first epoch-1 handshake record (its Finished). The server is then
        // done, the client is not: its retransmission reaches the server's post-handshake drain,
        // which must resend the final flight.
        java.util.concurrent.atomic.AtomicBoolean dropped = new java.util.concurrent.atomic.AtomicBoolean();
        AtomicReference<DtlsEndpoint> s = new AtomicReference<>();
        AtomicReference<DtlsEndpoint> c = new AtomicReference<>();
        s.set(new DtlsEndpoint(DtlsRole.SERVER, SERVER_CERT, CLIENT_CERT.fingerprint(), DtlsSettings.DEFAULTS, pool,
                d -> {
                    boolean finished = d[0] == 22 && d[3] == 0 && d[4] == 1;
                    if (!(finished && dropped.compareAndSet(false, true))) {
                        c.get().offer(d);
                    }
                }));
        c.set(new DtlsEndpoint(DtlsRole.CLIENT, CLIENT_CERT, SERVER_CERT.fingerprint(), DtlsSettings.DEFAULTS, pool,
                d -> s.get().offer(d)));
        s.get().start();
        c.get().start();
        SrtpKeys server = keys(s.get());
        SrtpKeys client = keys(c.get());
        assertThat(dropped).isTrue();
        assertMirroredAndWorking(server, client, SrtpProfile.AEAD_AES_128_GCM);
        closeAndExpectPeerClose(s.get(), c.get());
    }

    @Test
    void serverRejectsAClientWhoseCertificateDoesNotMatchItsSdp() {
        DtlsFingerprint someoneElse = DtlsCertificate.generate().fingerprint();
        DtlsEndpoint[] p = pair(DtlsSettings.DEFAULTS, DtlsSettings.DEFAULTS, someoneElse, SERVER_CERT.fingerprint());
        assertHandshakeFails(p[0], "DTLS handshake failed: bad_certificate(42); peer certificate fingerprint mismatch: got "
                + CLIENT_CERT.fingerprint() + " (expected: " + someoneElse + ")");
        assertHandshakeFails(p[1], "DTLS handshake failed: peer sent fatal alert bad_certificate(42)");
    }

    @Test
    void clientRejectsAServerWhoseCertificateDoesNotMatchItsSdp() {
        DtlsFingerprint someoneElse = DtlsCertificate.generate().fingerprint();
        DtlsEndpoint[] p = pair(DtlsSettings.DEFAULTS, DtlsSettings.DEFAULTS, CLIENT_CERT.fingerprint(), someoneElse);
        assertHandshakeFails(p[1], "peer certificate fingerprint mismatch: got " + SERVER_CERT.fingerprint());
        assertHandshakeFails(p[0], "peer sent fatal alert bad_certificate(42)");
    }

    @Test
    void noCommonSrtpProfileFailsTheHandshake() {
        DtlsEndpoint[] p = pair(DtlsSettings.DEFAULTS.withSrtpProfiles(SrtpProfile.AEAD_AES_128_GCM),
                DtlsSettings.DEFAULTS.withSrtpProfiles(SrtpProfile.AES_CM_128_HMAC_SHA1_80));
        assertHandshakeFails(p[0], "no common SRTP profile: client offered [AES_CM_128_HMAC_SHA1_80]");
        // BouncyCastle answers with a ServerHello without use_srtp, then the alert.
        assertHandshakeFails(p[1], "server did not accept use_srtp");
    }

    private static void assertHandshakeFails(DtlsEndpoint e, String message) {
        assertThatThrownBy(() -> e.handshake().get(WAIT_SECONDS, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(DtlsHandshakeException.class).hasMessageContaining(message);
        assertThat(e.closed().getNow(null)).isEqualTo(DtlsEndpoint.CloseReason.HANDSHAKE_FAILED);
    }

    @Test
    void clientTimesOutWhenThePeerNeverAnswers() {
        assertTimesOut(DtlsRole.CLIENT);
    }

    @Test
    void serverTimesOutWhenNoClientHelloArrives() {
        assertTimesOut(DtlsRole.SERVER);
    }

    private static void assertTimesOut(DtlsRole role) {
        Duration timeout = Duration.ofMillis(1500);
        DtlsEndpoint lonely = new DtlsEndpoint(role, CLIENT_CERT, SERVER_CERT.fingerprint(),
                DtlsSettings.DEFAULTS.withHandshakeTimeout(timeout), pool, d -> { });
        long started = System.nanoTime();
        lonely.start();
        assertThatThrownBy(() -> lonely.handshake().get(WAIT_SECONDS, TimeUnit.SECONDS))
                .cause().isInstanceOf(DtlsHandshakeException.class)
                .hasMessage("DTLS handshake timed out after 1500 ms (" + role + ", no answer from the peer)");
        long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertThat(elapsedMillis).isBetween(timeout.toMillis() - 50, timeout.toMillis() + 5_000);
        assertThat(lonely.closed().getNow(null)).isEqualTo(DtlsEndpoint.CloseReason.HANDSHAKE_FAILED);
    }

    @Test
    void aServerThatHearsNothingMoreGivesUpAfterTheStallTimeoutLongBeforeTheHandshakeTimeout() {
        DtlsEndpoint stalled = new DtlsEndpoint(DtlsRole.SERVER, SERVER_CERT, CLIENT_CERT.fingerprint(),
                DtlsSettings.DEFAULTS.withHandshakeTimeout(Duration.ofSeconds(30)).withStallTimeout(Duration.ofMillis(300)),
                pool, d -> { });
        // A record that is no ClientHello (garbage from a hostile peer), then silence.
        stalled.offer(new byte[] {22, (byte) 0xFE, (byte) 0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0});
        long started = System.nanoTime();
        stalled.start();
        assertThatThrownBy(() -> stalled.handshake().get(WAIT_SECONDS, TimeUnit.SECONDS))
                .cause().isInstanceOf(DtlsHandshakeException.class)
                .hasMessage("DTLS handshake stalled: nothing heard from the peer for 300 ms (SERVER)");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isBetween(250L, 10_000L);
        assertThat(stalled.closed().getNow(null)).isEqualTo(DtlsEndpoint.CloseReason.HANDSHAKE_FAILED);
    }

    @Test
    void aStallTimeoutDoesNotDisturbAHandshakeNorTheAssociationAfterIt() throws Exception {
        DtlsSettings quick = DtlsSettings.DEFAULTS.withStallTimeout(Duration.ofMillis(2000));
        DtlsEndpoint[] p = pair(quick, quick);
        keys(p[0]);
        keys(p[1]);
        closeAndExpectPeerClose(p[1], p[0]);
    }

    @Test
    void closeAbortsAHandshakeInProgress() throws Exception {
        DtlsEndpoint lonely = new DtlsEndpoint(DtlsRole.SERVER, SERVER_CERT, CLIENT_CERT.fingerprint(),
                DtlsSettings.DEFAULTS, pool, d -> { });
        lonely.start();
        lonely.close();
        assertThat(lonely.closed().get(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo(DtlsEndpoint.CloseReason.LOCAL);
        assertThatThrownBy(() -> lonely.handshake().get(WAIT_SECONDS, TimeUnit.SECONDS))
                .cause().isInstanceOf(DtlsHandshakeException.class).hasMessageContaining("endpoint closed");
    }
}
