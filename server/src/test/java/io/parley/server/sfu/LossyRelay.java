package io.parley.server.sfu;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A UDP hop on loopback between one client and the media port that loses the RTP packets it is told to (by
 * their order among the RTP packets coming from the server): real loss for NACK tests, every protocol intact.
 */
final class LossyRelay implements AutoCloseable {
    private final DatagramSocket socket;
    private final InetSocketAddress server;
    private final Set<Integer> lose = ConcurrentHashMap.newKeySet();
    private final Set<Integer> mangle = ConcurrentHashMap.newKeySet();
    private final AtomicInteger rtpFromClient = new AtomicInteger();
    private volatile boolean blackhole;
    private final AtomicInteger rtpFromServer = new AtomicInteger();
    private final AtomicInteger lost = new AtomicInteger();
    private final Thread pump;
    private volatile InetSocketAddress client;
    private volatile boolean running = true;

    LossyRelay(InetSocketAddress server) throws SocketException {
        this.server = server;
        this.socket = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        socket.setSoTimeout(100);
        this.pump = new Thread(this::run, "lossy-relay");
        pump.setDaemon(true);
        pump.start();
    }

    int port() {
        return socket.getLocalPort();
    }

    /** Lose the n-th (0-based) RTP packet the server sends through this relay. */
    void lose(int nth) {
        lose.add(nth);
    }

    /**
     * Rewrites the n-th (0-based) RTP packet the client sends: {@code ssrc} true changes its SSRC (a stream the
     * server was not told about), false flips a payload byte (SRTP authentication must fail).
     */
    void mangle(int nth, boolean ssrc) {
        mangle.add(ssrc ? nth : -1 - nth);
    }

    /** From now on, nothing passes in either direction (the peer is gone). */
    void blackhole() {
        blackhole = true;
    }

    int lost() {
        return lost.get();
    }

    private void run() {
        byte[] buf = new byte[2048];
        while (running) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(p);
                InetSocketAddress from = (InetSocketAddress) p.getSocketAddress();
                if (blackhole) {
                    continue;
                }
                if (from.equals(server)) {
                    if (isRtp(buf, p.getLength()) && lose.contains(rtpFromServer.getAndIncrement())) {
                        lost.incrementAndGet();
                        continue;
                    }
                    InetSocketAddress c = client;
                    if (c != null) {
                        socket.send(new DatagramPacket(buf, p.getLength(), c));
                    }
                } else {
                    client = from;
                    if (isRtp(buf, p.getLength())) {
                        int n = rtpFromClient.getAndIncrement();
                        if (mangle.contains(n)) {
                            buf[8] ^= 0x55;                       // SSRC, in the clear
                        } else if (mangle.contains(-1 - n)) {
                            buf[p.getLength() - 12] ^= 0x01;      // encrypted payload, under the auth tag
                        }
                    }
                    socket.send(new DatagramPacket(buf, p.getLength(), server));
                }
            } catch (SocketTimeoutException e) {
                // poll running again
            } catch (IOException e) {
                if (running) {
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    /** RTP, not RTCP (RFC 5761: RTCP packet types 192..223 in the second byte). */
    private static boolean isRtp(byte[] b, int len) {
        return len >= 12 && (b[0] & 0xC0) == 0x80 && ((b[1] & 0xFF) < 192 || (b[1] & 0xFF) > 223);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        pump.join(2000);
        socket.close();
    }
}
