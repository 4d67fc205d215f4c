package io.parley.client.media;

import io.netty.util.concurrent.DefaultThreadFactory;
import io.parley.media.dtls.DtlsCertificate;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * What every transport of this JVM shares: one certificate (as a browser has one per origin), generated on
 * first use, and the threads BouncyCastle's blocking handshakes run on (one per handshake in progress).
 */
final class ClientDtls {
    static final DtlsCertificate CERTIFICATE = DtlsCertificate.generate();
    static final ExecutorService POOL = Executors.newCachedThreadPool(
            new DefaultThreadFactory("parley-client-dtls", true));

    private ClientDtls() {
    }
}
