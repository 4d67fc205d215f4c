package io.parley.media.dtls;

import io.parley.media.srtp.SrtpKeys;
import io.parley.media.srtp.SrtpProfile;
import java.io.IOException;
import java.util.Hashtable;
import java.util.List;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.CertificateRequest;
import org.bouncycastle.tls.DefaultTlsClient;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.TlsAuthentication;
import org.bouncycastle.tls.TlsCredentials;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsSRTPUtils;
import org.bouncycastle.tls.TlsServerCertificate;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.UseSRTPData;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;

/**
 * The Java client side (a=setup:active): offers our SRTP profiles, checks the server certificate
 * against the server's SDP fingerprint and answers the certificate request with our own.
 */
@SuppressWarnings("rawtypes") // BouncyCastle's TlsClient API is written with raw Hashtable
final class SrtpDtlsClient extends DefaultTlsClient {
    private final BcTlsCrypto crypto;
    private final DtlsCertificate certificate;
    private final DtlsFingerprint remoteFingerprint;
    private final List<SrtpProfile> profiles;
    private final int handshakeTimeoutMillis;
    private final DtlsPeerSupport.AlertListener alerts;
    private SrtpProfile selected;
    private volatile SrtpKeys keys;

    SrtpDtlsClient(BcTlsCrypto crypto, DtlsCertificate certificate, DtlsFingerprint remoteFingerprint,
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
        return ProtocolVersion.DTLSv12.only();
    }

    @Override
    protected int[] getSupportedCipherSuites() {
        return TlsUtils.getSupportedCipherSuites(getCrypto(), DtlsPeerSupport.CIPHER_SUITES);
    }

    @Override
    public int getHandshakeTimeoutMillis() {
        return handshakeTimeoutMillis;
    }

    @Override
    public boolean requiresExtendedMasterSecret() {
        return true;
    }

    @Override
    public Hashtable getClientExtensions() throws IOException {
        Hashtable extensions = super.getClientExtensions();
        TlsSRTPUtils.addUseSRTPExtension(extensions,
                new UseSRTPData(DtlsPeerSupport.ids(profiles), TlsUtils.EMPTY_BYTES));
        return extensions;
    }

    @Override
    public void processServerExtensions(Hashtable serverExtensions) throws IOException {
        super.processServerExtensions(serverExtensions);
        UseSRTPData chosen = serverExtensions == null ? null : TlsSRTPUtils.getUseSRTPExtension(serverExtensions);
        if (chosen == null) {
            throw new TlsFatalAlert(AlertDescription.handshake_failure, "server did not accept use_srtp");
        }
        int[] ids = chosen.getProtectionProfiles();
        SrtpProfile profile = ids.length == 1 ? SrtpProfile.fromId(ids[0]) : null;
        if (profile == null || !profiles.contains(profile) || chosen.getMki().length != 0) {
            throw new TlsFatalAlert(AlertDescription.illegal_parameter, "server selected SRTP profile "
                    + DtlsPeerSupport.names(ids) + " (expected: one of " + profiles + ", no MKI)");
        }
        selected = profile;
    }

    @Override
    public TlsAuthentication getAuthentication() {
        return new TlsAuthentication() {
            @Override
            public void notifyServerCertificate(TlsServerCertificate serverCertificate) throws IOException {
                DtlsPeerSupport.verifyPeer(serverCertificate.getCertificate(), remoteFingerprint);
            }

            @Override
            public TlsCredentials getClientCredentials(CertificateRequest request) throws IOException {
                return DtlsPeerSupport.signer(context, crypto, certificate);
            }
        };
    }

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
