package io.parley.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A misbehaving client on a plain TCP socket: raw HTTP, a hand-made WebSocket upgrade, masked frames written without
 * ever reading unless the test asks. Every read has a deadline.
 */
public final class RawSocket implements AutoCloseable {
    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;

    private RawSocket(Socket socket) throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
        this.in = socket.getInputStream();
    }

    /** Connects to 127.0.0.1:port; {@code receiveBuffer} > 0 shrinks the socket's receive buffer (a slow reader). */
    public static RawSocket connect(int port, int receiveBuffer) {
        try {
            Socket s = new Socket();
            if (receiveBuffer > 0) {
                s.setReceiveBufferSize(receiveBuffer);
            }
            s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            s.setSoTimeout(10_000);
            return new RawSocket(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static RawSocket connect(int port) {
        return connect(port, 0);
    }

    /** Connects to 127.0.0.1:port from {@code localHost} (another loopback address, e.g. 127.0.0.2: another client). */
    public static RawSocket connectFrom(String localHost, int port) {
        try {
            Socket s = new Socket();
            s.bind(new InetSocketAddress(localHost, 0));
            s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            s.setSoTimeout(10_000);
            return new RawSocket(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends the WebSocket upgrade for /ws with {@code extraHeaders} (each ending in CRLF) and returns the answer's head. */
    public String upgradeWith(String extraHeaders) throws IOException {
        write(("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" + extraHeaders + "\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        return readHead();
    }

    /** The next text frame (skipping others); fails at the read timeout or when the server closes. */
    public String readText() throws IOException {
        while (true) {
            Frame f = readFrame();
            if (f.opcode() == 1) {
                return f.text();
            }
            if (f.opcode() == 8) {
                throw new IOException("closed by the server: " + f.closeStatus() + " " + f.text());
            }
        }
    }

    /** Sends the WebSocket upgrade for /ws and reads the 101 answer's head. */
    public RawSocket upgrade() throws IOException {
        write(("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        String head = readHead();
        if (!head.startsWith("HTTP/1.1 101")) {
            throw new IOException("upgrade refused: " + head);
        }
        return this;
    }

    public void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** A masked client frame: opcode 1 text, 2 binary, 8 close, 9 ping. */
    public static byte[] frame(int opcode, byte[] payload) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(payload.length + 14);
        b.write(0x80 | opcode);
        int n = payload.length;
        if (n < 126) {
            b.write(0x80 | n);
        } else if (n < 65536) {
            b.write(0x80 | 126);
            b.write(n >>> 8);
            b.write(n);
        } else {
            b.write(0x80 | 127);
            for (int i = 7; i >= 0; i--) {
                b.write((int) ((long) n >>> (8 * i)));
            }
        }
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        b.writeBytes(mask);
        for (int i = 0; i < n; i++) {
            b.write(payload[i] ^ mask[i & 3]);
        }
        return b.toByteArray();
    }

    public static byte[] text(String s) {
        return frame(1, s.getBytes(StandardCharsets.UTF_8));
    }

    public void sendText(String s) throws IOException {
        write(text(s));
    }

    /** The head of an HTTP answer (status line and headers). */
    public String readHead() throws IOException {
        StringBuilder sb = new StringBuilder();
        while (!sb.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                break;
            }
            sb.append((char) c);
        }
        return sb.toString();
    }

    /** Everything until the server closes (bounded by the socket's read timeout); the text as ISO-8859-1. */
    public String readToEnd() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        int n;
        while ((n = in.read(buf)) >= 0) {
            b.write(buf, 0, n);
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    /** One server frame: {opcode, payload}; server frames are not masked. */
    public Frame readFrame() throws IOException {
        int b0 = readByte();
        int b1 = readByte();
        long len = b1 & 0x7f;
        if (len == 126) {
            len = (readByte() << 8) | readByte();
        } else if (len == 127) {
            len = 0;
            for (int i = 0; i < 8; i++) {
                len = (len << 8) | readByte();
            }
        }
        byte[] payload = in.readNBytes((int) len);
        return new Frame(b0 & 0x0f, payload);
    }

    /** Reads frames until a close frame (returned) or the end of the stream (null). */
    public Frame readUntilClose() throws IOException {
        try {
            while (true) {
                Frame f = readFrame();
                if (f.opcode() == 8) {
                    return f;
                }
            }
        } catch (EndOfStream e) {
            return null;
        }
    }

    /** True once the server has closed the connection (reads drain whatever is left, up to the read timeout). */
    public boolean closedByPeer() {
        try {
            byte[] buf = new byte[65536];
            while (in.read(buf) >= 0) {
                // drain
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    private int readByte() throws IOException {
        int c = in.read();
        if (c < 0) {
            throw new EndOfStream();
        }
        return c;
    }

    public Socket socket() {
        return socket;
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // closing
        }
    }

    /** A server frame. */
    public record Frame(int opcode, byte[] payload) {
        public int closeStatus() {
            return payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : -1;
        }

        public String text() {
            return new String(payload, opcode == 8 ? 2 : 0, Math.max(0, payload.length - (opcode == 8 ? 2 : 0)),
                    StandardCharsets.UTF_8);
        }
    }

    private static final class EndOfStream extends IOException {
        EndOfStream() {
            super("end of stream");
        }
    }
}
