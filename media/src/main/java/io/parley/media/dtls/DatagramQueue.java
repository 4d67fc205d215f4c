package io.parley.media.dtls;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.DatagramTransport;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsTimeoutException;

/**
 * The {@link DatagramTransport} BouncyCastle reads and writes: received datagrams are queued by
 * the network side and taken here by the (blocking) DTLS code on an executor thread; sent ones go
 * straight to the outbound sink.
 */
final class DatagramQueue implements DatagramTransport {
    /** Below the IPv6 minimum MTU (1280) minus IP/UDP headers; BouncyCastle fragments to fit. */
    static final int SEND_LIMIT = 1200;
    /** Peers fragment to their own MTU guess; this leaves room for jumbo loopback paths. */
    static final int RECEIVE_LIMIT = 4096;
    /** A handshake is a handful of flights; beyond this the peer is flooding us. */
    static final int CAPACITY = 64;

    private static final byte[] WAKE_UP = new byte[0];
    /** The message of the timeout a stalled handshake fails with. */
    static final String STALLED = "nothing heard from the peer for ";

    private final BlockingQueue<byte[]> inbound = new LinkedBlockingQueue<>(CAPACITY);
    private final Consumer<byte[]> outbound;
    private final BooleanSupplier aborted;
    /** Only while handshaking: afterwards DTLS is quiet for hours and that is fine. */
    private volatile long stallNanos;
    /** When the handshake last heard from the peer (read and written by the handshake thread only). */
    private long lastHeardNanos = System.nanoTime();
    private volatile boolean closed;

    /** @param aborted polled on every receive: when true the handshake gives up (local close) */
    DatagramQueue(Consumer<byte[]> outbound, BooleanSupplier aborted) {
        this(outbound, aborted, Long.MAX_VALUE);
    }

    /** @param stallNanos a receive that hears nothing from the peer for this long fails with a timeout */
    DatagramQueue(Consumer<byte[]> outbound, BooleanSupplier aborted, long stallNanos) {
        this.outbound = outbound;
        this.aborted = aborted;
        this.stallNanos = stallNanos;
    }

    /** The handshake starts now: the stall clock too. */
    void startClock() {
        lastHeardNanos = System.nanoTime();
    }

    /** The handshake is over: no more stall timeout. */
    void stopClock() {
        stallNanos = Long.MAX_VALUE;
    }

    /** Queues a datagram; false if closed or full (the peer will retransmit). */
    boolean enqueue(byte[] datagram) {
        return !closed && inbound.offer(datagram);
    }

    /** Unblocks a waiting receive so it notices {@code aborted}. */
    void wakeUp() {
        inbound.offer(WAKE_UP);
    }

    boolean hasPending() {
        return !inbound.isEmpty();
    }

    @Override
    public int getReceiveLimit() {
        return RECEIVE_LIMIT;
    }

    @Override
    public int getSendLimit() {
        return SEND_LIMIT;
    }

    @Override
    public int receive(byte[] buf, int off, int len, int waitMillis) throws IOException {
        checkAborted();
        long stall = stallNanos;
        long quietNanos = System.nanoTime() - lastHeardNanos;
        if (quietNanos >= stall) {
            throw new TlsTimeoutException(STALLED + stall / 1_000_000 + " ms");
        }
        // Never wait past the stall deadline, so a quiet peer is noticed on time however long BouncyCastle asks to wait.
        long wait = stall == Long.MAX_VALUE ? waitMillis : Math.min(waitMillis, (stall - quietNanos) / 1_000_000 + 1);
        byte[] datagram;
        try {
            datagram = wait > 0 ? inbound.poll(wait, TimeUnit.MILLISECONDS) : inbound.poll();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for a DTLS datagram");
        }
        if (datagram == null) {
            if (System.nanoTime() - lastHeardNanos >= stall) {
                throw new TlsTimeoutException(STALLED + stall / 1_000_000 + " ms");
            }
            return -1;
        }
        if (datagram != WAKE_UP) {
            lastHeardNanos = System.nanoTime();
        }
        if (datagram == WAKE_UP) {
            checkAborted();
            return -1;
        }
        int n = Math.min(datagram.length, len); // a truncated record fails its length check and is dropped
        System.arraycopy(datagram, 0, buf, off, n);
        return n;
    }

    @Override
    public void send(byte[] buf, int off, int len) throws IOException {
        if (closed) {
            return;
        }
        try {
            outbound.accept(Arrays.copyOfRange(buf, off, off + len)); // BouncyCastle reuses buf
        } catch (RuntimeException e) {
            throw new IOException("outbound datagram sink failed", e);
        }
    }

    @Override
    public void close() {
        closed = true;
        inbound.clear();
    }

    private void checkAborted() throws IOException {
        if (aborted.getAsBoolean()) {
            throw new TlsFatalAlert(AlertDescription.user_canceled, "endpoint closed during the handshake");
        }
    }
}
