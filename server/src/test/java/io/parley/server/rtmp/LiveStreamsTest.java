package io.parley.server.rtmp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LiveStreamsTest {
    private final List<LiveEvent> events = new ArrayList<>();
    private final RtmpMetrics metrics = RtmpMetrics.detached();
    private final LiveStreams hub = new LiveStreams(metrics, Runnable::run, events::add);
    private final StreamKey key = new StreamKey(7, "s1");

    /** Records what a local listener sees as short strings. */
    private static final class Recorder implements LocalListener {
        final List<String> seen = new ArrayList<>();

        @Override
        public void onMetadata(Map<String, Object> metadata) {
            seen.add("meta " + metadata.get("audiocodecid"));
        }

        @Override
        public void onSequenceHeader(boolean video, ByteBuf body) {
            seen.add((video ? "avc-config " : "aac-config ") + ByteBufUtil.hexDump(body));
        }

        @Override
        public void onAudio(ByteBuf body, int ts) {
            seen.add("audio " + ts + " " + ByteBufUtil.hexDump(body));
        }

        @Override
        public void onVideo(ByteBuf body, int ts, boolean keyframe) {
            seen.add("video " + ts + (keyframe ? " key" : ""));
        }

        @Override
        public void onEnd(EndReason reason) {
            seen.add("end " + reason);
        }
    }

    private static ByteBuf bytes(int... b) {
        ByteBuf buf = Unpooled.buffer(b.length);
        for (int x : b) {
            buf.writeByte(x);
        }
        return buf;
    }

    @Test
    void lateLocalSubscriberGetsMetadataThenHeadersThenLiveTagsFromAKeyframe() {
        LocalPublisher pub = hub.openLocalPublisher(key, "att");
        pub.metadata(Map.of("audiocodecid", 10.0));
        pub.audio(bytes(0xaf, 0x00, 0x12, 0x10), 0);          // AAC sequence header
        pub.video(bytes(0x17, 0x00, 0x01), 0);                // AVC sequence header
        pub.audio(bytes(0xaf, 0x01, 0x55), 20);               // raw AAC before anyone listens
        Recorder r = new Recorder();
        LocalSubscription sub = hub.subscribeLocal(key, r);
        pub.video(bytes(0x27, 0x01, 0x02), 40);               // inter frame: skipped until a keyframe
        pub.audio(bytes(0xaf, 0x01, 0x66), 43);
        pub.video(bytes(0x17, 0x01, 0x03), 80);               // keyframe
        pub.video(bytes(0x27, 0x01, 0x04), 120);
        assertThat(r.seen).containsExactly("meta 10.0", "aac-config af001210", "avc-config 170001",
                "audio 43 af0166", "video 80 key", "video 120");
        assertThat(hub.subscribers(key, Form.LOCAL)).isEqualTo(1);
        assertThat(hub.publisher(key).attachment()).isEqualTo("att");
        assertThrows(LiveStreams.StreamBusyException.class, () -> hub.openLocalPublisher(key, null));
        pub.close();
        assertThat(pub.isOpen()).isFalse();
        pub.audio(bytes(0xaf, 0x01), 200);                    // after close: released, not delivered
        assertThat(r.seen).endsWith("end CLOSED");
        sub.close();                                          // already ended: nothing more
        assertThat(r.seen).filteredOn(s -> s.startsWith("end")).hasSize(1);
        assertThat(hub.isLive(key)).isFalse();
        assertThat(events).extracting(e -> e.getClass().getSimpleName()).containsExactly(
                "PublishStarted", "PublisherMediaStarted", "SubscriberJoined", "SubscriberLeft", "PublishEnded");
    }

    @Test
    void aWaitingSubscriberIsAnnouncedAndServedWhenAPublisherArrives() {
        Recorder r = new Recorder();
        LocalSubscription sub = hub.subscribeLocal(key, r);
        assertThat(events).singleElement().isInstanceOfSatisfying(LiveEvent.SubscriberJoined.class, j -> {
            assertThat(j.key()).isEqualTo(key);
            assertThat(j.form()).isEqualTo(Form.LOCAL);
            assertThat(j.formCount()).isEqualTo(1);
            assertThat(j.live()).isFalse();
        });
        LocalPublisher pub = hub.openLocalPublisher(key, null);
        pub.audio(bytes(0xaf, 0x01, 0x77), 5);
        assertThat(r.seen).containsExactly("audio 5 af0177");
        sub.close();
        assertThat(r.seen).endsWith("end CLOSED");
        assertThat(events.get(events.size() - 1)).isInstanceOfSatisfying(LiveEvent.SubscriberLeft.class, l -> {
            assertThat(l.formCount()).isZero();
            assertThat(l.reason()).isEqualTo(EndReason.CLOSED);
            assertThat(l.subscriber().form()).isEqualTo(Form.LOCAL);
        });
        assertThat(events).extracting(e -> e.getClass().getSimpleName())
                .containsSubsequence("PublishStarted", "PublisherMediaStarted");
        pub.close();
        assertThat(metrics.registry().find("parley.rtmp.publishers").tag("form", "local").gauge().value()).isZero();
    }

    @Test
    void aPlayerThatStaysUnwritableSkipsTagsAndIsClosed() {
        EmbeddedChannel ch = new EmbeddedChannel();
        AtomicLong now = new AtomicLong();
        RtmpPlayerSink sink = new RtmpPlayerSink(ch, 1, "s1", metrics, 1_000_000_000L, now::get);
        LocalPublisher pub = hub.openLocalPublisher(key, null);
        LiveStreams.Subscription sub = hub.subscribe(key, sink, false);
        pub.audio(bytes(0xaf, 0x01, 0x01), 1000);
        RtmpMessage first = ch.readOutbound();
        assertThat(first.timestamp()).as("rebased to start at 0").isZero();
        first.release();
        ch.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
        pub.audio(bytes(0xaf, 0x01, 0x02), 1020);             // skipped, the clock starts
        now.set(900_000_000L);
        pub.audio(bytes(0xaf, 0x01, 0x03), 1040);             // skipped, still within the bound
        assertThat(ch.isOpen()).isTrue();
        now.set(1_100_000_000L);
        pub.audio(bytes(0xaf, 0x01, 0x04), 1060);             // past the bound: closed
        assertThat(ch.isOpen()).isFalse();
        assertThat(sink.endReason()).isEqualTo(EndReason.SLOW);
        assertThat(metrics.registry().find("parley.rtmp.tags.skipped").counter().count()).isEqualTo(2);
        sub.close(EndReason.SLOW);
        pub.close();
        ch.finishAndReleaseAll();
    }
}
