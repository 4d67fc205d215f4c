package io.parley.server.rtmp;

import io.netty.channel.ChannelHandlerContext;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Asks the gate and continues on the channel's event loop, with a timeout; failures become refusals. */
final class Gates {
    private static final Logger log = LoggerFactory.getLogger(Gates.class);

    private Gates() {}

    static void decide(ChannelHandlerContext ctx, Duration timeout, Supplier<CompletionStage<Decision>> ask,
                       Consumer<Decision> then) {
        CompletableFuture<Decision> result = new CompletableFuture<>();
        try {
            ask.get().whenComplete((d, e) -> {
                if (e != null) {
                    log.warn("rtmp gate failed for {}", ctx.channel().remoteAddress(), e);
                }
                result.complete(d != null ? d : Decision.refuse(Refusal.UNAVAILABLE, "admission failed"));
            });
        } catch (RuntimeException e) {
            log.warn("rtmp gate failed for {}", ctx.channel().remoteAddress(), e);
            result.complete(Decision.refuse(Refusal.UNAVAILABLE, "admission failed"));
        }
        var timer = ctx.executor().schedule(
                () -> result.complete(Decision.refuse(Refusal.UNAVAILABLE, "admission timed out")),
                timeout.toNanos(), TimeUnit.NANOSECONDS);
        result.thenAcceptAsync(d -> {
            timer.cancel(false);
            if (ctx.channel().isActive()) {
                then.accept(d);
            }
        }, ctx.executor());
    }
}
