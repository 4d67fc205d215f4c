package io.parley.server.auth;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.ProtocolException;
import java.util.ArrayList;
import java.util.List;

/** Reads ZEGO's privilege-token fields (room_id, privilege {"1": login, "2": publish}, stream_id_list). */
final class Privileges {
    private Privileges() {}

    static final String LOGIN_KEY = "1";
    static final String PUBLISH_KEY = "2";

    /** A token without a privilege object grants both, as ZEGO's basic token does. */
    static boolean granted(JsonNode privilege, String key) {
        if (privilege == null || privilege.isNull() || privilege.isMissingNode()) {
            return true;
        }
        if (!privilege.isObject()) {
            throw invalid("privilege: expected an object like {\"1\":1,\"2\":1}");
        }
        JsonNode v = privilege.get(key);
        if (v == null) {
            return false;
        }
        if (!v.isIntegralNumber()) {
            throw invalid("privilege." + key + ": expected 0 or 1");
        }
        return v.asInt() == 1;
    }

    static String roomId(JsonNode roomId) {
        if (roomId == null || roomId.isNull()) {
            return null;
        }
        if (!roomId.isTextual()) {
            throw invalid("room_id: expected a string");
        }
        return roomId.textValue().isEmpty() ? null : roomId.textValue();
    }

    static List<String> streamIds(JsonNode list) {
        if (list == null || list.isNull()) {
            return null;
        }
        if (!list.isArray()) {
            throw invalid("stream_id_list: expected an array of strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode n : list) {
            if (!n.isTextual()) {
                throw invalid("stream_id_list: expected an array of strings");
            }
            out.add(n.textValue());
        }
        return List.copyOf(out);
    }

    static ProtocolException invalid(String why) {
        return new ProtocolException(ErrorCode.TOKEN_INVALID, "token invalid: " + why);
    }
}
