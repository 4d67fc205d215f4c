package io.parley.protocol.media;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NtpTimeTest {

    @Test
    void unixEpochAndBack() {
        assertThat(NtpTime.fromUnixMillis(0)).isEqualTo(2_208_988_800L << 32);
        assertThat(NtpTime.fromUnixMillis(1500)).isEqualTo((2_208_988_801L << 32) | 0x80000000L);
        long now = 1_700_000_000_123L;
        assertThat(NtpTime.toUnixMillis(NtpTime.fromUnixMillis(now))).isEqualTo(now);
    }

    @Test
    void compactIsTheMiddle32Bits() {
        assertThat(NtpTime.compact(0xb44db705_20305678L)).isEqualTo(0xb7052030L);
        assertThat(NtpTime.compactFromMillis(5250)).isEqualTo(0x00054000L);
        assertThat(NtpTime.compactToMillis(0x00054000L)).isEqualTo(5250);
    }

    /**
     * The worked example of RFC 3550 6.4.1 (figure 2). The RFC rounds its labels: 0x2030 is
     * 0.1257 s, not .125, so the exact result is 0x0006:1fd0 = 6.1243 s, not the printed 6.125.
     */
    @Test
    void rttFromTheRfcExample() {
        long arrival = 0xb7108000L; // 46864.500 s
        long lsr = 0xb7052030L;     // 46853.125 s
        long dlsr = 0x00054000L;    // 5.250 s
        assertThat(NtpTime.rttMillis(arrival, lsr, dlsr)).isEqualTo(6124);
        assertThat(NtpTime.rttMillis(arrival, 0xb7052000L, dlsr)).isEqualTo(6125);
    }

    @Test
    void rttAcrossTheWrapAndInvalidReports() {
        assertThat(NtpTime.rttMillis(0x00000100L, 0xffffff00L, 0)).isEqualTo(0x200 * 1000 / 65536);
        assertThat(NtpTime.rttMillis(0x1000, 0, 0)).isEqualTo(-1);             // no SR received yet
        assertThat(NtpTime.rttMillis(0x1000, 0x2000, 0)).isEqualTo(-1);        // would be negative
    }
}
