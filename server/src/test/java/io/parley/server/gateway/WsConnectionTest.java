package io.parley.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.parley.protocol.signal.Messages;
import io.parley.server.room.Signal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Which pushes a connection that cannot keep up loses: best-effort ones (counts, barrage), never messages or updates. */
class WsConnectionTest {
    private static Signal.RoomNotice barrage() {
        return new Signal.RoomNotice(Messages.IM_RECV_BARRAGE_MESSAGE, new Messages.IMRecvBarrageMessage("r",
                List.of(new Messages.BarrageMessage(new Messages.User("a", "A"), "666", 1L, "1_1_1"))), true);
    }

    private static Signal.RoomNotice broadcast() {
        return new Signal.RoomNotice(Messages.IM_RECV_BROADCAST_MESSAGE, new Messages.IMRecvBroadcastMessage("r",
                List.of(new Messages.BroadcastMessage(new Messages.User("a", "A"), "hello", 1L, 7L))), false);
    }

    private static Signal.RoomNotice count() {
        return new Signal.RoomNotice(Messages.ROOM_ONLINE_USER_COUNT_UPDATE, new Messages.RoomOnlineUserCountUpdate("r", 3), true);
    }

    @Test
    void anUnwritableConnectionDropsBarrageAndCountsButQueuesBroadcastMessages() {
        EmbeddedChannel ch = new EmbeddedChannel();
        AtomicInteger dropped = new AtomicInteger();
        WsConnection c = new WsConnection(ch, new GatewayEvents() {
            @Override
            public void pushDropped() {
                dropped.incrementAndGet();
            }
        }, 1_000_000_000L);
        ch.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
        assertThat(ch.isWritable()).isFalse();

        c.send(new Signal.Shared(barrage()));
        c.send(count());
        c.send(new Signal.Shared(broadcast()));
        ch.runPendingTasks(); // sends are queued on the channel's loop, in seq order
        assertThat(dropped).hasValue(2);

        ch.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
        c.send(new Signal.Shared(barrage()));
        ch.runPendingTasks();
        List<String> out = new ArrayList<>();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            TextWebSocketFrame f = (TextWebSocketFrame) o;
            out.add(f.text());
            f.release();
        }
        assertThat(out).hasSize(2);
        assertThat(out.get(0)).contains("\"push\":\"IMRecvBroadcastMessage\"").contains("\"messageID\":7");
        assertThat(out.get(1)).contains("\"push\":\"IMRecvBarrageMessage\"").contains("\"messageID\":\"1_1_1\"");
        assertThat(WsConnection.bestEffort(broadcast())).isFalse();
        assertThat(WsConnection.bestEffort(new Signal.Shared(count()))).isTrue();
        assertFalse(ch.finish());
    }
}
