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

    private final BlockingQueue<byte[]> inbound = new LinkedBlockingQueue<>(CAPACITY);
    private final Consumer<byte[]> outbound;
    private final BooleanSupplier aborted;
    private volatile boolean closed;

    /** @param aborted polled on every receive: when true the handshake gives up (local close) */
    DatagramQueue(Consumer<byte[]> outbound, BooleanSupplier aborted) {
        this.outbound = outbound;
        this.aborted = aborted;
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
        byte[] datagram;
        try {
            datagram = waitMillis > 0 ? inbound.poll(waitMillis, TimeUnit.MILLISECONDS) : inbound.poll();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for a DTLS datagram");
        }
        if (datagram == null) {
            return -1;
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
