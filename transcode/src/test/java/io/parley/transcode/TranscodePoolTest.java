package io.parley.transcode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class TranscodePoolTest {

    @Test
    void tasksOfAStrandRunInOrderOneAtATimeAcrossThreads() throws Exception {
        int strandsCount = 20;
        int perStrand = 2000;
        try (TranscodePool pool = new TranscodePool(TranscodePool.Config.defaults().withThreads(4).withMaxQueuedPerStrand(perStrand))) {
            List<List<Integer>> seen = new ArrayList<>();
            Set<String> threads = ConcurrentHashMap.newKeySet();
            AtomicInteger overlaps = new AtomicInteger();
            CountDownLatch done = new CountDownLatch(strandsCount);
            for (int s = 0; s < strandsCount; s++) {
                List<Integer> order = Collections.synchronizedList(new ArrayList<>());
                seen.add(order);
                TranscodePool.Strand strand = pool.newStrand("s" + s);
                AtomicBoolean running = new AtomicBoolean();
                for (int i = 0; i < perStrand; i++) {
                    int n = i;
                    assertThat(strand.execute(() -> {
                        if (!running.compareAndSet(false, true)) {
                            overlaps.incrementAndGet();
                        }
                        threads.add(Thread.currentThread().getName());
                        order.add(n);
                        running.set(false);
                    })).isTrue();
                }
                strand.close(done::countDown);
            }
            assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(overlaps.get()).isZero();
            for (List<Integer> order : seen) {
                assertThat(order).hasSize(perStrand).isSorted();
            }
            assertThat(threads).allMatch(n -> n.startsWith("parley-transcode-")).hasSizeGreaterThan(1);
            assertThat(pool.activeStrands()).isZero();
            assertThat(pool.droppedTasks()).isZero();
            assertThat(pool.completedTasks()).isEqualTo((long) strandsCount * perStrand);
        }
    }

    @Test
    void aStrandThatFallsBehindDropsItsOldestTasks() throws Exception {
        try (TranscodePool pool = new TranscodePool(TranscodePool.Config.defaults().withThreads(2).withMaxQueuedPerStrand(50))) {
            TranscodePool.Strand strand = pool.newStrand("slow");
            CountDownLatch started = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            strand.execute(() -> {
                started.countDown();
                await(release);
            });
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
            List<Integer> ran = Collections.synchronizedList(new ArrayList<>());
            List<Integer> droppedIds = Collections.synchronizedList(new ArrayList<>());
            for (int i = 0; i < 130; i++) {
                int n = i;
                assertThat(strand.execute(() -> ran.add(n), () -> droppedIds.add(n))).isTrue();
            }
            assertThat(strand.queued()).isEqualTo(50);
            assertThat(strand.dropped()).isEqualTo(80);
            assertThat(droppedIds).containsExactlyElementsOf(range(0, 80));
            // another stream is not held up by the slow one
            TranscodePool.Strand other = pool.newStrand("other");
            CountDownLatch otherRan = new CountDownLatch(1);
            other.execute(otherRan::countDown);
            assertThat(otherRan.await(10, TimeUnit.SECONDS)).isTrue();

            CountDownLatch closed = new CountDownLatch(1);
            strand.close(closed::countDown);
            assertThat(strand.execute(() -> ran.add(-1), () -> droppedIds.add(-1))).isFalse();
            release.countDown();
            assertThat(closed.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(ran).containsExactlyElementsOf(range(80, 130));
            assertThat(droppedIds).endsWith(-1);
            assertThat(pool.droppedTasks()).isEqualTo(81);
            assertThat(strand.isFinished()).isTrue();
        }
    }

    @Test
    void aFailingTaskDoesNotStopItsStrand() throws Exception {
        try (TranscodePool pool = new TranscodePool(TranscodePool.Config.defaults().withThreads(1))) {
            TranscodePool.Strand strand = pool.newStrand("f");
            CountDownLatch after = new CountDownLatch(1);
            strand.execute(() -> {
                throw new TranscodeException("boom");
            });
            strand.execute(after::countDown);
            assertThat(after.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(pool.failedTasks()).isEqualTo(1);
        }
    }

    @Test
    void shutdownDropsQueuedWorkRunsFinalTasksAndStopsThreads() throws Exception {
        TranscodePool pool = new TranscodePool(TranscodePool.Config.defaults().withThreads(1));
        TranscodePool.Strand busy = pool.newStrand("busy");
        TranscodePool.Strand idle = pool.newStrand("idle");
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        busy.execute(() -> {
            started.countDown();
            await(release);
        });
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        AtomicInteger drops = new AtomicInteger();
        for (int i = 0; i < 10; i++) {
            // the running task is released only when shutdown drops the queue, so all 10 are dropped, never run
            busy.execute(() -> { }, () -> {
                drops.incrementAndGet();
                release.countDown();
            });
        }
        AtomicInteger finals = new AtomicInteger();
        busy.close(finals::incrementAndGet);
        assertThat(pool.shutdown(Duration.ofSeconds(10))).isTrue();
        assertThat(drops.get()).isEqualTo(10);
        assertThat(finals.get()).isEqualTo(1);
        assertThat(busy.isFinished()).isTrue();
        assertThat(idle.isFinished()).isTrue();
        assertThat(pool.activeStrands()).isZero();
        assertThat(idle.execute(() -> { })).isFalse();
        assertThatThrownBy(() -> pool.newStrand("late")).isInstanceOf(IllegalStateException.class);
        pool.close(); // idempotent
    }

    @Test
    void micrometerMetrics() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (TranscodePool pool = new TranscodePool(TranscodePool.Config.defaults().withThreads(1)
            .withMetrics(TranscodeMetrics.micrometer(registry)))) {
            TranscodePool.Strand s = pool.newStrand("m");
            assertThat(registry.get("parley.transcode.streams.active").gauge().value()).isEqualTo(1.0);
            CountDownLatch done = new CountDownLatch(1);
            for (int i = 0; i < 5; i++) {
                s.execute(() -> { });
            }
            s.close(done::countDown);
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(registry.get("parley.transcode.task").timer().count()).isEqualTo(5);
            assertThat(registry.get("parley.transcode.streams.active").gauge().value()).isZero();
            assertThat(registry.get("parley.transcode.tasks.dropped").counter().count()).isZero();
        }
    }

    @Test
    void transcodersRunOnTheirStrand() throws Exception {
        TestAudio.Encoded aac = TestAudio.encodeAac(TestAudio.sine(44100, 1, 1, 1000), 44100, 1);
        try (TranscodePool pool = new TranscodePool(TranscodePool.Config.defaults().withThreads(2))) {
            List<OpusFrame> out = Collections.synchronizedList(new ArrayList<>());
            AacToOpus t = new AacToOpus(aac.asc());
            TranscodePool.Strand strand = pool.newStrand("aac->opus");
            for (int i = 0; i < aac.frames().size(); i++) {
                byte[] f = aac.frames().get(i);
                long ts = Math.round(i * 1024 * 1000.0 / 44100);
                strand.execute(() -> t.push(f, 0, f.length, ts, out::add));
            }
            CountDownLatch closed = new CountDownLatch(1);
            strand.close(() -> {
                t.close();
                closed.countDown();
            });
            assertThat(closed.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(out).hasSizeGreaterThan(40);
            for (int i = 1; i < out.size(); i++) {
                assertThat(out.get(i).rtpTimestamp() - out.get(i - 1).rtpTimestamp()).isEqualTo(960);
            }
        }
    }

    private static List<Integer> range(int from, int to) {
        List<Integer> r = new ArrayList<>();
        for (int i = from; i < to; i++) {
            r.add(i);
        }
        return r;
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
