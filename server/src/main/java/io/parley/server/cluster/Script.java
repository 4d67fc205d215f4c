package io.parley.server.cluster;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The Lua scripts that keep the cluster's keys. Every value is {@code epoch#owner}: the owner names the node
 * incarnation and the holder, the epoch (fencing) grows with every change of owner and never goes back, even after
 * the key expired, because a fresh epoch starts from Redis's clock in microseconds. Every key is written with a TTL.
 */
record Script(String text, String sha) {
    private static final String EPOCH = """
            local function nextEpoch(v)
              local t = redis.call('TIME')
              local e = tonumber(t[1]) * 1000000 + tonumber(t[2])
              if v then
                local prev = tonumber(string.sub(v, 1, string.find(v, '#', 1, true) - 1))
                if prev and prev >= e then e = prev + 1 end
              end
              return string.format('%.0f', e)
            end
            local function ownerOf(v)
              return string.sub(v, string.find(v, '#', 1, true) + 1)
            end
            """;

    /** A later claim wins. KEYS[1]; ARGV owner, lease ms. Returns {epoch, previous owner or ''}. */
    static final Script CLAIM_LATER_WINS = of(EPOCH + """
            local v = redis.call('GET', KEYS[1])
            if v and ownerOf(v) == ARGV[1] then
              redis.call('PEXPIRE', KEYS[1], ARGV[2])
              return {string.sub(v, 1, string.find(v, '#', 1, true) - 1), ''}
            end
            local e = nextEpoch(v)
            redis.call('SET', KEYS[1], e .. '#' .. ARGV[1], 'PX', ARGV[2])
            if v then return {e, ownerOf(v)} end
            return {e, ''}
            """);

    /** The first claim wins. KEYS[1]; ARGV owner, lease ms. Returns {epoch, holder}: the holder is ARGV[1] if it won. */
    static final Script CLAIM_FIRST_WINS = of(EPOCH + """
            local v = redis.call('GET', KEYS[1])
            if v then
              if ownerOf(v) == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
              return {string.sub(v, 1, string.find(v, '#', 1, true) - 1), ownerOf(v)}
            end
            local e = nextEpoch(v)
            redis.call('SET', KEYS[1], e .. '#' .. ARGV[1], 'PX', ARGV[2])
            return {e, ARGV[1]}
            """);

    /** Deletes KEYS[1] if ARGV[1] still owns it. Returns 1 if it did. */
    static final Script RELEASE = of(EPOCH + """
            local v = redis.call('GET', KEYS[1])
            if v and ownerOf(v) == ARGV[1] then
              redis.call('DEL', KEYS[1])
              return 1
            end
            return 0
            """);

    /**
     * Renews this node's claims: KEYS the keys; ARGV[1] lease ms, ARGV[1 + i] the owner of KEYS[i]. A key still owned
     * is renewed; a key that expired (Redis was away or restarted empty) is taken again with a new epoch; a key
     * another owner took is lost. Returns the indexes (1-based) of the lost keys.
     */
    static final Script RENEW = of(EPOCH + """
            local lost = {}
            for i, k in ipairs(KEYS) do
              local v = redis.call('GET', k)
              local o = ARGV[i + 1]
              if not v then
                redis.call('SET', k, nextEpoch(v) .. '#' .. o, 'PX', ARGV[1])
              elseif ownerOf(v) == o then
                redis.call('PEXPIRE', k, ARGV[1])
              else
                lost[#lost + 1] = i
              end
            end
            return lost
            """);

    /**
     * Places a room: KEYS[1] the room key, KEYS[2] the candidate's registry key; ARGV candidate owner (node/incarnation),
     * candidate incarnation, lease ms, registry key prefix. A placement whose node is alive (its registry entry has the
     * placement's incarnation) stands; else the room goes to the candidate if it is alive. Returns {epoch, owner, the
     * owner's registry value}, or {'', '', ''} when the candidate is not alive either. The holder's registry key is
     * derived in the script (so a single Redis only, as for {@link #RENEW}).
     */
    static final Script PLACE = of(EPOCH + """
            local function alive(node, inc)
              local nv = redis.call('GET', ARGV[4] .. node)
              if nv and string.sub(nv, 1, string.len(inc) + 1) == inc .. '|' then return nv end
              return false
            end
            local v = redis.call('GET', KEYS[1])
            if v then
              local o = ownerOf(v)
              local slash = string.find(o, '/', 1, true)
              if slash then
                local nv = alive(string.sub(o, 1, slash - 1), string.sub(o, slash + 1))
                if nv then return {string.sub(v, 1, string.find(v, '#', 1, true) - 1), o, nv} end
              end
            end
            local cv = redis.call('GET', KEYS[2])
            if not cv or string.sub(cv, 1, string.len(ARGV[2]) + 1) ~= ARGV[2] .. '|' then return {'', '', ''} end
            local e = nextEpoch(v)
            redis.call('SET', KEYS[1], e .. '#' .. ARGV[1], 'PX', ARGV[3])
            return {e, ARGV[1], cv}
            """);

    /**
     * Takes a room over from a node that refuses connections: KEYS[1] the room key; ARGV the placement seen
     * (epoch#owner), the new owner, lease ms. Only if the key still holds exactly that placement. Returns 1 if it did.
     */
    static final Script TAKE_OVER = of(EPOCH + """
            local v = redis.call('GET', KEYS[1])
            if v ~= ARGV[1] then return 0 end
            redis.call('SET', KEYS[1], nextEpoch(v) .. '#' .. ARGV[2], 'PX', ARGV[3])
            return 1
            """);

    /**
     * The node registry's heartbeat. KEYS[1] the node key; ARGV incarnation, value, lease ms. Writes the value unless
     * another incarnation (another live process with this nodeId) holds the key; returns '' or that holder's value.
     */
    static final Script HEARTBEAT = of("""
            local v = redis.call('GET', KEYS[1])
            if v and string.sub(v, 1, string.len(ARGV[1]) + 1) ~= ARGV[1] .. '|' then return v end
            redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
            return ''
            """);

    /** Deletes the node key KEYS[1] if incarnation ARGV[1] holds it (a clean shutdown). */
    static final Script RELEASE_NODE = of("""
            local v = redis.call('GET', KEYS[1])
            if v and string.sub(v, 1, string.len(ARGV[1]) + 1) == ARGV[1] .. '|' then
              redis.call('DEL', KEYS[1])
              return 1
            end
            return 0
            """);

    static Script of(String text) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8));
            return new Script(text, HexFormat.of().formatHex(d));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
