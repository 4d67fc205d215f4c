package io.parley.server.rtmp;

/** A local listener's place on a stream. Closing it ends the listener ({@link LocalListener#onEnd}). */
public interface LocalSubscription extends AutoCloseable {
    StreamKey key();

    @Override
    void close();
}
