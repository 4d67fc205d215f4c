package io.parley.client.media;

/** Receives each decrypted RTP packet a {@link Player} gets, on the player's event loop; do not block. */
@FunctionalInterface
public interface PacketListener {
    void onPacket(ReceivedPacket packet);
}
