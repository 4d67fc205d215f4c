package io.parley.media.dtls;

import io.parley.media.srtp.SrtpKeys;
import io.parley.media.srtp.SrtpProfile;
import java.io.IOException;
import java.util.Hashtable;
import java.util.List;
import java.util.Vector;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.Certificate;
import org.bouncycastle.tls.CertificateRequest;
import org.bouncycastle.tls.ClientCertificateType;
import org.bouncycastle.tls.DefaultTlsServer;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.TlsCredentialedSigner;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsSRTPUtils;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.UseSRTPData;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;

/**
 * The SFU side (a=setup:passive): DTLS 1.2, ECDSA certificate, a client certificate required and
 * matched against the client's SDP fingerprint, use_srtp picked by our preference order.
 */
@SuppressWarnings("rawtypes") // BouncyCastle's TlsServer API is written with raw Hashtable and Vector
final class SrtpDtlsServer extends DefaultTlsServer {
    private final BcTlsCrypto crypto;
    private final DtlsCertificate certificate;
    private final DtlsFingerprint remoteFingerprint;
    private final List<SrtpProfile> profiles;
    private final int handshakeTimeoutMillis;
    private final DtlsPeerSupport.AlertListener alerts;
    private SrtpProfile selected;
    private String refusal;
    private volatile SrtpKeys keys;

    SrtpDtlsServer(BcTlsCrypto crypto, DtlsCertificate certificate, DtlsFingerprint remoteFingerprint,
            DtlsSettings settings, DtlsPeerSupport.AlertListener alerts) {
        super(crypto);
        this.crypto = crypto;
        this.certificate = certificate;
        this.remoteFingerprint = remoteFingerprint;
        this.profiles = settings.srtpProfiles();
        this.handshakeTimeoutMillis = (int) settings.handshakeTimeout().toMillis();
        this.alerts = alerts;
    }

    /** Set once the handshake completes. */
    SrtpKeys keys() {
        return keys;
    }

    @Override
    protected ProtocolVersion[] getSupportedVersions() {
        return ProtocolVersion.DTLSv12.only(); // what browsers speak; DTLS 1.3 SRTP is not deployed
    }

    @Override
    protected int[] getSupportedCipherSuites() {
        return TlsUtils.getSupportedCipherSuites(getCrypto(), DtlsPeerSupport.CIPHER_SUITES);
    }

    @Override
    public int getHandshakeTimeoutMillis() {
        return handshakeTimeoutMillis;
    }

    /** RFC 7627: without it BouncyCastle refuses to export keying material, and so should we. */
    @Override
    public boolean requiresExtendedMasterSecret() {
        return true;
    }

    @Override
    protected TlsCredentialedSigner getECDSASignerCredentials() throws IOException {
        return DtlsPeerSupport.signer(context, crypto, certificate);
    }

    /** WebRTC authenticates both ends, so the client must present the certificate it signalled. */
    @Override
    public CertificateRequest getCertificateRequest() {
        short[] types = {ClientCertificateType.ecdsa_sign, ClientCertificateType.rsa_sign};
        return new CertificateRequest(types, TlsUtils.getDefaultSupportedSignatureAlgorithms(context), null);
    }

    @Override
    public void notifyClientCertificate(Certificate clientCertificate) throws IOException {
        DtlsPeerSupport.verifyPeer(clientCertificate, remoteFingerprint);
    }

    @Override
    public void processClientExtensions(Hashtable clientExtensions) throws IOException {
        super.processClientExtensions(clientExtensions);
        UseSRTPData offered = clientExtensions == null ? null : TlsSRTPUtils.getUseSRTPExtension(clientExtensions);
        if (offered == null) {
            refusal = "client did not offer use_srtp";
            return;
        }
        for (SrtpProfile p : profiles) {
            for (int id : offered.getProtectionProfiles()) {
                if (id == p.id()) {
                    selected = p;
                    return;
                }
            }
        }
        refusal = "no common SRTP profile: client offered " + DtlsPeerSupport.names(offered.getProtectionProfiles())
                + " (expected one of " + profiles + ")";
    }

    @Override
    public Hashtable getServerExtensions() throws IOException {
        Hashtable extensions = super.getServerExtensions();
        if (selected != null) {
            // We never use an MKI (RFC 5764 §4.1.1): an empty srtp_mki tells the client so.
            TlsSRTPUtils.addUseSRTPExtension(extensions,
                    new UseSRTPData(new int[] {selected.id()}, TlsUtils.EMPTY_BYTES));
        }
        return extensions;
    }

    /**
     * The first callback after the ServerHello is written. BouncyCastle sends no alert for a
     * failure while it processes the ClientHello, so an SRTP refusal is raised here, where the
     * client gets a handshake_failure alert instead of waiting for its timeout.
     */
    @Override
    public Vector getServerSupplementalData() throws IOException {
        if (refusal != null) {
            throw new TlsFatalAlert(AlertDescription.handshake_failure, refusal);
        }
        return super.getServerSupplementalData();
    }

    /** Keys must be exported here: BouncyCastle wipes the master secret when accept() returns. */
    @Override
    public void notifyHandshakeComplete() throws IOException {
        super.notifyHandshakeComplete();
        keys = DtlsPeerSupport.exportKeys(context, selected);
    }

    @Override
    public void notifyAlertReceived(short alertLevel, short alertDescription) {
        alerts.alertReceived(alertLevel, alertDescription);
    }
}
