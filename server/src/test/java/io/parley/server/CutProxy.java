package io.parley.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on 127.0.0.1 (port 0) in front of the server that a test can sever, as a network loss does: {@link #cut}
 * resets every connection through it on both sides (no WebSocket close frame; RST), and while {@link #refuse} is on,
 * new connections are reset at once, so a client's reconnect attempts fail until {@link #allow}. Daemon threads; two
 * per connection.
 */
public final class CutProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final int targetPort;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private volatile boolean refusing;

    public CutProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::acceptLoop, "cut-proxy-accept");
        t.setDaemon(true);
        t.start();
    }

    public URI wsUri() {
        return URI.create("ws://127.0.0.1:" + listener.getLocalPort() + "/ws");
    }

    /** Connections accepted so far (refused ones included). */
    public int accepted() {
        return accepted.get();
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return; // closed
            }
            accepted.incrementAndGet();
            if (refusing) {
                reset(client);
                continue;
            }
            try {
                Socket server = new Socket();
                server.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 5_000);
                client.setTcpNoDelay(true);
                server.setTcpNoDelay(true);
                open.add(client);
                open.add(server);
                pump(client, server);
                pump(server, client);
            } catch (IOException e) {
                reset(client);
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // cut, or the other side went: both go
            } finally {
                reset(from);
                reset(to);
            }
        }, "cut-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    /** Resets every connection through the proxy, on both sides, without a close frame. */
    public void cut() {
        for (Socket s : open) {
            reset(s);
        }
    }

    /** From now on new connections are reset at once (the network is still down). */
    public void refuse() {
        refusing = true;
    }

    /** New connections go through again (the network is back). */
    public void allow() {
        refusing = false;
    }

    private void reset(Socket s) {
        open.remove(s);
        try {
            s.setSoLinger(true, 0); // RST, as a lost network or a killed NAT entry looks to the peer
        } catch (IOException e) {
            // already closed
        }
        try {
            s.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() {
        refuse();
        try {
            listener.close();
        } catch (IOException e) {
            // closing anyway
        }
        cut();
    }
}
