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
        assertThat(ResourceLeakDetector.getLevel()).as("tests run with paranoid leak detection")
                .isEqualTo(ResourceLeakDetector.Level.PARANOID);
        assertThat(LeakReportAppender.drain()).as("Netty leak reports").isEmpty();
    }
}
