package io.parley.server.api;

import io.parley.protocol.ProtocolException;
import io.parley.protocol.RoomId;
import io.parley.protocol.StreamId;
import io.parley.protocol.UserId;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/** The IDs of a call, checked with the protocol's rules (a bad one is a parameter error, code 2). */
final class Ids {
    private Ids() {}

    static RoomId room(ApiRequest r) {
        return parse("RoomId", r.required("RoomId"), RoomId::new);
    }

    static UserId user(String name, String value) {
        return parse(name, value, UserId::new);
    }

    static StreamId stream(ApiRequest r) {
        return parse("StreamId", r.required("StreamId"), StreamId::new);
    }

    static <T> T parse(String name, String value, Function<String, T> ctor) {
        try {
            return ctor.apply(value);
        } catch (ProtocolException | IllegalArgumentException e) {
            throw new ApiException(ApiCodes.PARAMETER_ERROR, name + ": " + e.getMessage());
        }
    }

    /** An ordered map for a JSON object with ZEGO's field names. */
    static Map<String, Object> obj(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }
}
