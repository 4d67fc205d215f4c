package io.parley.server.gateway;

import io.netty.util.AttributeKey;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The header a relaying node sends with a client's session: {@code X-Parley-Relay: v1 <client address> <unix ms>
 * <node> <mac>}, the mac an HMAC-SHA256 over the rest with {@code cluster.secret}. A node trusts the address only when
 * the mac matches and the time is within {@link #MAX_SKEW_MS} of its own clock; anything else is refused (403).
 */
public final class RelayAuth {
    public static final String HEADER = "X-Parley-Relay";
    /** The client's address as the relaying node saw it, set on a relayed channel once its header is verified. */
    public static final AttributeKey<InetAddress> CLIENT_ADDRESS = AttributeKey.valueOf("parley.relay.client");
    static final long MAX_SKEW_MS = 60_000;
    private static final int MAX_HEADER_CHARS = 512;

    private final SecretKeySpec key;
    private final Clock clock;

    public RelayAuth(String secret, Clock clock) {
        this.key = secret.isEmpty() ? null : new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
        this.clock = clock;
    }

    /** The header value for a session of {@code client} relayed by {@code node}. */
    public String sign(InetAddress client, String node) {
        String body = "v1 " + client.getHostAddress() + " " + clock.millis() + " " + node;
        return body + " " + mac(body);
    }

    /** The client address the header vouches for; throws {@link Refused} saying why it does not. */
    public InetAddress verify(String header) throws Refused {
        if (key == null) {
            throw new Refused("this node takes no relayed sessions (cluster.secret is not set)");
        }
        if (header.length() > MAX_HEADER_CHARS) {
            throw new Refused(HEADER + ": " + header.length() + " characters (expected: <= " + MAX_HEADER_CHARS + ")");
        }
        String[] f = header.split(" ");
        if (f.length != 5 || !f[0].equals("v1")) {
            throw new Refused(HEADER + ": malformed (expected: v1 <address> <unix ms> <node> <mac>)");
        }
        String body = f[0] + " " + f[1] + " " + f[2] + " " + f[3];
        if (!MessageDigest.isEqual(mac(body).getBytes(StandardCharsets.US_ASCII), f[4].getBytes(StandardCharsets.US_ASCII))) {
            throw new Refused(HEADER + ": signature does not match (expected: signed with this cluster's cluster.secret)");
        }
        long ts;
        try {
            ts = Long.parseLong(f[2]);
        } catch (NumberFormatException e) {
            throw new Refused(HEADER + ": time '" + f[2] + "' is not a number");
        }
        long skew = Math.abs(clock.millis() - ts);
        if (skew > MAX_SKEW_MS) {
            throw new Refused(HEADER + ": signed " + skew + " ms away from this node's clock (expected: <= " + MAX_SKEW_MS + ")");
        }
        if (!f[1].matches("[0-9A-Fa-f.:]+")) {
            throw new Refused(HEADER + ": address '" + f[1] + "' is not an IP address");
        }
        try {
            return InetAddress.getByName(f[1]); // a literal: no lookup
        } catch (UnknownHostException e) {
            throw new Refused(HEADER + ": address '" + f[1] + "' is not an IP address");
        }
    }

    private String mac(String body) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(key);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(m.doFinal(body.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A relay header that is not trusted, with the reason (sent back in the 403). */
    public static final class Refused extends Exception {
        Refused(String message) {
            super(message, null, false, false);
        }
    }
}
