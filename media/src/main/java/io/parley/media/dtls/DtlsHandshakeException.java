package io.parley.media.dtls;

import java.io.IOException;

/** Why a DTLS-SRTP handshake did not produce keys; the message is fit for a log line. */
public final class DtlsHandshakeException extends IOException {
    public DtlsHandshakeException(String message) {
        super(message);
    }

    public DtlsHandshakeException(String message, Throwable cause) {
        super(message, cause);
    }
}
