package io.parley.protocol.signal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A request as it arrived: the client-chosen id (a string or a number, echoed as given), its type and
 * its data object. Request: {@code {"id":"1","type":"loginRoom","data":{...}}}.
 */
public record Envelope(JsonNode id, String type, ObjectNode data) {}
