package io.parley.server.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** Byte- and line-level mutations of a valid input: flips, interesting values, cuts, splices, repeats. */
final class Mutator {
    private static final byte[] INTERESTING = {0, 1, 0x7F, (byte) 0x80, (byte) 0xFF, '"', '\\', ':', '=', '\r', '\n', '.', '-', ' '};
    private static final String[] TOKENS = {"4294967296", "-1", "99999999999999999999", "", "a=", ":", "\u0000", "1e999",
        "\"\"", "{}", "[]", "null", "a=fingerprint:sha-256 ", "a=rtpmap:111 opus/48000/2", "m=audio 9 UDP/TLS/RTP/SAVPF 111"};

    private Mutator() {}

    static byte[] mutate(byte[] in, Random rnd) {
        byte[] b = in.clone();
        int rounds = 1 + rnd.nextInt(4);
        for (int r = 0; r < rounds; r++) {
            switch (rnd.nextInt(7)) {
                case 0, 1 -> {
                    if (b.length > 0) {
                        b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
                    }
                }
                case 2 -> {
                    if (b.length > 0) {
                        b[rnd.nextInt(b.length)] = INTERESTING[rnd.nextInt(INTERESTING.length)];
                    }
                }
                case 3 -> b = Arrays.copyOf(b, rnd.nextInt(b.length + 1)); // cut
                case 4 -> { // 16-bit length-ish field set to an extreme
                    if (b.length > 1) {
                        int at = rnd.nextInt(b.length - 1);
                        int v = rnd.nextBoolean() ? 0xFFFF : rnd.nextInt(64);
                        b[at] = (byte) (v >> 8);
                        b[at + 1] = (byte) v;
                    }
                }
                case 5 -> { // repeat a slice
                    if (b.length > 0 && b.length < 8192) {
                        int from = rnd.nextInt(b.length);
                        int len = 1 + rnd.nextInt(Math.min(64, b.length - from));
                        int times = 1 + rnd.nextInt(8);
                        byte[] out = new byte[b.length + len * times];
                        int at = rnd.nextInt(b.length + 1);
                        System.arraycopy(b, 0, out, 0, at);
                        for (int t = 0; t < times; t++) {
                            System.arraycopy(b, from, out, at + t * len, len);
                        }
                        System.arraycopy(b, at, out, at + len * times, b.length - at);
                        b = out;
                    }
                }
                default -> { // insert a token
                    byte[] tok = TOKENS[rnd.nextInt(TOKENS.length)].getBytes(StandardCharsets.UTF_8);
                    int at = rnd.nextInt(b.length + 1);
                    byte[] out = new byte[b.length + tok.length];
                    System.arraycopy(b, 0, out, 0, at);
                    System.arraycopy(tok, 0, out, at, tok.length);
                    System.arraycopy(b, at, out, at + tok.length, b.length - at);
                    b = out;
                }
            }
        }
        return b;
    }

    /** Deletes, duplicates or swaps whole lines (SDP). */
    static byte[] mutateLines(byte[] in, Random rnd) {
        List<String> lines = new ArrayList<>(Arrays.asList(new String(in, StandardCharsets.UTF_8).split("\r\n", -1)));
        if (lines.isEmpty()) {
            return in;
        }
        int n = 1 + rnd.nextInt(3);
        for (int i = 0; i < n && !lines.isEmpty(); i++) {
            int at = rnd.nextInt(lines.size());
            switch (rnd.nextInt(3)) {
                case 0 -> lines.remove(at);
                case 1 -> lines.add(rnd.nextInt(lines.size() + 1), lines.get(at));
                default -> java.util.Collections.swap(lines, at, rnd.nextInt(lines.size()));
            }
        }
        return String.join("\r\n", lines).getBytes(StandardCharsets.UTF_8);
    }
}
