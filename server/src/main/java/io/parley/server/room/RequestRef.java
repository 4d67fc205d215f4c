package io.parley.server.room;

/**
 * Which request a reply answers, opaque to rooms: the WebSocket gateway puts its JSON request id here, the server
 * API or a cluster relay their own, a unit test anything. Rooms only hand it back in {@link Signal.Reply}.
 */
public interface RequestRef {
    /** For requests nobody waits on (a test, a relay that does not answer). */
    RequestRef NONE = new RequestRef() {
        @Override
        public String toString() {
            return "none";
        }
    };
}
