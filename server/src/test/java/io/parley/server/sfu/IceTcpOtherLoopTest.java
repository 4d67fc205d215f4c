package io.parley.server.sfu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.parley.server.config.ParleyConfig;

/**
 * {@link IceTcpTest}'s tests with two media loops and the transport on the second, while ICE-TCP connections live on
 * the first: checks and frames are handed over to the transport's loop, and its answers go back through the connection.
 */
class IceTcpOtherLoopTest extends IceTcpTest {
    @Override
    MediaPlane startPlane(ParleyConfig.Media config) throws InterruptedException {
        assumeTrue(Epoll.isAvailable(), "several media loops need the epoll transport");
        MediaPlane p = MediaPlane.start(config.withLoops(2), EpollIoHandler.newFactory(), true, MediaClock.SYSTEM);
        assertThat(p.loopCount()).isEqualTo(2);
        return p;
    }

    @Override
    MediaLoop ownerLoop() {
        return plane.loops().get(1);
    }
}
