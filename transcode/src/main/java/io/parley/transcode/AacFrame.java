package io.parley.transcode;

/**
 * One raw AAC-LC access unit (1024 samples, no ADTS header) for an FLV AAC raw-data tag.
 *
 * @param raw             the AAC frame (FLV tag body after the 2-byte FLV audio header)
 * @param timestampMillis its presentation time in milliseconds, strictly increasing
 */
public record AacFrame(byte[] raw, long timestampMillis) {
}
