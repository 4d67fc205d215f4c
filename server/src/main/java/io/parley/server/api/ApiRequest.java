package io.parley.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One call's parameters: the query (GET: all of them; POST: at least the common ones) and, for POST, the JSON body's
 * fields, which win over the query. Arrays come as {@code UserId[]=a&UserId[]=b} (or repeated {@code UserId=}) in a
 * query and as JSON arrays in a body.
 */
final class ApiRequest {
    private final Map<String, List<String>> query;
    private final JsonNode body;

    ApiRequest(Map<String, List<String>> query, JsonNode body) {
        this.query = query;
        this.body = body;
    }

    /** The value, or null when absent. */
    String get(String name) {
        if (body != null && body.has(name) && !body.get(name).isNull()) {
            JsonNode n = body.get(name);
            return n.isContainerNode() ? n.toString() : n.asText();
        }
        List<String> v = query.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    /** A required, non-empty value. */
    String required(String name) {
        String v = get(name);
        if (v == null || v.isEmpty()) {
            throw new ApiException(ApiCodes.PARAMETER_ERROR, name + ": missing (expected: a value)");
        }
        return v;
    }

    /** A string limited to {@code maxBytes} UTF-8 bytes (code 3 when longer); {@code dflt} when absent. */
    String text(String name, int maxBytes, String dflt) {
        String v = get(name);
        if (v == null) {
            return dflt;
        }
        if (v.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > maxBytes) {
            throw new ApiException(ApiCodes.PARAMETER_TOO_LONG, name + ": too long (expected: <= " + maxBytes + " bytes)");
        }
        return v;
    }

    long number(String name, long dflt, long min, long max) {
        String v = get(name);
        if (v == null || v.isEmpty()) {
            return dflt;
        }
        long n;
        try {
            n = Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new ApiException(ApiCodes.PARAMETER_ERROR, name + ": '" + v + "' (expected: an integer)");
        }
        if (n < min || n > max) {
            throw new ApiException(ApiCodes.PARAMETER_ERROR, name + ": " + n + " (expected: " + min + ".." + max + ")");
        }
        return n;
    }

    boolean flag(String name) {
        String v = get(name);
        return v != null && (v.equalsIgnoreCase("true") || v.equals("1"));
    }

    /** An array parameter: {@code name[]} or {@code name} in the query, a JSON array (or one value) in the body. */
    List<String> list(String name) {
        List<String> out = new ArrayList<>();
        if (body != null) {
            JsonNode n = body.has(name) ? body.get(name) : body.get(name + "[]");
            if (n != null && n.isArray()) {
                n.forEach(e -> out.add(e.asText()));
                return out;
            } else if (n != null && !n.isNull()) {
                out.add(n.asText());
                return out;
            }
        }
        List<String> a = query.get(name + "[]");
        if (a != null) {
            out.addAll(a);
        }
        List<String> b = query.get(name);
        if (b != null) {
            out.addAll(b);
        }
        return out;
    }
}
