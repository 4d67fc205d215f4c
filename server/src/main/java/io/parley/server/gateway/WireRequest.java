package io.parley.server.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.server.room.RequestRef;

/** A WebSocket request's id as the client sent it (any JSON value, or null), echoed in its response. */
record WireRequest(JsonNode id) implements RequestRef {}
