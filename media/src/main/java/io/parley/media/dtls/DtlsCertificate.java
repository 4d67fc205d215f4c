package io.parley.media.dtls;

import java.io.IOException;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.generators.ECKeyPairGenerator;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.ECKeyGenerationParameters;
import org.bouncycastle.crypto.params.ECNamedDomainParameters;
import org.bouncycastle.crypto.util.SubjectPublicKeyInfoFactory;
import org.bouncycastle.operator.DefaultDigestAlgorithmIdentifierFinder;
import org.bouncycastle.operator.DefaultSignatureAlgorithmIdentifierFinder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.bc.BcECContentSignerBuilder;

/**
 * A self-signed ECDSA P-256 certificate and its key, generated at start. WebRTC authenticates
 * DTLS by the fingerprint in the signalled SDP, not by a CA, so the subject is arbitrary; P-256
 * is what browsers generate and accept everywhere. One instance is shared by all transports.
 */
public final class DtlsCertificate {
    /** Peers check only the fingerprint, but a long run must not outlive notAfter. */
    private static final Duration VALIDITY = Duration.ofDays(365);

    private final byte[] der;
    private final AsymmetricKeyParameter privateKey;
    private final DtlsFingerprint fingerprint;

    private DtlsCertificate(byte[] der, AsymmetricKeyParameter privateKey) {
        this.der = der;
        this.privateKey = privateKey;
        this.fingerprint = DtlsFingerprint.of("sha-256", der);
    }

    /** Generates a fresh key pair and certificate (a few milliseconds). */
    public static DtlsCertificate generate() {
        SecureRandom random = new SecureRandom();
        ECKeyPairGenerator generator = new ECKeyPairGenerator();
        generator.init(new ECKeyGenerationParameters(ECNamedDomainParameters.lookup(SECObjectIdentifiers.secp256r1),
                random));
        AsymmetricCipherKeyPair keyPair = generator.generateKeyPair();

        // Random subject and serial, as browsers do, so certificates are not linkable by name.
        byte[] serial = new byte[8];
        random.nextBytes(serial);
        X500Name name = new X500Name("CN=parley-" + new BigInteger(1, serial).toString(16));
        Instant now = Instant.now();
        try {
            X509v3CertificateBuilder builder = new X509v3CertificateBuilder(name, new BigInteger(1, serial),
                    Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(VALIDITY)), name,
                    SubjectPublicKeyInfoFactory.createSubjectPublicKeyInfo(keyPair.getPublic()));
            AlgorithmIdentifier sigAlg = new DefaultSignatureAlgorithmIdentifierFinder().find("SHA256withECDSA");
            AlgorithmIdentifier digAlg = new DefaultDigestAlgorithmIdentifierFinder().find(sigAlg);
            byte[] der = builder.build(new BcECContentSignerBuilder(sigAlg, digAlg).build(keyPair.getPrivate()))
                    .getEncoded();
            return new DtlsCertificate(der, keyPair.getPrivate());
        } catch (IOException | OperatorCreationException e) {
            throw new IllegalStateException("cannot build the DTLS certificate", e);
        }
    }

    /** SHA-256 fingerprint for {@code a=fingerprint:} in our SDP. */
    public DtlsFingerprint fingerprint() {
        return fingerprint;
    }

    /** DER encoding of the certificate. */
    public byte[] encoded() {
        return der.clone();
    }

    /**
     * True when a peer's DER certificate matches the fingerprint from its SDP. The endpoints
     * call this during the handshake; it is public for callers that check certificates elsewhere.
     */
    public static boolean verify(byte[] peerCertificateDer, DtlsFingerprint expected) {
        return expected.matches(peerCertificateDer);
    }

    byte[] der() {
        return der;
    }

    AsymmetricKeyParameter privateKey() {
        return privateKey;
    }
}
