package io.parley.server.rtmp;

import java.net.InetSocketAddress;

/**
 * A peer asks to publish. {@code app} is the RTMP application from connect (the first path segment of the URL,
 * without a query), {@code streamName} the publish name without its query, {@code query} the raw text after the
 * first '?' of the name (or of the app when the name has none; "" when neither has one), {@code tcUrl} as sent.
 * {@code remote} is for logs and rate limits.
 */
public record PublishRequest(String app, String streamName, String query, String tcUrl, InetSocketAddress remote) {}
