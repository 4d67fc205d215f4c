package io.parley.server.room;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * Continues after a registry seam answers. A stage that is already complete (every embedded store's) continues on
 * the caller's thread at once, so a {@code ProtocolException} thrown by {@code then} reaches the caller as it did
 * before the seams; a pending one (a cluster store's) continues when it completes, and a failure there goes to
 * {@code onFailure}, since nobody is left up the stack to answer the request.
 */
public final class Stages {
    private Stages() {}

    /** The failure a {@link CompletionException} wraps (however deep), or {@code t} itself. */
    public static Throwable unwrap(Throwable t) {
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    static <T> void then(CompletionStage<T> stage, Consumer<T> then, Consumer<Throwable> onFailure) {
        CompletableFuture<T> f = stage.toCompletableFuture();
        if (f.isDone() && !f.isCompletedExceptionally()) {
            then.accept(f.join());
            return;
        }
        f.whenComplete((value, err) -> {
            try {
                if (err != null) {
                    onFailure.accept(err);
                } else {
                    then.accept(value);
                }
            } catch (RuntimeException e) {
                onFailure.accept(e);
            }
        });
    }
}
