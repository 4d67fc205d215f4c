package io.parley.testsupport;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/** Collects Netty's leak reports (logged by ResourceLeakDetector) so that tests fail on them. */
public final class LeakReportAppender extends AppenderBase<ILoggingEvent> {
    private static final ConcurrentLinkedQueue<String> REPORTS = new ConcurrentLinkedQueue<>();

    @Override
    protected void append(ILoggingEvent event) {
        if (event.getFormattedMessage().contains("LEAK")) {
            REPORTS.add(event.getFormattedMessage());
        }
    }

    public static List<String> drain() {
        List<String> out = List.copyOf(REPORTS);
        REPORTS.clear();
        return out;
    }
}
