package io.parley.server.room;

import io.parley.protocol.ErrorCode;
import io.parley.protocol.UserId;
import io.parley.protocol.signal.Messages;
import io.parley.server.config.ParleyConfig;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * A room's messages (ZEGO's IM): broadcast messages (reliable, integer messageIDs in the room's order), barrage messages
 * (unreliable: dropped for a member that cannot keep up, string messageIDs) and custom commands (to some members or
 * all, with a result per target). The sender never gets its own. Each kind has the reference's rate limits, per sender
 * and per room. Arguments were checked on the connection's loop; everything here runs on the room's loop, so the room
 * decides one order and every member receives that order.
 */
final class Messaging {
    /** One sender's budgets, kept on its {@link Member} from its first message. */
    static final class SenderRates {
        final RateBucket broadcast;
        final RateBucket commandToOne;
        final RateBucket commandToMany;

        SenderRates(ParleyConfig.RoomFeatures c) {
            // The reference's "2/s per user (>= 500 ms apart)": spaced, no burst (a second at once is refused).
            broadcast = RateBucket.spaced(c.broadcastPerUserPerSecond());
            commandToOne = new RateBucket(c.customCommandToOnePerSecond());
            commandToMany = new RateBucket(c.customCommandToManyPerSecond());
        }
    }

    private final Room room;
    private final ParleyConfig.RoomFeatures limits;
    private final RateBucket broadcasts;
    private final RateBucket barrages;
    private final long epoch = System.currentTimeMillis();
    private long lastBroadcastId;
    private long lastBarrageId;

    Messaging(Room room, ParleyConfig.RoomFeatures limits) {
        this.room = room;
        this.limits = limits;
        this.broadcasts = new RateBucket(limits.broadcastPerRoomPerSecond());
        this.barrages = new RateBucket(limits.barragePerRoomPerSecond());
    }

    private SenderRates rates(Member m) {
        if (m.rates == null) {
            m.rates = new SenderRates(limits);
        }
        return m.rates;
    }

    void broadcast(Session s, RequestRef ref, String message) {
        Member m = member(s, ref, Messages.SEND_BROADCAST_MESSAGE);
        if (m == null) {
            return;
        }
        if (!rates(m).broadcast.tryTake()) {
            room.events().message("broadcast", ErrorCode.BROADCAST_RATE_LIMITED);
            s.respond(ref, Messages.SEND_BROADCAST_MESSAGE, ErrorCode.BROADCAST_RATE_LIMITED, "user '" + s.userId
                    + "': more than room.broadcastPerUserPerSecond " + limits.broadcastPerUserPerSecond()
                    + " broadcast messages a second (expected: at least " + (1000 / limits.broadcastPerUserPerSecond())
                    + " ms apart)", null);
            return;
        }
        if (!broadcasts.tryTake()) {
            room.events().message("broadcast", ErrorCode.MESSAGE_RATE_LIMITED);
            s.respond(ref, Messages.SEND_BROADCAST_MESSAGE, ErrorCode.MESSAGE_RATE_LIMITED, "room '" + room.id()
                    + "': more than room.broadcastPerRoomPerSecond " + limits.broadcastPerRoomPerSecond()
                    + " broadcast messages a second", null);
            return;
        }
        room.events().message("broadcast", ErrorCode.OK);
        long id = ++lastBroadcastId;
        s.respond(ref, Messages.SEND_BROADCAST_MESSAGE, ErrorCode.OK, "OK", new Messages.BroadcastResult(room.id().value(), id));
        Messages.BroadcastMessage msg = new Messages.BroadcastMessage(m.user, message, System.currentTimeMillis(), id);
        room.fanOut(new Signal.RoomNotice(Messages.IM_RECV_BROADCAST_MESSAGE,
                new Messages.IMRecvBroadcastMessage(room.id().value(), List.of(msg)), false), other -> other.session != s);
    }

    void barrage(Session s, RequestRef ref, String message) {
        Member m = member(s, ref, Messages.SEND_BARRAGE_MESSAGE);
        if (m == null) {
            return;
        }
        if (!barrages.tryTake()) {
            room.events().message("barrage", ErrorCode.MESSAGE_RATE_LIMITED);
            s.respond(ref, Messages.SEND_BARRAGE_MESSAGE, ErrorCode.MESSAGE_RATE_LIMITED, "room '" + room.id()
                    + "': more than room.barragePerRoomPerSecond " + limits.barragePerRoomPerSecond()
                    + " barrage messages a second", null);
            return;
        }
        // As ZEGO's: a string, unique per room lifetime (the room's start in ms and a sequence).
        room.events().message("barrage", ErrorCode.OK);
        String id = "1_" + epoch + "_" + (++lastBarrageId);
        s.respond(ref, Messages.SEND_BARRAGE_MESSAGE, ErrorCode.OK, "OK", new Messages.BarrageResult(room.id().value(), id));
        Messages.BarrageMessage msg = new Messages.BarrageMessage(m.user, message, System.currentTimeMillis(), id);
        room.fanOut(new Signal.RoomNotice(Messages.IM_RECV_BARRAGE_MESSAGE,
                new Messages.IMRecvBarrageMessage(room.id().value(), List.of(msg)), true), other -> other.session != s);
    }

    /** {@code to} empty: everyone but the sender. A target not in the room is reported with 1009010. */
    void customCommand(Session s, RequestRef ref, String command, List<UserId> to) {
        Member m = member(s, ref, Messages.SEND_CUSTOM_COMMAND);
        if (m == null) {
            return;
        }
        boolean toOne = to.size() == 1;
        RateBucket budget = toOne ? rates(m).commandToOne : rates(m).commandToMany;
        if (!budget.tryTake()) {
            room.events().message("command", ErrorCode.MESSAGE_RATE_LIMITED);
            s.respond(ref, Messages.SEND_CUSTOM_COMMAND, ErrorCode.MESSAGE_RATE_LIMITED, "user '" + s.userId + "': more than room."
                    + (toOne ? "customCommandToOnePerSecond " : "customCommandToManyPerSecond ") + budget.perSecond()
                    + " custom commands a second" + (toOne ? " to one user" : " to several users or everyone"), null);
            return;
        }
        room.events().message("command", ErrorCode.OK);
        Signal.RoomNotice push = new Signal.RoomNotice(Messages.IM_RECV_CUSTOM_COMMAND,
                new Messages.IMRecvCustomCommand(room.id().value(), m.user, command), false);
        List<Messages.FailedUser> failed = new ArrayList<>();
        if (to.isEmpty()) {
            s.respond(ref, Messages.SEND_CUSTOM_COMMAND, ErrorCode.OK, "OK",
                    new Messages.CustomCommandResult(room.id().value(), failed));
            room.fanOut(push, other -> other.session != s);
            return;
        }
        List<Member> targets = new ArrayList<>(to.size());
        for (UserId u : new LinkedHashSet<>(to)) {
            if (u.equals(s.userId)) {
                continue; // the sender is never a recipient
            }
            Member target = room.memberOf(u);
            if (target == null) {
                failed.add(new Messages.FailedUser(u.value(), ErrorCode.MESSAGE_SEND_FAILED));
            } else {
                targets.add(target);
            }
        }
        s.respond(ref, Messages.SEND_CUSTOM_COMMAND, ErrorCode.OK, "OK", new Messages.CustomCommandResult(room.id().value(), failed));
        room.fanOut(push, targets::contains);
    }

    private Member member(Session s, RequestRef ref, String type) {
        Member m = room.memberOf(s);
        if (m == null) {
            s.respond(ref, type, ErrorCode.NOT_LOGGED_IN, "not logged in to room '" + room.id() + "' any more", null);
        }
        return m;
    }
}
