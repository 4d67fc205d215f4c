package io.parley.protocol.signal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.ProtocolException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.stream.Collectors;

/**
 * JSON codec of the signalling envelope. Decoding is strict about types (a number where a string is
 * expected is an error, not a coercion) and lenient about unknown members (ignored, so that newer
 * clients can talk to older servers).
 */
public final class SignalCodec {
    private SignalCodec() {}

    public static final ObjectMapper MAPPER = newMapper();

    private static ObjectMapper newMapper() {
        ObjectMapper m = JsonMapper.builder()
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .build();
        for (LogicalType t : new LogicalType[] {LogicalType.Textual, LogicalType.Integer, LogicalType.Boolean,
                LogicalType.Float}) {
            m.coercionConfigFor(t)
                    .setCoercion(CoercionInputShape.Integer, t == LogicalType.Integer || t == LogicalType.Float
                            ? CoercionAction.TryConvert : CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, t == LogicalType.Float ? CoercionAction.TryConvert : CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, t == LogicalType.Boolean ? CoercionAction.TryConvert : CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.String, t == LogicalType.Textual ? CoercionAction.TryConvert : CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.EmptyString, t == LogicalType.Textual ? CoercionAction.TryConvert : CoercionAction.Fail);
        }
        return m;
    }

    /** Parses a request envelope; a frame that is not one fails with 1102011 and says why. */
    public static Envelope parseRequest(InputStream json) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (IOException e) {
            throw new ProtocolException(ErrorCode.DATA_FORMAT_ERROR, "malformed JSON: " + firstLine(e.getMessage()));
        }
        if (root == null || !root.isObject()) {
            throw new ProtocolException(ErrorCode.DATA_FORMAT_ERROR, "frame: expected a JSON object {\"id\",\"type\",\"data\"}");
        }
        JsonNode id = root.get("id");
        if (id != null && !(id.isTextual() || id.isIntegralNumber())) {
            throw new ProtocolException(ErrorCode.DATA_FORMAT_ERROR, "id: expected a string or an integer");
        }
        if (id == null) {
            throw new ProtocolException(ErrorCode.DATA_FORMAT_ERROR, "id: missing (expected a string or an integer)");
        }
        JsonNode type = root.get("type");
        if (type == null || !type.isTextual()) {
            throw new ProtocolException(ErrorCode.DATA_FORMAT_ERROR, "type: " + (type == null ? "missing" : "not a string")
                    + " (expected a request name such as \"loginRoom\")")
                    .withId(id);
        }
        JsonNode data = root.get("data");
        ObjectNode obj;
        if (data == null || data.isNull()) {
            obj = JsonNodeFactory.instance.objectNode();
        } else if (data.isObject()) {
            obj = (ObjectNode) data;
        } else {
            throw new ProtocolException(ErrorCode.DATA_FORMAT_ERROR, "data: expected a JSON object").withId(id);
        }
        return new Envelope(id, type.textValue(), obj);
    }

    /** Binds the envelope's data to a message record; a mistyped member fails with 1102011 naming it. */
    public static <T> T bind(Envelope env, Class<T> type) {
        try {
            return MAPPER.treeToValue(env.data(), type);
        } catch (MismatchedInputException e) {
            String path = e.getPath().stream().map(JsonMappingException.Reference::getFieldName)
                    .map(f -> f == null ? "[]" : f).collect(Collectors.joining("."));
            String expected = e.getTargetType() == null ? "another type" : describe(e.getTargetType());
            throw new ProtocolException(ErrorCode.DATA_FORMAT_ERROR,
                    env.type() + ".data." + path + ": wrong type (expected: " + expected + ")");
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new ProtocolException(ErrorCode.DATA_FORMAT_ERROR, env.type() + ".data: " + firstLine(e.getMessage()));
        }
    }

    private static String describe(Class<?> c) {
        if (c == String.class) {
            return "string";
        }
        if (c == Integer.class || c == int.class || c == Long.class || c == long.class) {
            return "integer";
        }
        if (c == Boolean.class || c == boolean.class) {
            return "boolean";
        }
        if (c.isRecord()) {
            return "object";
        }
        return c.getSimpleName();
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** Builds a response envelope: {@code {"id","type","code","message","data"}}. */
    public static ObjectNode response(JsonNode id, String type, int code, String message, Object data) {
        ObjectNode n = MAPPER.createObjectNode();
        n.set("id", id);
        n.put("type", type);
        n.put("code", code);
        n.put("message", message);
        n.set("data", data == null ? MAPPER.createObjectNode() : MAPPER.valueToTree(data));
        return n;
    }

    /**
     * Writes the envelope {@link #response} builds, byte for byte, straight from {@code data}: no tree in between
     * (half the cost of building one and writing it, on every reply of a join).
     */
    public static void writeResponse(OutputStream out, JsonNode id, String type, int code, String message, Object data)
            throws IOException {
        try (JsonGenerator g = MAPPER.createGenerator(out)) {
            g.writeStartObject();
            g.writeFieldName("id");
            if (id == null) {
                g.writeNull();
            } else {
                g.writeTree(id);
            }
            g.writeStringField("type", type);
            g.writeNumberField("code", code);
            g.writeStringField("message", message);
            g.writeFieldName("data");
            if (data == null) {
                g.writeStartObject();
                g.writeEndObject();
            } else {
                g.writeObject(data);
            }
            g.writeEndObject();
        }
    }

    /** Writes the envelope {@link #push} builds, byte for byte, without the tree. */
    public static void writePush(OutputStream out, String name, Object data) throws IOException {
        try (JsonGenerator g = MAPPER.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("push", name);
            g.writeFieldName("data");
            g.writeObject(data);
            g.writeEndObject();
        }
    }

    /** Builds a push envelope: {@code {"push","data"}}. */
    public static ObjectNode push(String name, Object data) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("push", name);
        n.set("data", MAPPER.valueToTree(data));
        return n;
    }
}
