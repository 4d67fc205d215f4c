package io.parley.server.api;

/** A refused call: its envelope's Code and Message. */
final class ApiException extends RuntimeException {
    final int code;

    ApiException(int code, String message) {
        super(message, null, false, false);
        this.code = code;
    }
}
