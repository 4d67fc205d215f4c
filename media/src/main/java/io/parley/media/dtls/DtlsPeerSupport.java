package io.parley.media.dtls;

import io.parley.media.srtp.SrtpKeys;
import io.parley.media.srtp.SrtpProfile;
import java.io.IOException;
import java.util.List;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.Certificate;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.ExporterLabel;
import org.bouncycastle.tls.HashAlgorithm;
import org.bouncycastle.tls.SignatureAlgorithm;
import org.bouncycastle.tls.SignatureAndHashAlgorithm;
import org.bouncycastle.tls.TlsContext;
import org.bouncycastle.tls.TlsCredentialedSigner;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.crypto.TlsCertificate;
import org.bouncycastle.tls.crypto.TlsCryptoParameters;
import org.bouncycastle.tls.crypto.impl.bc.BcDefaultTlsCredentialedSigner;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;

/** What the server and client peers share: suites, credentials, fingerprint check, key export. */
final class DtlsPeerSupport {
    /**
     * ECDHE_ECDSA only (our certificate is P-256), AEAD first. Chrome and Firefox offer the GCM
     * suites; the CBC ones keep older stacks working.
     */
    static final int[] CIPHER_SUITES = {
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
    };

    /** Receives alerts as BouncyCastle sees them: a close_notify is how the peer hangs up. */
    interface AlertListener {
        void alertReceived(short level, short description);
    }

    private DtlsPeerSupport() {
    }

    /** ecdsa_secp256r1_sha256: the one signature scheme every WebRTC stack accepts for P-256. */
    static TlsCredentialedSigner signer(TlsContext context, BcTlsCrypto crypto, DtlsCertificate certificate)
            throws IOException {
        Certificate chain = new Certificate(new TlsCertificate[] {crypto.createCertificate(certificate.der())});
        return new BcDefaultTlsCredentialedSigner(new TlsCryptoParameters(context), crypto, certificate.privateKey(),
                chain, SignatureAndHashAlgorithm.getInstance(HashAlgorithm.sha256, SignatureAlgorithm.ecdsa));
    }

    /**
     * WebRTC trust: the peer's end-entity certificate must hash to the fingerprint in its SDP
     * (RFC 8122 §5); no CA, no validity dates. BouncyCastle has already checked that the peer
     * holds the key (CertificateVerify / ServerKeyExchange signature).
     */
    static void verifyPeer(Certificate chain, DtlsFingerprint expected) throws IOException {
        if (chain == null || chain.isEmpty()) {
            throw new TlsFatalAlert(AlertDescription.handshake_failure,
                    "peer sent no certificate (expected one matching " + expected + ")");
        }
        byte[] der = chain.getCertificateAt(0).getEncoded();
        if (!expected.matches(der)) {
            throw new TlsFatalAlert(AlertDescription.bad_certificate, "peer certificate fingerprint mismatch: got "
                    + DtlsFingerprint.of(expected.hashFunction(), der) + " (expected: " + expected + ")");
        }
    }

    /** RFC 5764 §4.2: export with "EXTRACTOR-dtls_srtp", no context, and split per role. */
    static SrtpKeys exportKeys(TlsContext context, SrtpProfile profile) {
        byte[] material = context.exportKeyingMaterial(ExporterLabel.dtls_srtp, null, SrtpKeys.exporterLength(profile));
        try {
            return SrtpKeys.fromExporter(profile, material, !context.isServer());
        } finally {
            java.util.Arrays.fill(material, (byte) 0);
        }
    }

    static int[] ids(List<SrtpProfile> profiles) {
        return profiles.stream().mapToInt(SrtpProfile::id).toArray();
    }

    static String names(int[] ids) {
        StringBuilder sb = new StringBuilder("[");
        for (int id : ids) {
            SrtpProfile p = SrtpProfile.fromId(id);
            sb.append(sb.length() > 1 ? ", " : "").append(p != null ? p.name() : String.format("0x%04x", id));
        }
        return sb.append(']').toString();
    }
}
