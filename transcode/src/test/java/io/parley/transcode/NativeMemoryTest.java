package io.parley.transcode;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** create/use/close many times: the resident set must not keep growing (no native leak per transcoder). */
class NativeMemoryTest {

    /**
     * The resident set outside the Java heap and the JVM's own pools (metaspace, code cache): what native codec
     * state would grow. A heap that the GC expands on a busy machine is no leak, so its committed size is taken out.
     */
    private static long rssKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                long rss = Long.parseLong(line.replaceAll("[^0-9]", ""));
                MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
                long jvm = mem.getHeapMemoryUsage().getCommitted() + mem.getNonHeapMemoryUsage().getCommitted();
                return rss - jvm / 1024;
            }
        }
        throw new IllegalStateException("no VmRSS");
    }

    private static void cycle(TestAudio.Encoded aac, List<byte[]> opus, int times) {
        for (int i = 0; i < times; i++) {
            try (AacToOpus a = new AacToOpus(aac.asc()); OpusToAac o = new OpusToAac()) {
                for (int f = 0; f < 5; f++) {
                    a.push(aac.frames().get(f), f * 23L);
                    o.push(opus.get(f), 960L * f, f);
                }
                a.flush();
                o.flush();
            }
        }
    }

    /**
     * A leak grows the resident set in every batch by the same amount; the measure (RSS minus the JVM's committed
     * pools, which a busy machine's GC resizes) moves by tens of MB either way between two readings. So three equal
     * batches are measured and the smallest growth is judged: noise does not push all three up, a leak does.
     */
    @Test
    void thousandCreateCloseCyclesDoNotGrowRss() throws Exception {
        TestAudio.Encoded aac = TestAudio.encodeAac(TestAudio.sine(44100, 2, 0.2, 1000), 44100, 2);
        List<byte[]> opus = TestAudio.encodeOpus(TestAudio.sine(48000, 1, 0.2, 1000), 1, 32000, false);
        cycle(aac, opus, 200); // warm-up: JIT, allocator arenas, JavaCPP caches
        long[] growth = new long[3];
        for (int batch = 0; batch < growth.length; batch++) {
            System.gc();
            long before = rssKb();
            cycle(aac, opus, 1000);
            System.gc();
            growth[batch] = rssKb() - before;
        }
        String measured = java.util.Arrays.toString(growth);
        System.out.printf("NativeMemoryTest: RSS outside the JVM's heap and pools grew %s KB over three batches of 1000 create/push/flush/close cycles%n",
            measured);
        // A leaked codec context pair is hundreds of KB (libopus + aac encoder state, fifos, frames): 1000 leaks would
        // be hundreds of MB in every batch. Allow 40 MB of allocator and JIT noise in the quietest batch.
        assertThat(java.util.Arrays.stream(growth).min().getAsLong())
                .as("smallest RSS growth in KB of three batches of 1000 cycles (all: %s)", measured).isLessThan(40_000);
    }
}
