package io.parley.media.dtls;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.parley.media.srtp.SrtpKeys;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.AlertLevel;
import org.bouncycastle.tls.DTLSClientProtocol;
import org.bouncycastle.tls.DTLSServerProtocol;
import org.bouncycastle.tls.DTLSTransport;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsTimeoutException;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One DTLS-SRTP association, driven by datagrams rather than a socket. BouncyCastle's handshake
 * blocks, so it runs on the given executor and reads from a queue that {@link #offer} fills from
 * the event loop; everything it sends goes to the outbound sink. After the handshake, the
 * occasional DTLS datagram (a retransmitted Finished, an alert, close_notify) is processed by a
 * short task on the same executor, one at a time.
 *
 * <p>Lifecycle: new → handshaking → connected → closed; closed is final. {@link #handshake()}
 * completes with the SRTP keys or a {@link DtlsHandshakeException}; {@link #closed()} completes
 * once the association is over, with the reason.
 *
 * <p>Threading: every method may be called from any thread. The outbound sink is called from
 * executor threads (and from the thread calling {@link #close()}); it must not block.
 */
public final class DtlsEndpoint implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DtlsEndpoint.class);

    /** Why the association ended. */
    public enum CloseReason {
        /** {@link #close()} was called (close_notify sent if connected). */
        LOCAL,
        /** The peer sent close_notify. */
        PEER_CLOSE_NOTIFY,
        /** The peer sent a fatal alert after the handshake. */
        PEER_FATAL_ALERT,
        /** The handshake failed or timed out; {@link #handshake()} has the details. */
        HANDSHAKE_FAILED,
        /** A local DTLS or I/O error after the handshake. */
        ERROR
    }

    private static final int NEW = 0;
    private static final int HANDSHAKING = 1;
    private static final int CONNECTED = 2;
    private static final int CLOSED = 3;

    private final DtlsRole role;
    private final DtlsCertificate certificate;
    private final DtlsFingerprint remoteFingerprint;
    private final DtlsSettings settings;
    private final Executor executor;
    private final DatagramQueue transport;
    private final CompletableFuture<SrtpKeys> handshake = new CompletableFuture<>();
    private final CompletableFuture<CloseReason> closed = new CompletableFuture<>();
    private final AtomicInteger state = new AtomicInteger(NEW);
    private final AtomicBoolean draining = new AtomicBoolean();
    private volatile boolean closeRequested;
    private volatile boolean peerClosed;
    private volatile short peerFatalAlert = -1; // BouncyCastle rethrows it as a plain TlsFatalAlert
    private DTLSTransport dtls; // written before CONNECTED is published, read only by drain tasks

    /**
     * @param role SERVER for the SFU (a=setup:passive), CLIENT for the Java client (active)
     * @param certificate ours, whose fingerprint went into our SDP
     * @param remoteFingerprint from the peer's SDP; the handshake fails unless its certificate matches
     * @param executor runs the blocking handshake (one thread for up to the handshake timeout)
     * @param outbound receives each datagram to send to the peer, as a fresh array
     */
    public DtlsEndpoint(DtlsRole role, DtlsCertificate certificate, DtlsFingerprint remoteFingerprint,
            DtlsSettings settings, Executor executor, Consumer<byte[]> outbound) {
        this.role = Objects.requireNonNull(role, "role");
        this.certificate = Objects.requireNonNull(certificate, "certificate");
        this.remoteFingerprint = Objects.requireNonNull(remoteFingerprint, "remoteFingerprint");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.executor = Objects.requireNonNull(executor, "executor");
        this.transport = new DatagramQueue(Objects.requireNonNull(outbound, "outbound"),
                () -> closeRequested && state.get() == HANDSHAKING,
                settings.stallTimeout().compareTo(settings.handshakeTimeout()) < 0 ? settings.stallTimeout().toNanos()
                        : Long.MAX_VALUE); // not shorter: the handshake timeout alone rules
    }

    public DtlsRole role() {
        return role;
    }

    /** Starts the handshake; the timeout runs from here. Datagrams offered before are kept. */
    public void start() {
        if (!state.compareAndSet(NEW, HANDSHAKING)) {
            throw new IllegalStateException("DTLS endpoint already started or closed");
        }
        try {
            executor.execute(this::runHandshake);
        } catch (RejectedExecutionException e) {
            failHandshake(new DtlsHandshakeException("DTLS handshake not started: executor rejected it", e));
        }
    }

    /** A DTLS datagram from the peer (first byte 20..63, RFC 7983). Never blocks; drops when flooded. */
    public void offer(byte[] datagram) {
        if (state.get() == CLOSED || !transport.enqueue(datagram)) {
            return;
        }
        if (state.get() == CONNECTED) {
            scheduleDrain();
        }
    }

    /** Copies the readable bytes; the caller keeps ownership of {@code datagram} (and releases it). */
    public void offer(ByteBuf datagram) {
        offer(ByteBufUtil.getBytes(datagram));
    }

    /** Completes with the negotiated profile and keys, or a {@link DtlsHandshakeException}. */
    public CompletableFuture<SrtpKeys> handshake() {
        return handshake;
    }

    /** Completes when the association is over; never exceptionally. */
    public CompletableFuture<CloseReason> closed() {
        return closed;
    }

    /** Sends close_notify if connected, aborts a running handshake; idempotent. */
    @Override
    public void close() {
        closeRequested = true;
        if (state.compareAndSet(NEW, CLOSED)) {
            transport.close();
            handshake.completeExceptionally(new DtlsHandshakeException("DTLS endpoint closed before the handshake"));
            closed.complete(CloseReason.LOCAL);
            return;
        }
        transport.wakeUp(); // a handshake blocked in receive() sees closeRequested and aborts
        if (state.get() == CONNECTED) {
            scheduleDrain();
        }
    }

    private void runHandshake() {
        transport.startClock();
        BcTlsCrypto crypto = new BcTlsCrypto(new SecureRandom());
        DtlsPeerSupport.AlertListener alerts = this::alertReceived;
        try {
            DTLSTransport connected;
            SrtpKeys keys;
            if (role == DtlsRole.SERVER) {
                SrtpDtlsServer server = new SrtpDtlsServer(crypto, certificate, remoteFingerprint, settings, alerts);
                connected = new DTLSServerProtocol().accept(server, transport);
                keys = server.keys();
            } else {
                SrtpDtlsClient client = new SrtpDtlsClient(crypto, certificate, remoteFingerprint, settings, alerts);
                connected = new DTLSClientProtocol().connect(client, transport);
                keys = client.keys();
            }
            transport.stopClock();
            dtls = connected;
            state.set(CONNECTED);
            log.debug("DTLS {} handshake done: {}", role, keys.profile());
            handshake.complete(keys);
            scheduleDrain(); // datagrams that arrived with the last flight, or a close() that raced us
        } catch (Exception e) {
            failHandshake(describe(e));
        }
    }

    private DtlsHandshakeException describe(Exception e) {
        if (closeRequested) {
            return new DtlsHandshakeException("DTLS handshake aborted: endpoint closed", e);
        }
        if (e instanceof TlsTimeoutException && String.valueOf(e.getMessage()).startsWith(DatagramQueue.STALLED)) {
            return new DtlsHandshakeException("DTLS handshake stalled: " + e.getMessage() + " (" + role + ")", e);
        }
        if (e instanceof TlsTimeoutException) {
            return new DtlsHandshakeException("DTLS handshake timed out after "
                    + settings.handshakeTimeout().toMillis() + " ms (" + role + ", no answer from the peer)", e);
        }
        if (peerFatalAlert >= 0) {
            return new DtlsHandshakeException("DTLS handshake failed: peer sent fatal alert "
                    + AlertDescription.getText(peerFatalAlert), e);
        }
        if (e instanceof TlsFatalAlert || e instanceof IOException) {
            return new DtlsHandshakeException("DTLS handshake failed: " + e.getMessage(), e);
        }
        return new DtlsHandshakeException("DTLS handshake failed: " + e, e);
    }

    private void failHandshake(DtlsHandshakeException failure) {
        state.set(CLOSED);
        transport.close();
        log.debug("DTLS {} handshake failed", role, failure);
        // closed first, so whoever sees the failed handshake also sees the endpoint closed
        closed.complete(closeRequested ? CloseReason.LOCAL : CloseReason.HANDSHAKE_FAILED);
        handshake.completeExceptionally(failure);
    }

    private void alertReceived(short level, short description) {
        if (description == AlertDescription.close_notify) {
            peerClosed = true;
        } else if (level == AlertLevel.fatal) {
            peerFatalAlert = description;
        } else if (level == AlertLevel.warning) {
            log.debug("DTLS {} ignoring warning alert {}", role, AlertDescription.getText(description));
        }
    }

    private void scheduleDrain() {
        if (draining.compareAndSet(false, true)) {
            try {
                executor.execute(this::drain);
            } catch (RejectedExecutionException e) {
                draining.set(false);
                finish(CloseReason.ERROR);
            }
        }
    }

    /** Serialized by {@code draining}: BouncyCastle's record layer is not safe for concurrent use. */
    private void drain() {
        for (;;) {
            if (state.get() == CONNECTED) {
                drainOnce();
            }
            draining.set(false);
            boolean more = state.get() == CONNECTED && (closeRequested || transport.hasPending());
            if (!more || !draining.compareAndSet(false, true)) {
                return;
            }
        }
    }

    private void drainOnce() {
        if (closeRequested) {
            try {
                dtls.close(); // sends close_notify
            } catch (IOException e) {
                log.debug("DTLS {} close_notify not sent", role, e);
            }
            finish(CloseReason.LOCAL);
            return;
        }
        try {
            byte[] buf = new byte[dtls.getReceiveLimit()];
            while (!peerClosed) {
                int n = dtls.receivePending(buf, 0, buf.length);
                if (n < 0) {
                    if (!transport.hasPending()) {
                        break;
                    }
                    n = dtls.receive(buf, 0, buf.length, 1); // the datagram is queued: no real wait
                }
                if (n >= 0) {
                    log.debug("DTLS {} dropping {} bytes of application data (no data channel)", role, n);
                }
            }
            if (peerClosed) {
                finish(CloseReason.PEER_CLOSE_NOTIFY);
            }
        } catch (IOException e) {
            if (peerFatalAlert >= 0) {
                log.debug("DTLS {} peer sent fatal alert {}", role, AlertDescription.getText(peerFatalAlert));
                finish(CloseReason.PEER_FATAL_ALERT);
            } else {
                log.debug("DTLS {} failed after the handshake", role, e);
                finish(closeRequested ? CloseReason.LOCAL : CloseReason.ERROR);
            }
        }
    }

    private void finish(CloseReason reason) {
        state.set(CLOSED);
        transport.close();
        closed.complete(reason);
    }

    @Override
    public String toString() {
        return "DtlsEndpoint[" + role + ", remote " + remoteFingerprint.hashFunction() + "]";
    }
}
