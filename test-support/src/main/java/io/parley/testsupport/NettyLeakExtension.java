package io.parley.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Registered for every test class (META-INF/services + junit-platform.properties): after the class, collects
 * garbage, provokes the leak detector and fails if Netty reported a leaked buffer.
 */
public final class NettyLeakExtension implements AfterAllCallback {
    @Override
    public void afterAll(ExtensionContext context) {
        for (int round = 0; round < 3; round++) {
            System.gc();
            for (int i = 0; i < 64; i++) {
                ByteBuf b = PooledByteBufAllocator.DEFAULT.buffer(16);
                b.release();
            }
        }
        assertThat(tracksEveryBuffer())
                .as("tests run with paranoid leak detection (or, for long fuzz runs, simple with samplingInterval=1)")
                .isTrue();
        assertThat(LeakReportAppender.drain()).as("Netty leak reports").isEmpty();
    }

    /**
     * PARANOID tracks every buffer and records every access; SIMPLE with a sampling interval of 1 also tracks every
     * buffer (so every leak is still reported) without the access records, which long fuzz runs cannot afford.
     */
    private static boolean tracksEveryBuffer() {
        ResourceLeakDetector.Level level = ResourceLeakDetector.getLevel();
        if (level == ResourceLeakDetector.Level.PARANOID) {
            return true;
        }
        return level != ResourceLeakDetector.Level.DISABLED
                && Integer.getInteger("io.netty.leakDetection.samplingInterval", 128) == 1;
    }
}
