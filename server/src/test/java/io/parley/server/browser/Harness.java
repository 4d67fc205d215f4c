package io.parley.server.browser;

/**
 * The page side of the browser tests: {@code window.rig} drives parley.js and records what it saw. Every SDK
 * event lands in {@code rig.events} with its arguments; every frame the page sends on a WebSocket lands in
 * {@code rig.sent}. {@code rig.call(fn)} turns a rejection into a value ({@code {error: {code, message}}}).
 */
final class Harness {
    private Harness() {}

    static final String JS = """
            (() => {
              if (window.rig) return true;
              const sent = [];
              const send = WebSocket.prototype.send;
              WebSocket.prototype.send = function (data) { sent.push(String(data)); return send.call(this, data); };
              const EVENTS = ['roomStateChanged', 'roomUserUpdate', 'roomStreamUpdate', 'publisherStateUpdate',
                'playerStateUpdate', 'publishQualityUpdate', 'playQualityUpdate', 'tokenWillExpire',
                'roomExtraInfoUpdate', 'streamExtraInfoUpdate', 'IMRecvBroadcastMessage', 'IMRecvBarrageMessage',
                'IMRecvCustomCommand', 'roomOnlineUserCountUpdate', 'remoteMicStatusUpdate'];
              window.rig = {
                events: [], sent: sent, zg: null, local: null, audio: null, audios: {}, bundle: false,
                engine(appID, ws) {
                  const zg = new ParleyEngine(appID, ws, {requestTimeout: 10000, bundle: !!this.bundle,
                    logger: (...a) => console.log('parley:', ...a.map((x) => typeof x === 'object' ? JSON.stringify(x) : x))});
                  for (const e of EVENTS) zg.on(e, (...args) => rig.events.push({event: e, args: args}));
                  this.zg = zg;
                  return zg;
                },
                login(appID, ws, room, user, token) {
                  return this.engine(appID, ws).loginRoom(room, token, {userID: user, userName: 'name-' + user}, {userUpdate: true});
                },
                async publish(streamID, extraInfo) {
                  this.local = this.local || await this.zg.createStream({camera: {audio: true, video: false}});
                  return this.zg.startPublishingStream(streamID, this.local, {extraInfo: extraInfo || ''});
                },
                async play(streamID) {
                  const media = await this.zg.startPlayingStream(streamID);
                  // Chromium computes audioLevel/totalAudioEnergy from what it plays out: give the track a sink.
                  const a = document.createElement('audio');
                  a.autoplay = true;
                  a.srcObject = media;
                  document.body.appendChild(a);
                  this.audio = a;
                  this.audios[streamID] = a;
                  return media.getAudioTracks().length;
                },
                /** Publishes a WebAudio oscillator (a pure tone) instead of the fake microphone's beep. */
                async publishTone(streamID, hz) {
                  const ctx = new AudioContext();
                  const osc = ctx.createOscillator();
                  osc.frequency.value = hz;
                  const dest = ctx.createMediaStreamDestination();
                  osc.connect(dest);
                  osc.start();
                  this.toneContext = ctx;
                  return this.zg.startPublishingStream(streamID, dest.stream, {extraInfo: ''});
                },
                /**
                 * The loudest frequency (Hz) of what play(streamID) (or the last play()) receives, averaged over ms
                 * milliseconds.
                 */
                async dominantFrequency(ms, streamID) {
                  const ctx = new AudioContext();
                  const an = ctx.createAnalyser();
                  an.fftSize = 8192;
                  ctx.createMediaStreamSource((streamID ? this.audios[streamID] : this.audio).srcObject).connect(an);
                  const bins = new Float32Array(an.frequencyBinCount);
                  const sum = new Float64Array(an.frequencyBinCount);
                  const end = Date.now() + ms;
                  while (Date.now() < end) {
                    await new Promise((r) => setTimeout(r, 100));
                    an.getFloatFrequencyData(bins);
                    for (let i = 0; i < bins.length; i++) if (isFinite(bins[i])) sum[i] += Math.pow(10, bins[i] / 10);
                  }
                  let best = 1;
                  for (let i = 1; i < sum.length; i++) if (sum[i] > sum[best]) best = i;
                  const hz = best * ctx.sampleRate / an.fftSize;
                  ctx.close();
                  return hz;
                },
                async rtp(streamID, kind, type) {
                  const report = await this.zg.getStats(streamID, kind);
                  if (!report) return null;
                  for (const s of report.values()) {
                    if (s.type === type && (s.kind || s.mediaType) === 'audio') {
                      return {packets: (type === 'inbound-rtp' ? s.packetsReceived : s.packetsSent) || 0,
                              bytes: (type === 'inbound-rtp' ? s.bytesReceived : s.bytesSent) || 0,
                              audioLevel: s.audioLevel || 0, totalAudioEnergy: s.totalAudioEnergy || 0};
                    }
                  }
                  return null;
                },
                async connection(streamID, kind) {
                  const report = await this.zg.getStats(streamID, kind);
                  if (!report) return null;
                  for (const s of report.values()) {
                    if (s.type === 'transport') return {dtlsState: s.dtlsState, iceState: s.iceState || '',
                      selectedCandidatePairId: s.selectedCandidatePairId || ''};
                  }
                  return null;
                },
                eventsOf(name) { return this.events.filter((e) => e.event === name).map((e) => e.args); },
                sentOf(type) { return this.sent.map((s) => JSON.parse(s)).filter((m) => m.type === type); },
                async call(fn) {
                  try { return {ok: await fn()}; } catch (e) { return {error: {code: e.code, message: e.message}}; }
                }
              };
              return true;
            })()
            """;
}
