package io.parley.server.rtmp;

import java.net.InetSocketAddress;

/**
 * A peer asks to play. For RTMP the fields are as in {@link PublishRequest}; for HTTP-FLV ({@code form == FLV})
 * {@code app} is the first path segment of {@code /<app>/<streamName>.flv} and {@code query} the URL's query.
 */
public record PlayRequest(String app, String streamName, String query, Form form, InetSocketAddress remote) {}
