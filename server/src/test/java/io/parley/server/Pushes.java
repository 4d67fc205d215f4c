package io.parley.server;


import com.fasterxml.jackson.databind.JsonNode;
import io.parley.client.ParleyEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/** Records every push an engine receives, in order, for assertions with a deadline. */
public final class Pushes {
    public record Push(String name, JsonNode data) {
        public String type() {
            return data.path("updateType").asText();
        }

        public List<String> userIds() {
            List<String> out = new ArrayList<>();
            data.path("userList").forEach(u -> out.add(u.path("userID").asText()));
            return out;
        }

        public List<String> streamIds() {
            List<String> out = new ArrayList<>();
            data.path("streamList").forEach(s -> out.add(s.path("streamID").asText()));
            return out;
        }

        @Override
        public String toString() {
            return name + data;
        }
    }

    private final List<Push> all = new CopyOnWriteArrayList<>();

    public static Pushes on(ParleyEngine engine) {
        Pushes p = new Pushes();
        engine.setPushListener((name, data) -> p.all.add(new Push(name, data)));
        return p;
    }

    public List<Push> all() {
        return List.copyOf(all);
    }

    public List<Push> named(String name) {
        return all.stream().filter(p -> p.name.equals(name)).toList();
    }

    /** Waits for a push that matches; returns it. */
    public Push await(String name, Predicate<Push> match) {
        return org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> all.stream().filter(p -> p.name.equals(name) && match.test(p)).findFirst().orElse(null),
                        p -> p != null);
    }

    public void awaitCount(String name, Predicate<Push> match, int count) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> all.stream().filter(p -> p.name.equals(name) && match.test(p)).count() >= count);
    }

    public long count(String name, Predicate<Push> match) {
        return all.stream().filter(p -> p.name.equals(name) && match.test(p)).count();
    }
}
