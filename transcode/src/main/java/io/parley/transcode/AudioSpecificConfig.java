package io.parley.transcode;

/**
 * The fields of an MPEG-4 AudioSpecificConfig (ISO 14496-3 1.6.2.1) that the bridge needs: the body of an FLV AAC
 * sequence header (after the 2-byte FLV audio tag header).
 *
 * @param objectType    audio object type (2 = AAC-LC, 5 = SBR/HE-AAC, 29 = PS/HE-AACv2)
 * @param sampleRate    sampling frequency in Hz (the core rate; SBR doubles it at the decoder output)
 * @param channelConfig channel configuration (1 = mono, 2 = stereo)
 */
public record AudioSpecificConfig(int objectType, int sampleRate, int channelConfig) {
    private static final int[] RATES = {
        96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350
    };

    /**
     * Parses and validates an AudioSpecificConfig for this bridge: object type AAC-LC (2) or HE-AAC (5, 29, which the
     * FFmpeg decoder also handles), a known sampling frequency, mono or stereo.
     *
     * @throws TranscodeException if the bytes are not such a config
     */
    public static AudioSpecificConfig parse(byte[] asc) throws TranscodeException {
        if (asc == null || asc.length < 2) {
            throw new TranscodeException("AudioSpecificConfig too short: " + (asc == null ? "null" : asc.length + " bytes"));
        }
        long bits = 0;
        int n = Math.min(asc.length, 7);
        for (int i = 0; i < 7; i++) {
            bits = (bits << 8) | (i < n ? asc[i] & 0xFF : 0);
        }
        int pos = 56;
        int objectType = (int) (bits >>> (pos -= 5)) & 0x1F;
        if (objectType == 31) {
            throw new TranscodeException("AudioSpecificConfig: escaped audio object type not supported");
        }
        int freqIndex = (int) (bits >>> (pos -= 4)) & 0xF;
        int rate;
        if (freqIndex == 15) {
            if (asc.length < 5) {
                throw new TranscodeException("AudioSpecificConfig: explicit frequency truncated");
            }
            rate = (int) (bits >>> (pos -= 24)) & 0xFFFFFF;
        } else if (freqIndex < RATES.length) {
            rate = RATES[freqIndex];
        } else {
            throw new TranscodeException("AudioSpecificConfig: reserved sampling frequency index " + freqIndex);
        }
        int channelConfig = (int) (bits >>> (pos - 4)) & 0xF;
        if (objectType != 2 && objectType != 5 && objectType != 29) {
            throw new TranscodeException("AudioSpecificConfig: audio object type " + objectType + " is not AAC-LC/HE-AAC");
        }
        if (rate < 7350 || rate > 96000) {
            throw new TranscodeException("AudioSpecificConfig: sampling frequency " + rate + " Hz out of range");
        }
        if (channelConfig != 1 && channelConfig != 2) {
            throw new TranscodeException("AudioSpecificConfig: channel configuration " + channelConfig + " (only mono or stereo)");
        }
        return new AudioSpecificConfig(objectType, rate, channelConfig);
    }
}
