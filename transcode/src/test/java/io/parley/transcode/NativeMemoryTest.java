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

    @Test
    void thousandCreateCloseCyclesDoNotGrowRss() throws Exception {
        TestAudio.Encoded aac = TestAudio.encodeAac(TestAudio.sine(44100, 2, 0.2, 1000), 44100, 2);
        List<byte[]> opus = TestAudio.encodeOpus(TestAudio.sine(48000, 1, 0.2, 1000), 1, 32000, false);
        cycle(aac, opus, 200); // warm-up: JIT, allocator arenas, JavaCPP caches
        System.gc();
        long before = rssKb();
        cycle(aac, opus, 1000);
        System.gc();
        long after = rssKb();
        System.out.printf("NativeMemoryTest: RSS outside the JVM's heap and pools %d KB before, %d KB after 1000 create/push/flush/close cycles (%+d KB)%n",
            before, after, after - before);
        // A leaked codec context pair is hundreds of KB (libopus + aac encoder state, fifos, frames): 1000 leaks would
        // be hundreds of MB. Allow 40 MB of allocator and JIT noise.
        assertThat(after - before).as("RSS growth in KB over 1000 cycles (before %d KB)", before).isLessThan(40_000);
    }
}
