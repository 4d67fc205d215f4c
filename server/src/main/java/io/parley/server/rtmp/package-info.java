/**
 * RTMP and HTTP-FLV edge for WeChat mini-programs ({@code <live-pusher>}, {@code <live-player>}): remux only.
 *
 * <p>Wiring, for the integrator:
 * <pre>{@code
 * RtmpMetrics m = new RtmpMetrics(parleyMetrics.registry());
 * LiveStreams hub = new LiveStreams(m, workers.next(), event -> ...);   // LiveEvent: started/ended/joined/left
 * RtmpServer rtmp = new RtmpServer(cfg, boss, workers, serverChannelType, hub, gate, m).start();
 * new GatewayInitializer(rooms, maxFrame, events, routes, new HttpFlvHandler(cfg, hub, gate, m));
 * // shutdown: hub.closeAll(); rtmp.close();
 * }</pre>
 * Transcoders attach with {@link io.parley.server.rtmp.LiveStreams#openLocalPublisher} (Opus→AAC, for WebRTC
 * streams that mini-programs play) and {@link io.parley.server.rtmp.LiveStreams#subscribeLocal} (AAC→Opus, for
 * streams mini-programs push).
 */
package io.parley.server.rtmp;
