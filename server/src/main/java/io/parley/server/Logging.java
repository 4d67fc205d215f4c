package io.parley.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Applies log.level to the root logger (logback.xml reads PARLEY_LOG_LEVEL too, for the lines before this). */
final class Logging {
    private Logging() {}

    static void setLevel(String level) {
        ILoggerFactory f = LoggerFactory.getILoggerFactory();
        if (f instanceof LoggerContext ctx) {
            ctx.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(Level.toLevel(level, Level.INFO));
        }
    }
}
