package io.parley.server.lifecycle;

import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * SIGTERM and SIGINT start the drain; a second one stops at once. Handled as signals rather than in a shutdown
 * hook so that a finished drain can exit with status 0 (a JVM ended by a signal exits 143 whatever its hooks do).
 */
public final class Signals {
    private static final Logger log = LoggerFactory.getLogger(Signals.class);

    private Signals() {}

    /** Returns false when this JVM does not let us handle signals (then only a shutdown hook remains). */
    public static boolean install(Runnable first, Runnable again) {
        AtomicBoolean seen = new AtomicBoolean();
        try {
            for (String name : new String[] {"TERM", "INT"}) {
                Signal.handle(new Signal(name), sig -> {
                    if (seen.compareAndSet(false, true)) {
                        log.info("SIG{} received: draining (send it again to stop at once)", sig.getName());
                        Thread t = new Thread(first, "parley-drain");
                        t.start();
                    } else {
                        log.info("SIG{} received again: stopping now", sig.getName());
                        again.run();
                    }
                });
            }
            return true;
        } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
            log.warn("cannot handle SIGTERM here ({}); a shutdown hook will close without draining", e.toString());
            return false;
        }
    }
}
