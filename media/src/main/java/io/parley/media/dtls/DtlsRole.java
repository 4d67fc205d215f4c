package io.parley.media.dtls;

/** Which side of the DTLS handshake we play, and how SDP says so (RFC 4145 / RFC 5763). */
public enum DtlsRole {
    /** Waits for the ClientHello: the SFU, answering with {@code a=setup:passive}. */
    SERVER("passive"),
    /** Sends the ClientHello: the Java client, {@code a=setup:active}. */
    CLIENT("active");

    private final String sdpSetup;

    DtlsRole(String sdpSetup) {
        this.sdpSetup = sdpSetup;
    }

    /** The value of our {@code a=setup:} attribute for this role. */
    public String sdpSetup() {
        return sdpSetup;
    }
}
