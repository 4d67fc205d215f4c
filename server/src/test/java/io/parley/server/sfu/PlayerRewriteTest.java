package io.parley.server.sfu;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.parley.protocol.media.RtpPacket;
import io.parley.protocol.media.Sdp;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A player's copy of a publisher's packet, byte for byte: header extensions in the player's ids, its mid. */
class PlayerRewriteTest {
    private static final String TWCC = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";

    /** Chromium's ids. */
    private static final Map<String, Integer> CHROMIUM = Map.of(Sdp.AUDIO_LEVEL_URI, 1, TWCC, 3, Sdp.MID_URI, 4);
    /** aiortc's ids: the same URIs, the other way round. */
    private static final Map<String, Integer> AIORTC = Map.of(Sdp.MID_URI, 1, Sdp.AUDIO_LEVEL_URI, 2);

    /** What Chromium sends: level, transport-cc, mid "0", in the one-byte form. */
    private static final byte[] FROM_CHROMIUM = hex("""
            90                  // V=2 P=0 X=1 CC=0
            ef                  // M=1 PT=111
            1234                // sequence
            00003039            // timestamp 12345
            deadbeef            // SSRC
            bede 0002           // one-byte profile, 2 words
            10 b0               // id 1 (level) L=0: V=1 level 48
            31 0007             // id 3 (transport-cc) L=1: 2 bytes
            40 30               // id 4 (mid) L=0: "0"
            00                  // padding to the word
            f8fffe              // Opus payload
            """);

    private final RtpPacket view = new RtpPacket();

    @Test
    void chromiumToAiortcTranslatesIdsDropsWhatThePlayerLacksAndWritesItsMid() {
        HeaderExtensionMap map = HeaderExtensionMap.of(CHROMIUM, AIORTC, "audio0");
        assertThat(map.playerId(1)).isEqualTo(2);
        assertThat(map.playerId(3)).isZero(); // aiortc did not negotiate transport-cc
        assertThat(map.playerId(4)).isZero(); // the publisher's mid is never forwarded
        assertThat(rewrite(FROM_CHROMIUM, map, 96, 7, 0x01020304L)).isEqualTo(hex("""
                90                  // X=1 kept
                e0                  // M=1 PT=96 (the player's Opus)
                0007                // the player's sequence
                00003039            // timestamp unchanged
                01020304            // the player's SSRC
                bede 0003           // one-byte profile, 3 words
                15 617564696f30     // id 1 (aiortc's mid) L=5: "audio0"
                20 b0               // id 2 (aiortc's level) L=0: V=1 level 48
                000000              // padding to the word
                f8fffe              // payload unchanged
                """));
    }

    @Test
    void aiortcToChromiumInTheTwoByteFormWithPaddingBetweenElementsAndRtpPadding() {
        // aiortc-like publisher using the two-byte form, with a CSRC and RTP padding.
        byte[] in = hex("""
                b1                  // V=2 P=1 X=1 CC=1
                6f                  // M=0 PT=111
                0001                // sequence
                00000064            // timestamp
                11223344            // SSRC
                aaaaaaaa            // CSRC
                1000 0003           // two-byte profile, 3 words
                01 02 6130          // id 1 (aiortc's mid) 2 bytes "a0"
                00 00               // padding between elements
                02 01 85            // id 2 (aiortc's level) 1 byte: V=1 level 5
                09 01 ff            // id 9: negotiated by nobody
                010203              // payload
                000003              // RTP padding, count 3
                """);
        HeaderExtensionMap map = HeaderExtensionMap.of(AIORTC, CHROMIUM, "0");
        assertThat(rewrite(in, map, 111, 0xFFFF, 5)).isEqualTo(hex("""
                b1                  // P=1 X=1 CC=1 kept
                6f                  // PT=111
                ffff                // sequence
                00000064            // timestamp
                00000005            // SSRC
                aaaaaaaa            // CSRC unchanged
                bede 0001           // the one-byte form holds both elements: 1 word
                40 30               // id 4 (Chromium's mid) L=0: "0"
                10 85               // id 1 (Chromium's level) L=0: V=1 level 5
                010203              // payload
                000003              // RTP padding unchanged
                """));
    }

