package io.parley.client;

import com.fasterxml.jackson.databind.JsonNode;

/** A response: code 0 is success, anything else a ZEGO error code with a message saying what was wrong. */
public record Result(int code, String message, JsonNode data) {
    public boolean ok() {
        return code == 0;
    }
}
