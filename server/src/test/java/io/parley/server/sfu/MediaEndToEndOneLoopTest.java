package io.parley.server.sfu;

/** {@link MediaEndToEndTest}'s tests on a media plane of one loop (no {@code SO_REUSEPORT}, no hand-offs). */
class MediaEndToEndOneLoopTest extends MediaEndToEndTest {
    @Override
    int loops() {
        return 1;
    }
}
