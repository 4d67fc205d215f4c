package io.parley.client.media;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import io.parley.protocol.media.StunEncoder;
import io.parley.protocol.media.StunMessage;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The controlling ICE agent of one transport against an ICE-lite server (RFC 8445 with one candidate pair:
 * our socket and the server's host candidate). Sends Binding requests with USE-CANDIDATE every
 * {@code checkInterval} until one succeeds or {@code iceTimeout} passes, then checks consent (RFC 7675)
 * every {@code consentInterval} ± 20 % and gives up after {@code consentTimeout} without a success.
 * Answers the server's own checks, if it sends any.
 *
 * <p>Lifecycle: new → checking → connected → closed; closed is final. Confined to the transport's event loop.
 */
final class IceAgent {
    /** The priority of a peer-reflexive candidate of ours: type preference 110, local 65535, component 1. */
    static final long PRFLX_PRIORITY = (110L << 24) | (65535L << 8) | (256 - 1);
    /** Transactions remembered for matching responses: a 20 s burst at 50 ms, well past any response delay. */
    private static final int MAX_PENDING = 400;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Where the agent's results go; called on the event loop. */
    interface Host {
        void sendStun(byte[] message, InetSocketAddress to);

        void iceConnected();

        void iceFailed(String reason);
    }

    private final EventLoop loop;
    private final MediaConfig config;
    private final Host host;
    private final String localUfrag;
    private final byte[] localKey;
    private final InetSocketAddress remote;
    private final String username;
    private final byte[] remoteKey;
    private final long tieBreaker = RANDOM.nextLong();
    private final ArrayDeque<byte[]> pending = new ArrayDeque<>();

    private ScheduledFuture<?> checks;
    private ScheduledFuture<?> deadline;
    private ScheduledFuture<?> consent;
    private boolean connected;
    private boolean closed;
    private long lastSuccessNanos;
    private int checksSent;
    private String lastError;

    IceAgent(EventLoop loop, MediaConfig config, Host host, String localUfrag, String localPwd,
            RemoteDescription remote) {
        this.loop = loop;
        this.config = config;
        this.host = host;
        this.localUfrag = localUfrag;
        this.localKey = StunMessage.shortTermKey(localPwd);
        this.remote = remote.candidate();
        this.username = remote.iceUfrag() + ":" + localUfrag;
        this.remoteKey = StunMessage.shortTermKey(remote.icePwd());
    }

    void start() {
        long interval = config.checkInterval().toNanos();
        checks = loop.scheduleAtFixedRate(() -> sendCheck(true), 0, interval, TimeUnit.NANOSECONDS);
        deadline = loop.schedule(this::checksTimedOut, config.iceTimeout().toNanos(), TimeUnit.NANOSECONDS);
    }

    boolean connected() {
        return connected;
    }

    int checksSent() {
        return checksSent;
    }

    void onStun(StunMessage m, InetSocketAddress sender) {
        if (closed) {
            return;
        }
        if (m.isBindingRequest()) {
            answer(m, sender);
        } else if (m.isBindingSuccess() || m.isBindingError()) {
            onResponse(m, sender);
        }
    }

    private void onResponse(StunMessage m, InetSocketAddress sender) {
        if (!sender.equals(remote) || !removePending(m)) {
            return; // not an answer to one of our checks (RFC 8445 7.2.5.2.1: source must match)
        }
        if (m.isBindingError()) {
            // 401/400 come without MESSAGE-INTEGRITY; keep the reason for the timeout message.
            lastError = m.errorCode() + " " + (m.errorReason() == null ? "" : m.errorReason());
            return;
        }
        if (!m.checkIntegrity(remoteKey)) {
            lastError = "a Binding success whose MESSAGE-INTEGRITY does not match the answer's ice-pwd";
            return;
        }
        lastSuccessNanos = System.nanoTime();
        if (!connected) {
            connected = true;
            cancel(checks);
            cancel(deadline);
            scheduleConsent();
            host.iceConnected();
        }
    }

    /** A check from the server (an ICE-lite server sends none, but a full agent would): USERNAME is ours first. */
    private void answer(StunMessage m, InetSocketAddress sender) {
        String user = m.username();
        if (user == null || !user.startsWith(localUfrag + ":") || !m.checkIntegrity(localKey)) {
            host.sendStun(StunEncoder.bindingError(m.transactionId(), StunEncoder.UNAUTHORIZED, null, null), sender);
            return;
        }
        host.sendStun(StunEncoder.bindingSuccess(m.transactionId(), sender, localKey), sender);
    }

    private void sendCheck(boolean useCandidate) {
        if (closed) {
            return;
        }
        byte[] tx = StunEncoder.newTransactionId();
        pending.addLast(tx);
        if (pending.size() > MAX_PENDING) {
            pending.removeFirst();
        }
        checksSent++;
        host.sendStun(StunEncoder.bindingRequest(tx, username, PRFLX_PRIORITY, true, tieBreaker, useCandidate,
                remoteKey), remote);
    }

    private boolean removePending(StunMessage m) {
        for (var it = pending.iterator(); it.hasNext(); ) {
            if (m.transactionIdEquals(it.next())) {
                it.remove();
                return true;
            }
        }
        return false;
    }

    private void checksTimedOut() {
        if (connected || closed) {
            return;
        }
        close();
        host.iceFailed("ICE failed: no STUN Binding success from " + address(remote) + " within "
                + config.iceTimeout().toMillis() + " ms (" + checksSent + " checks sent as " + username
                + (lastError != null ? "; last response: " + lastError : "; no response at all") + ")");
    }

    private void scheduleConsent() {
        double jitter = 0.8 + 0.4 * ThreadLocalRandom.current().nextDouble();
        long delay = (long) (config.consentInterval().toNanos() * jitter);
        consent = loop.schedule(this::consentCheck, delay, TimeUnit.NANOSECONDS);
    }

    private void consentCheck() {
        if (closed) {
            return;
        }
        long silent = System.nanoTime() - lastSuccessNanos;
        if (silent > config.consentTimeout().toNanos()) {
            close();
            host.iceFailed("ICE consent lost: no Binding success from " + address(remote) + " for "
                    + TimeUnit.NANOSECONDS.toMillis(silent) + " ms (expected: within "
                    + config.consentTimeout().toMillis() + " ms)");
            return;
        }
        sendCheck(false);
        scheduleConsent();
    }

    void close() {
        closed = true;
        cancel(checks);
        cancel(deadline);
        cancel(consent);
    }

    /** {@code host:port} without InetSocketAddress's leading slash. */
    static String address(InetSocketAddress a) {
        return a.getHostString() + ":" + a.getPort();
    }

    private static void cancel(ScheduledFuture<?> f) {
        if (f != null) {
            f.cancel(false);
        }
    }
}
