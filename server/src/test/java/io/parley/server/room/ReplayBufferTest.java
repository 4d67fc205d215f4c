package io.parley.server.room;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.parley.protocol.signal.Messages;
import io.parley.protocol.signal.RoomStateReason;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplayBufferTest {
    private static Signal push(int i) {
        return new Signal.RoomStateChanged("r" + i, RoomStateReason.LOGINED, 0, null);
    }

    private static List<Long> seqs(List<ReplayBuffer.Entry> entries) {
        return entries.stream().map(ReplayBuffer.Entry::seq).toList();
    }

    @Test
    void numbersFromOneAndReplaysWhatFollowsTheClientsSeq() {
        ReplayBuffer b = new ReplayBuffer(8);
        for (int i = 0; i < 5; i++) {
            assertThat(b.append(push(i))).isEqualTo(i + 1);
        }
        assertThat(seqs(b.since(2))).containsExactly(3L, 4L, 5L);
        assertThat(b.since(2).get(0).signal()).isEqualTo(push(2));
        assertThat(b.since(5)).isEmpty();
        assertThat(seqs(b.since(0))).containsExactly(1L, 2L, 3L, 4L, 5L);
    }

    @Test
    void aSeqOlderThanWhatCapacityEvictedIsAGap() {
        ReplayBuffer b = new ReplayBuffer(3);
        for (int i = 0; i < 5; i++) {
            b.append(push(i));
        }
        assertThat(b.size()).isEqualTo(3);
        assertThat(seqs(b.since(2))).containsExactly(3L, 4L, 5L);
        assertThat(b.since(1)).isNull();
        assertThat(b.since(0)).isNull();
    }

    @Test
    void acknowledgedPushesGoAndCannotBeAskedForAgain() {
        ReplayBuffer b = new ReplayBuffer(8);
        for (int i = 0; i < 5; i++) {
            b.append(push(i));
        }
        b.ack(3);
        assertThat(b.size()).isEqualTo(2);
        assertThat(seqs(b.since(3))).containsExactly(4L, 5L);
        assertThat(b.since(2)).isNull();
        b.ack(5);
        assertThat(b.since(5)).isEmpty();
        assertThat(b.since(4)).isNull();
        assertThat(b.append(push(9))).isEqualTo(6);
        assertThat(seqs(b.since(5))).containsExactly(6L);
    }

    @Test
    void qualityUpdatesAndRepliesAreNotNumbered() {
        Messages.QualityUpdate q = new Messages.QualityUpdate("r", "s", null);
        assertThat(ReplayBuffer.sequenced(new Signal.PublishQualityUpdate(q))).isFalse();
        assertThat(ReplayBuffer.sequenced(new Signal.Shared(new Signal.PlayQualityUpdate(q)))).isFalse();
        assertThat(ReplayBuffer.sequenced(new Signal.Reply(RequestRef.NONE, "x", 0, "OK", null))).isFalse();
        assertThat(ReplayBuffer.sequenced(push(1))).isTrue();
        assertThat(ReplayBuffer.sequenced(new Signal.Shared((Signal.Push) push(1)))).isTrue();
        assertThatThrownBy(() -> new ReplayBuffer(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
