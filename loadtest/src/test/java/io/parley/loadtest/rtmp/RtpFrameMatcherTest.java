package io.parley.loadtest.rtmp;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.transcode.AacToOpus;
import io.parley.transcode.OpusFrame;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The matching the rtmp scenario times RTMP -> RTP by, checked against the server's real transcoder. */
class RtpFrameMatcherTest {
    @Test
    void eachFrameAfterTheJumpIsMatchedToThePacketEmittedWhenItWasPushed() throws Exception {
        AacClip clip = AacClip.standard();
        long offset = 0xFFFF_0000L; // the server's random RTP offset; this one wraps soon after the jump
        long jump = 100;
        RtpFrameMatcher m = new RtpFrameMatcher();
        Map<Long, Long> matchedAt = new HashMap<>(); // frame -> the frame being pushed when its packet came out
        List<Long> order = new ArrayList<>();
        try (AacToOpus t = new AacToOpus(clip.audioSpecificConfig())) {
            for (long i = 0; i < 400; i++) {
                long ts = clip.timestampOf(i) + (i >= jump ? 1000 : 0);
                long known = i >= jump - 3 ? jump : -1; // players learn J a little before its packets arrive
                for (OpusFrame f : t.push(clip.frame(i), ts)) {
                    long frame = m.onPacket(f.rtpTimestamp() + offset, known);
                    if (frame >= 0) {
                        assertThat(matchedAt.put(frame, i)).as("frame %d matched twice", frame).isNull();
                        order.add(frame);
                    }
                }
            }
        }
        assertThat(m.synced()).isTrue();
        // every frame from J+1 on is matched, in order, to a packet that came out while that very frame was pushed
        for (long f = jump + 1; f < 399; f++) {
            assertThat(matchedAt.get(f)).as("frame %d", f).isEqualTo(f);
        }
        assertThat(order).isSorted();
    }
}
