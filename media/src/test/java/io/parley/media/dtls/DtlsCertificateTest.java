package io.parley.media.dtls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class DtlsCertificateTest {
    private static final DtlsCertificate CERT = DtlsCertificate.generate();

    @Test
    void isASelfSignedP256EcdsaCertificate() throws Exception {
        X509Certificate x509 = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(CERT.encoded()));
        assertThat(x509.getSigAlgName()).isEqualTo("SHA256withECDSA");
        assertThat(x509.getPublicKey()).isInstanceOf(ECPublicKey.class);
        assertThat(((ECPublicKey) x509.getPublicKey()).getParams().getCurve().getField().getFieldSize()).isEqualTo(256);
        x509.verify(x509.getPublicKey()); // self-signed
        x509.checkValidity();
    }

    @Test
    void fingerprintIsSha256OfTheDerInSdpFormat() throws Exception {
        DtlsFingerprint fp = CERT.fingerprint();
        byte[] expected = MessageDigest.getInstance("SHA-256").digest(CERT.encoded());
        assertThat(fp.hashFunction()).isEqualTo("sha-256");
        assertThat(fp.digest()).isEqualTo(expected);
        assertThat(fp.hex()).matches("([0-9A-F]{2}:){31}[0-9A-F]{2}");
        assertThat(fp.hex()).isEqualTo(HexFormat.ofDelimiter(":").withUpperCase().formatHex(expected));
        assertThat(fp.toSdp()).isEqualTo("sha-256 " + fp.hex());
    }

    @Test
    void verifyComparesAPeerCertificateWithTheSdpFingerprint() {
        DtlsFingerprint fromSdp = DtlsFingerprint.parse(CERT.fingerprint().toSdp().toLowerCase());
        assertThat(fromSdp).isEqualTo(CERT.fingerprint());
        assertThat(DtlsCertificate.verify(CERT.encoded(), fromSdp)).isTrue();
        assertThat(DtlsCertificate.verify(DtlsCertificate.generate().encoded(), fromSdp)).isFalse();
        // Peers may pick another hash function in their SDP.
        DtlsFingerprint sha1 = DtlsFingerprint.of("SHA-1", CERT.encoded());
        assertThat(sha1.toSdp()).startsWith("sha-1 ");
        assertThat(DtlsCertificate.verify(CERT.encoded(), DtlsFingerprint.parse(sha1.toSdp()))).isTrue();
    }

    @Test
    void badFingerprintsAreRejectedWithWhatWasExpected() {
        assertThatThrownBy(() -> DtlsFingerprint.parse("md5 AB:CD"))
                .hasMessageContaining("expected: sha-1, sha-224, sha-256, sha-384 or sha-512");
        assertThatThrownBy(() -> DtlsFingerprint.parse("sha-256"))
                .hasMessageContaining("expected: \"<hash-func> <HH:HH:...>\"");
        assertThatThrownBy(() -> DtlsFingerprint.parse("sha-256 ZZ:00"))
                .hasMessageContaining("colon-separated hex");
    }
}