    @Test
    void aPlayerWithNoExtensionsGetsNoBlock() {
        HeaderExtensionMap map = HeaderExtensionMap.of(CHROMIUM, Map.of(), null);
        assertThat(map).isSameAs(HeaderExtensionMap.NONE);
        assertThat(rewrite(FROM_CHROMIUM, map, 111, 1, 2)).isEqualTo(hex("""
                80 ef 0001 00003039 00000002   // X cleared
                f8fffe
                """));
    }

    @Test
    void anInProcessSourceWithNoExtensionsStillGetsThePlayersMid() {
        byte[] in = hex("80 6f 0001 00000000 00000009 f8fffe");
        HeaderExtensionMap map = HeaderExtensionMap.of(Map.of(), AIORTC, "0");
        assertThat(rewrite(in, map, 111, 1, 2)).isEqualTo(hex("""
                90 6f 0001 00000000 00000002   // X set
                bede 0001                      // one word
                10 30                          // id 1 (mid) "0"
                0000                           // padding
                f8fffe
                """));
        // No mid negotiated: nothing to add, and the packet is copied as it came.
        assertThat(rewrite(in, HeaderExtensionMap.of(Map.of(), Map.of(Sdp.AUDIO_LEVEL_URI, 1), "0"), 111, 1, 9))
                .isEqualTo(in);
    }

    @Test
    void idsAbove14OrLongElementsNeedTheTwoByteForm() {
        HeaderExtensionMap map = HeaderExtensionMap.of(CHROMIUM, Map.of(Sdp.AUDIO_LEVEL_URI, 20, Sdp.MID_URI, 2),
                "a-mid-longer-than-16");
        assertThat(rewrite(FROM_CHROMIUM, map, 111, 1, 2)).isEqualTo(hex("""
                90 ef 0001 00003039 00000002
                1000 0007                                   // two-byte profile, 7 words
                02 14 612d6d69642d6c6f6e6765722d7468616e2d3136   // id 2 (mid) 20 bytes
                14 01 b0                                    // id 20 (level) 1 byte
                000000                                      // padding to the word
                f8fffe
                """));
    }

    @Test
    void aMalformedElementEndsTheWalkAndWhatCameBeforeIsKept() {
        byte[] in = hex("""
                90 6f 0001 00000000 00000009
                bede 0001
                10 b0             // id 1 (level)
                4f                // id 4 claims 16 bytes: past the block
                00
                f8
                """);
        HeaderExtensionMap map = HeaderExtensionMap.of(CHROMIUM, AIORTC, null);
        assertThat(rewrite(in, map, 111, 1, 2)).isEqualTo(hex("""
                90 6f 0001 00000000 00000002
                bede 0001
                20 b0 0000
                f8
                """));
    }

    /** Chromium's Opus RED: one redundant block (the previous frame) and the primary, with level and RTP padding. */
    private static final byte[] RED = hex("""
            b0                  // V=2 P=1 X=1 CC=0
            3f                  // M=0 PT=63 (RED)
            0002                // sequence
            000003c0            // timestamp 960 (the primary's)
            deadbeef            // SSRC
            bede 0001           // one-byte profile, 1 word
            10 b0 0000          // id 1 (level), padding
            ef                  // F=1 block PT=111
            0f00                // timestamp offset 960 (14 bits) ...
            02                  // ... and block length 2 (10 bits): 0x0f0002 -> offset 960 << 10 | 2
            6f                  // F=0 primary PT=111
            aaaa                // redundant block: the previous frame
            bbbbbb              // primary block: this frame
            0002                // RTP padding, count 2
            """);

