package io.parley.server.room;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.DefaultEventLoopGroup;
import io.parley.protocol.RoomId;
import io.parley.protocol.StreamId;
import io.parley.protocol.UserId;
import io.parley.server.config.AppConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The embedded ClaimStore and RoomDirectory: the registry rules of docs/architecture.md, answered at once. */
class RegistrySeamsTest {
    private final Map<Long, AppSpace> apps = new LinkedHashMap<>();
    private final EmbeddedClaimStore claims;

    RegistrySeamsTest() {
        apps.put(1L, new AppSpace(new AppConfig(1, "0123456789abcdef0123456789abcdef")));
        apps.put(2L, new AppSpace(new AppConfig(2, "0123456789abcdef0123456789abcdef")));
        claims = new EmbeddedClaimStore("node-a", apps);
    }

    private static <T> T now(java.util.concurrent.CompletionStage<T> stage) {
        CompletableFuture<T> f = stage.toCompletableFuture();
        assertThat(f).as("the embedded store answers at once").isDone();
        return f.join();
    }

    private static Session session(long id) {
        return new Session(id, null, null);
    }

    @Test
    void aLaterUserClaimWinsAndNamesThePreviousHolderAndItsNode() {
        Session first = session(1);
        Session second = session(2);
        UserId u = new UserId("u");
        assertThat(now(claims.claimUser(1, u, first))).isNull();
        ClaimStore.Holder<Session> previous = now(claims.claimUser(1, u, second));
        assertThat(previous).isEqualTo(new ClaimStore.Holder<>(first, "node-a"));
        assertThat(now(claims.claimUser(1, u, second))).as("claiming again is no kick").isNull();
        assertThat(now(claims.releaseUser(1, u, first))).as("a stale release changes nothing").isFalse();
        assertThat(apps.get(1L).sessionOf("u")).isSameAs(second);
        assertThat(now(claims.releaseUser(1, u, second))).isTrue();
        assertThat(apps.get(1L).userCount()).isZero();
    }

    @Test
    void theFirstStreamClaimWinsAndClaimsArePerApp() {
        Session s = session(1);
        StreamId id = new StreamId("s");
        PublishedStream a = new PublishedStream(id, s, null, "", false);
        PublishedStream b = new PublishedStream(id, s, null, "", false);
        assertThat(now(claims.claimStream(1, id, a)).local()).isSameAs(a);
        assertThat(now(claims.claimStream(1, id, b)).local()).as("the first keeps it").isSameAs(a);
        assertThat(now(claims.claimStream(2, id, b)).local()).as("another App's namespace").isSameAs(b);
        assertThat(now(claims.releaseStream(1, id, b))).isFalse();
        assertThat(now(claims.releaseStream(1, id, a))).isTrue();
        assertThat(now(claims.claimStream(1, id, b)).local()).isSameAs(b);
    }

    @Test
    void anUnknownAppIsAnError() {
        assertThatThrownBy(() -> claims.claimUser(9, new UserId("u"), session(1)))
                .hasMessageContaining("appId 9 is not configured");
    }

    @Test
    void theDirectoryOpensARoomOnceOnALoopAndForgetsItWhenClosed() throws Exception {
        DefaultEventLoopGroup loops = new DefaultEventLoopGroup(2);
        try {
            EmbeddedRoomDirectory[] dir = new EmbeddedRoomDirectory[1];
            dir[0] = new EmbeddedRoomDirectory("node-a", apps, loops, (app, id, loop) -> new Room(app, id, loop,
                    new RoomContext(new RoomEvents() {}, e -> { }, null, claims, dir[0], () -> RemoteMedia.DISABLED)));
            RoomId r = new RoomId("r");
            assertThat(dir[0].find(1, r)).isNull();
            RoomDirectory.Placement p = now(dir[0].locate(1, r));
            assertThat(p.local()).isTrue();
            assertThat(p.node()).isEqualTo("node-a");
            assertThat(now(dir[0].locate(1, r)).room()).isSameAs(p.room());
            assertThat(now(dir[0].locate(2, r)).room()).as("rooms are per App").isNotSameAs(p.room());
            assertThat(dir[0].find(1, r)).isSameAs(p.room());
            dir[0].closed(p.room());
            assertThat(dir[0].find(1, r)).isNull();
        } finally {
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
