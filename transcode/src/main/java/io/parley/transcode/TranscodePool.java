package io.parley.transcode;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded pool of worker threads for transcoding, so that codec work never runs on Netty event loops.
 *
 * <p>Work is submitted to a {@link Strand}, one per transcoded stream: a strand's tasks run in submission order, one
 * at a time, on any pool thread (so a non-thread-safe {@link AacToOpus}/{@link OpusToAac} may be used from its tasks
 * without locking, and each task sees the effects of the previous one). Each strand queues at most
 * {@code maxQueuedPerStrand} tasks; when it falls further behind, the oldest queued task is dropped (its drop action
 * runs, e.g. to release a buffer) and counted. A strand gives up its thread after {@link #BATCH} tasks so that one
 * busy stream cannot starve the others.
 *
 * <p>{@link #close()} (or {@link #shutdown(Duration)}) stops accepting work, drops what is queued, lets running tasks
 * finish and stops the threads. The pool's methods are thread-safe.
 */
public final class TranscodePool implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TranscodePool.class);
    /** Tasks a strand runs before yielding its thread to other strands. */
    public static final int BATCH = 16;

    /**
     * @param threads            worker threads (default: available processors)
     * @param maxQueuedPerStrand tasks a strand may queue before the oldest is dropped (default 50, i.e. about 1 s of
     *                           20 ms Opus packets or 1.07 s of 48 kHz AAC frames)
     * @param metrics            metric hooks (default {@link TranscodeMetrics#NONE})
     */
    public record Config(int threads, int maxQueuedPerStrand, TranscodeMetrics metrics) {
        public Config {
            if (threads < 1) {
                throw new IllegalArgumentException("threads " + threads);
            }
            if (maxQueuedPerStrand < 1) {
                throw new IllegalArgumentException("maxQueuedPerStrand " + maxQueuedPerStrand);
            }
            Objects.requireNonNull(metrics, "metrics");
        }

        public static Config defaults() {
            return new Config(Runtime.getRuntime().availableProcessors(), 50, TranscodeMetrics.NONE);
        }

        public Config withThreads(int v) {
            return new Config(v, maxQueuedPerStrand, metrics);
        }

        public Config withMaxQueuedPerStrand(int v) {
            return new Config(threads, v, metrics);
        }

        public Config withMetrics(TranscodeMetrics v) {
            return new Config(threads, maxQueuedPerStrand, v);
        }
    }

    private final Config config;
    private final ThreadPoolExecutor executor;
    private final Set<Strand> strands = ConcurrentHashMap.newKeySet();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile boolean shutdown;

    public TranscodePool() {
        this(Config.defaults());
    }

    public TranscodePool(Config config) {
        this.config = Objects.requireNonNull(config, "config");
        AtomicInteger n = new AtomicInteger();
        ThreadFactory factory = r -> {
            Thread t = new Thread(r, "parley-transcode-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        // Unbounded queue of strand runs: each strand has at most one run queued or running, so its length is
        // bounded by the number of strands; the per-strand queues hold the actual work.
        executor = new ThreadPoolExecutor(config.threads(), config.threads(), 0, TimeUnit.MILLISECONDS,
            new LinkedBlockingQueue<>(), factory);
    }

    public Config config() {
        return config;
    }

    /** Opens a strand for one stream. */
    public Strand newStrand(String name) {
        if (shutdown) {
            throw new IllegalStateException("TranscodePool is shut down");
        }
        Strand s = new Strand(name);
        strands.add(s);
        config.metrics().strandOpened();
        return s;
    }

    /** Strands open now. */
    public int activeStrands() {
        return strands.size();
    }

    /** Tasks dropped by all strands so far. */
    public long droppedTasks() {
        return dropped.get();
    }

    /** Tasks run so far (including failed ones). */
    public long completedTasks() {
        return completed.get();
    }

    /** Tasks that threw. */
    public long failedTasks() {
        return failed.get();
    }

    /**
     * Stops accepting tasks, drops queued ones (running their drop actions), closes every strand (running the final
     * tasks given to {@link Strand#close(Runnable)} that have not run yet), waits up to {@code timeout} for running
     * tasks, then interrupts what is left. Idempotent.
     *
     * @return true if every thread stopped within the timeout
     */
    public boolean shutdown(Duration timeout) {
        shutdown = true;
        for (Strand s : strands) {
            s.abort();
        }
        executor.shutdown();
        try {
            if (executor.awaitTermination(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                return true;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        executor.shutdownNow();
        return false;
    }

    /** {@link #shutdown(Duration)} with a 5 s timeout. */
    @Override
    public void close() {
        shutdown(Duration.ofSeconds(5));
    }

    /** Serial executor for one stream's tasks. Thread-safe. */
    public final class Strand {
        private final String name;
        private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
        private final ArrayDeque<Runnable> dropActions = new ArrayDeque<>();
        private final AtomicLong strandDropped = new AtomicLong();
        private boolean scheduled; // a run is queued or running (guarded by tasks)
        private boolean closed; // no more tasks accepted (guarded by tasks)
        private Runnable finalTask; // runs after everything queued before close (guarded by tasks)
        private boolean finished; // the strand is fully closed (guarded by tasks)
        private final Runnable run = this::run;

        private Strand(String name) {
            this.name = name;
        }

        public String name() {
            return name;
        }

        /** Queues a task; see {@link #execute(Runnable, Runnable)}. */
        public boolean execute(Runnable task) {
            return execute(task, null);
        }

        /**
         * Queues a task to run after the strand's earlier tasks. If the strand already holds
         * {@code maxQueuedPerStrand} queued tasks, the oldest queued one is dropped first. {@code onDrop} (may be
         * null) runs, on the calling thread, if this task is dropped instead of run: evicted by a newer task, or
         * discarded because the strand or pool closed; use it to release what the task holds.
         *
         * @return false (and {@code onDrop} has run) if the strand or the pool is closed
         */
        public boolean execute(Runnable task, Runnable onDrop) {
            Objects.requireNonNull(task, "task");
            boolean accepted;
            boolean dropOne = false;
            Runnable dropAction = null;
            boolean submit = false;
            synchronized (tasks) {
                if (closed || shutdown) {
                    accepted = false;
                    dropOne = true;
                    dropAction = onDrop;
                } else {
                    accepted = true;
                    if (tasks.size() >= config.maxQueuedPerStrand()) {
                        tasks.pollFirst();
                        dropAction = dropActions.pollFirst();
                        dropOne = true;
                    }
                    tasks.addLast(task);
                    dropActions.addLast(onDrop == null ? NOOP : onDrop);
                    if (!scheduled) {
                        scheduled = true;
                        submit = true;
                    }
                }
            }
            if (dropOne) {
                countDrop();
                runDrop(dropAction);
            }
            if (submit) {
                schedule();
            }
            return accepted;
        }

        /**
         * Stops accepting tasks; {@code finalTask} (e.g. {@code transcoder::close}, may be null) runs on the strand after
         * every task queued before, and then the strand is removed from the pool. Idempotent (only the first final
         * task counts). If the pool is shut down first, queued tasks are dropped and the final task still runs.
         */
        public void close(Runnable finalTask) {
            boolean submit = false;
            synchronized (tasks) {
                if (closed) {
                    return;
                }
                closed = true;
                this.finalTask = finalTask;
                if (!scheduled) {
                    scheduled = true;
                    submit = true;
                }
            }
            if (submit) {
                schedule();
            }
        }

        /** Tasks queued and not yet started. */
        public int queued() {
            synchronized (tasks) {
                return tasks.size();
            }
        }

        /** Tasks this strand dropped. */
        public long dropped() {
            return strandDropped.get();
        }

        /** True once the strand is closed and its final task has run. */
        public boolean isFinished() {
            synchronized (tasks) {
                return finished;
            }
        }

        private void schedule() {
            try {
                executor.execute(run);
            } catch (RejectedExecutionException e) {
                synchronized (tasks) {
                    scheduled = false;
                }
                abort();
            }
        }

        private void run() {
            for (int i = 0; i < BATCH; i++) {
                Runnable task;
                Runnable last = null;
                boolean finishNow = false;
                synchronized (tasks) {
                    task = tasks.pollFirst();
                    dropActions.pollFirst();
                    if (task == null) {
                        scheduled = false;
                        if (closed && !finished) {
                            finished = true;
                            finishNow = true;
                            last = finalTask;
                            finalTask = null;
                        }
                    }
                }
                if (task == null) {
                    if (finishNow) {
                        finish(last);
                    }
                    return;
                }
                long start = System.nanoTime();
                boolean threw = false;
                try {
                    task.run();
                } catch (Throwable t) {
                    threw = true;
                    failed.incrementAndGet();
                    log.warn("transcoding task on strand {} failed", name, t);
                } finally {
                    completed.incrementAndGet();
                    config.metrics().taskCompleted(System.nanoTime() - start, threw);
                }
            }
            // yield to other strands: requeue behind them
            schedule();
        }

        private void finish(Runnable last) {
            if (strands.remove(this)) {
                config.metrics().strandClosed();
            }
            if (last != null) {
                try {
                    last.run();
                } catch (Throwable t) {
                    log.warn("final task of strand {} failed", name, t);
                }
            }
        }

        /** Pool shutdown: drop the queue; finish now unless a run is queued or in progress (it will finish). */
        private void abort() {
            ArrayDeque<Runnable> drops;
            Runnable last = null;
            boolean finishNow = false;
            synchronized (tasks) {
                closed = true;
                tasks.clear();
                drops = new ArrayDeque<>(dropActions);
                dropActions.clear();
                if (!finished && !scheduled) {
                    finished = true;
                    finishNow = true;
                    last = finalTask;
                    finalTask = null;
                }
            }
            for (Runnable d : drops) {
                countDrop();
                runDrop(d);
            }
            if (finishNow) {
                finish(last);
            }
        }

        private void countDrop() {
            strandDropped.incrementAndGet();
            dropped.incrementAndGet();
            config.metrics().taskDropped();
        }

        private void runDrop(Runnable onDrop) {
            if (onDrop == null || onDrop == NOOP) {
                return;
            }
            try {
                onDrop.run();
            } catch (Throwable t) {
                log.warn("drop action on strand {} failed", name, t);
            }
        }

        @Override
        public String toString() {
            return "Strand[" + name + "]";
        }
    }

    private static final Runnable NOOP = () -> {};
}