    @Test
    void redPassesToAPlayerThatNegotiatedItWithItsPayloadTypes() {
        HeaderExtensionMap map = HeaderExtensionMap.of(CHROMIUM, AIORTC, null);
        // Publisher: Opus 111, RED 63. Player: Opus 109, RED 100.
        assertThat(rewrite(RED, map, new PlayerRewrite.PayloadTypes(111, 63, 109, 100), 5, 6)).isEqualTo(hex("""
                b0 64 0005 000003c0 00000006     // PT=100 (the player's RED)
                bede 0001 20 b0 0000             // the level under aiortc's id 2
                ed 0f00 02                       // F=1 block PT=109 (the player's Opus)
                6d                               // F=0 primary PT=109
                aaaa bbbbbb                      // blocks unchanged
                0002                             // padding unchanged
                """));
    }

    @Test
    void redIsStrippedToItsPrimaryBlockForAPlayerThatDidNot() {
        HeaderExtensionMap map = HeaderExtensionMap.of(CHROMIUM, AIORTC, null);
        assertThat(rewrite(RED, map, new PlayerRewrite.PayloadTypes(111, 63, 109, -1), 5, 6)).isEqualTo(hex("""
                90 6d 0005 000003c0 00000006     // P cleared, PT=109 (plain Opus); the primary's timestamp
                bede 0001 20 b0 0000
                bbbbbb                           // the primary block only, no padding
                """));
        // A RED packet with no redundancy (the primary header alone) strips too.
        byte[] bare = hex("80 3f 0001 00000000 00000009 6f cccc");
        assertThat(rewrite(bare, HeaderExtensionMap.NONE, new PlayerRewrite.PayloadTypes(111, 63, 111, -1), 1, 2))
                .isEqualTo(hex("80 6f 0001 00000000 00000002 cccc"));
        // Plain Opus from a RED publisher stays plain for either player.
        byte[] opus = hex("80 6f 0001 00000000 00000009 dddd");
        assertThat(rewrite(opus, HeaderExtensionMap.NONE, new PlayerRewrite.PayloadTypes(111, 63, 109, 100), 1, 2))
                .isEqualTo(hex("80 6d 0001 00000000 00000002 dddd"));
    }

    @Test
    void redWhoseBlocksDoNotFitItsPayloadIsRefused() {
        PlayerRewrite.PayloadTypes types = new PlayerRewrite.PayloadTypes(111, 63, 111, -1);
        for (String payload : new String[] {"", "ef0f", "ef0f00ff 6f aa", "ef0f0002"}) {
            ByteBuf in = Unpooled.wrappedBuffer(hex("80 3f 0001 00000000 00000009" + payload));
            try {
                assertThat(view.wrap(in)).isEqualTo(RtpPacket.Status.OK);
                assertThat(PlayerRewrite.length(view, HeaderExtensionMap.NONE, types)).as(payload).isEqualTo(-1);
            } finally {
                in.release();
            }
        }
    }

    private byte[] rewrite(byte[] packet, HeaderExtensionMap map, int pt, int seq, long ssrc) {
        return rewrite(packet, map, new PlayerRewrite.PayloadTypes(111, -1, pt, -1), seq, ssrc);
    }

    private byte[] rewrite(byte[] packet, HeaderExtensionMap map, PlayerRewrite.PayloadTypes types, int seq, long ssrc) {
        ByteBuf in = Unpooled.wrappedBuffer(packet);
        ByteBuf out = Unpooled.buffer();
        try {
            assertThat(view.wrap(in)).isEqualTo(RtpPacket.Status.OK);
            int expected = PlayerRewrite.length(view, map, types);
            PlayerRewrite.write(view, map, types, seq, ssrc, out);
            assertThat(out.readableBytes()).as("length() measured what write() wrote").isEqualTo(expected);
            assertThat(view.wrap(out)).as("the copy is valid RTP").isEqualTo(RtpPacket.Status.OK);
            return ByteBufUtil.getBytes(out);
        } finally {
            in.release();
            out.release();
        }
    }

    /** Hex digits; whitespace and {@code //} comments ignored. */
    static byte[] hex(String text) {
        StringBuilder digits = new StringBuilder();
        for (String line : text.split("\n")) {
            int comment = line.indexOf("//");
            digits.append((comment >= 0 ? line.substring(0, comment) : line).replaceAll("\\s+", ""));
        }
        return ByteBufUtil.decodeHexDump(digits);
    }
}
