package io.parley.client.media;

import io.parley.media.dtls.DtlsCertificate;
import io.parley.protocol.media.Sdp;
import io.parley.protocol.media.SdpWriter;
import java.security.SecureRandom;

/**
 * This side of a transport: random ICE credentials, SSRC and CNAME, and the offer that announces them with the
 * certificate's fingerprint (as a browser's createOffer would).
 */
record LocalDescription(String iceUfrag, String icePwd, long ssrc, String cname, String offer) {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String ICE_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    static LocalDescription create(Sdp.Direction direction, DtlsCertificate certificate) {
        String ufrag = random(8);
        String pwd = random(24);
        long ssrc = 1 + (RANDOM.nextInt() & 0xFFFFFFFEL); // never 0: some stacks treat it as unset
        String cname = random(16);
        Sdp.Fingerprint fp = new Sdp.Fingerprint("sha-256", certificate.fingerprint().hex());
        String offer = SdpWriter.offer(direction, new SdpWriter.LocalIce(ufrag, pwd, fp),
                new SdpWriter.LocalSource(ssrc, cname, "parley", "audio0"), RANDOM.nextLong() >>> 1);
        return new LocalDescription(ufrag, pwd, ssrc, cname, offer);
    }

    /** The ICE credentials and fingerprint as an offer writes them. */
    SdpWriter.LocalIce ice() {
        return new SdpWriter.LocalIce(iceUfrag, icePwd, new Sdp.Fingerprint("sha-256",
                ClientDtls.CERTIFICATE.fingerprint().hex()));
    }

    static String random(int length) {
        StringBuilder sb = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            sb.append(ICE_CHARS.charAt(RANDOM.nextInt(ICE_CHARS.length())));
        }
        return sb.toString();
    }
}
