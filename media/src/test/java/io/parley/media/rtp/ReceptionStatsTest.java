package io.parley.media.rtp;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.protocol.media.NtpTime;
import io.parley.protocol.media.RtcpPacket;
import org.junit.jupiter.api.Test;

/** RFC 3550 appendix A arithmetic: extended sequence, loss per interval, jitter, LSR/DLSR. */
class ReceptionStatsTest {
    private static final long MS = 1_000_000L;

    @Test
    void lossFractionIsPerIntervalAndCumulativeLossIsTotal() {
        ReceptionStats s = new ReceptionStats(48_000);
        for (int seq = 10; seq < 20; seq++) {
            if (seq != 12 && seq != 13) {
                s.onPacket(seq, seq * 960L, 10, seq * 20 * MS);
            }
        }
        RtcpPacket.ReportBlock first = s.reportBlock(7, 400 * MS);
        assertThat(first.ssrc()).isEqualTo(7);
        assertThat(first.fractionLost()).isEqualTo(2 * 256 / 10);
        assertThat(first.cumulativeLost()).isEqualTo(2);
        assertThat(first.highestSequence()).isEqualTo(19);
        assertThat(first.lastSr()).isZero();
        assertThat(first.delaySinceLastSr()).isZero();

        for (int seq = 20; seq < 30; seq++) {
            s.onPacket(seq, seq * 960L, 10, seq * 20 * MS);
        }
        RtcpPacket.ReportBlock second = s.reportBlock(7, 600 * MS);
        assertThat(second.fractionLost()).isZero();
        assertThat(second.cumulativeLost()).isEqualTo(2);
        assertThat(s.received()).isEqualTo(18);
        assertThat(s.bytes()).isEqualTo(180);
    }

    @Test
    void sequenceWrapExtendsTheHighestAndReorderedPacketsDoNotMoveIt() {
        ReceptionStats s = new ReceptionStats(48_000);
        s.onPacket(65534, 0, 1, 0);
        s.onPacket(1, 2880, 1, 60 * MS);
        s.onPacket(65535, 960, 1, 61 * MS); // late
        s.onPacket(0, 1920, 1, 62 * MS);    // late
        assertThat(s.extendedHighest()).isEqualTo(65536 + 1);
        assertThat(s.expected()).isEqualTo(4);
        assertThat(s.lost()).isZero();
    }

    @Test
    void steadyPacketsHaveNoJitterAndLateOnesSome() {
        ReceptionStats s = new ReceptionStats(48_000);
        for (int i = 0; i < 50; i++) {
            s.onPacket(i, i * 960L, 1, i * 20 * MS);
        }
        assertThat(s.jitterMillis()).isLessThan(0.01);
        s.onPacket(50, 50 * 960L, 1, (50 * 20 + 16) * MS); // 16 ms late
        assertThat(s.jitterMillis()).isBetween(0.9, 1.1); // 16 / 16
    }

    @Test
    void lastSenderReportIsEchoedWithTheDelaySinceIt() {
        ReceptionStats s = new ReceptionStats(48_000);
        s.onPacket(1, 0, 1, 0);
        long ntp = NtpTime.fromUnixMillis(1_795_000_000_000L);
        s.onSenderReport(ntp, 1_000 * MS);
        RtcpPacket.ReportBlock b = s.reportBlock(7, 1_500 * MS);
        assertThat(b.lastSr()).isEqualTo(NtpTime.compact(ntp));
        assertThat(NtpTime.compactToMillis(b.delaySinceLastSr())).isBetween(499L, 500L);
    }
}
