'use strict';
// Unit tests of the component flow's logic (URLs through setData, bindstatechange mapping, restarts, URL refresh,
// reconnection restoring the pusher and players), against a scripted server double that answers per PROTOCOL.md
// "RTMP and HTTP-FLV", and fake components whose codes the test chooses. The end-to-end tests (media.test.js)
// do the same against the real server with ffmpeg.
const {test, afterEach} = require('node:test');
const assert = require('node:assert/strict');
const {WebSocketServer} = require('ws');
const {ParleyEngine} = require('../parley-wx.js');
const {WxStandIn, makePage} = require('./helpers/wx-standin');
const {until, recorder} = require('./helpers/wait');

const open = [];
afterEach(async () => {
  while (open.length) await open.pop()();
});

/** A scripted server: answers requests as PROTOCOL.md says; the test can push and inspect. */
async function double(opts) {
  const o = Object.assign({ttlMs: 600000}, opts || {});
  const wss = new WebSocketServer({host: '127.0.0.1', port: 0});
  await new Promise((r) => wss.once('listening', r));
  const srv = {requests: [], sockets: [], keyN: 0, urlExpiresIn: o.ttlMs, url: 'ws://127.0.0.1:' + wss.address().port + '/ws'};
  srv.push = (name, data) => {
    const s = srv.sockets[srv.sockets.length - 1];
    s.send(JSON.stringify({push: name, data}));
  };
  srv.of = (type) => srv.requests.filter((r) => r.type === type);
  wss.on('connection', (ws) => {
    srv.sockets.push(ws);
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString());
      srv.requests.push(m);
      const reply = (code, data, message) => ws.send(JSON.stringify({id: m.id, type: m.type, code, message: message || 'OK', data: data || {}}));
      const key = () => '1234567.k' + (++srv.keyN);
      switch (m.type) {
        case 'loginRoom':
          reply(0, {roomID: m.data.roomID, sessionID: String(srv.sockets.length), heartbeatInterval: 30000, heartbeatTimeout: 90000, tokenExpireTime: 4000000000});
          ws.send(JSON.stringify({push: 'roomStateChanged', data: {roomID: m.data.roomID, reason: 'LOGINED', errorCode: 0, extendedData: ''}}));
          break;
        case 'startPublishing':
          reply(0, {streamID: m.data.streamID, transport: 'rtmp', url: 'rtmp://127.0.0.1:1935/live/' + m.data.streamID + '?key=' + key(),
            urlExpiresAt: Date.now() + srv.urlExpiresIn});
          ws.send(JSON.stringify({push: 'publisherStateUpdate', data: {streamID: m.data.streamID, state: 'PUBLISH_REQUESTING', errorCode: 0, extendedData: ''}}));
          break;
        case 'startPlaying': {
          const t = m.data.transport;
          const url = t === 'flv' ? 'http://127.0.0.1:8080/live/' + m.data.streamID + '.flv?key=' + key()
            : 'rtmp://127.0.0.1:1935/live/' + m.data.streamID + '?key=' + key();
          reply(0, {streamID: m.data.streamID, transport: t, url, urlExpiresAt: Date.now() + srv.urlExpiresIn});
          ws.send(JSON.stringify({push: 'playerStateUpdate', data: {streamID: m.data.streamID, state: 'PLAY_REQUESTING', errorCode: 0, extendedData: ''}}));
          break;
        }
        case 'stopPublishing':
        case 'stopPlaying':
          reply(0, {streamID: m.data.streamID});
          break;
        default:
          reply(0, {});
      }
    });
  });
  open.push(() => new Promise((r) => { for (const s of wss.clients) s.terminate(); wss.close(() => r()); }));
  return srv;
}

/** Fake components: record start/stop/play; the test fires their bindstatechange codes. */
function fakeUser(srv, engineOpts) {
  let zg;
  const page = makePage({
    onPushStateChange(e) { zg.updatePlayerState(e.currentTarget.id, e); },
    onPlayStateChange(e) { zg.updatePlayerState(e.currentTarget.id, e); }
  });
  const calls = [];
  const wx = new WxStandIn({page});
  wx.createLivePusherContext = () => ({
    start(o) { calls.push(['pusher.start', page.data.pusher.url]); if (o && o.success) o.success({}); },
    stop() { calls.push(['pusher.stop']); },
    pause() {}, resume() {}
  });
  wx.createLivePlayerContext = (id) => ({
    play(o) { calls.push(['player.play', id, (page.data.playerList.find((p) => p.id === id) || {}).url]); if (o && o.success) o.success({}); },
    stop() { calls.push(['player.stop', id]); },
    pause() {}, resume() {}, mute() {}
  });
  zg = new ParleyEngine(1234567, srv.url, Object.assign({wx, mediaRetryDelay: 10, reconnectMaxDelay: 50}, engineOpts || {}));
  zg.initContext({wxContext: page, pushAtr: 'pusher', playAtr: 'playerList'});
  const events = recorder(zg, ParleyEngine.EVENTS);
  const code = (id, c) => (page.data.pusher && id === page.data.pusher.id ? page.onPushStateChange : page.onPlayStateChange)({currentTarget: {id}, detail: {code: c, message: 'test'}});
  open.push(() => { wx.shutdown(); return zg.destroyEngine(); });
  return {zg, page, wx, calls, events, code};
}

const pubStates = (u) => u.events.all('publisherStateUpdate').map((e) => [e.args[0].state, e.args[0].errorCode]);
const playStates = (u) => u.events.all('playerStateUpdate').map((e) => [e.args[0].state, e.args[0].errorCode]);

test('pusher.start: the URL goes to data.pusher.url, then the <live-pusher> starts; 1002 -> PUBLISHING once', async () => {
  const srv = await double();
  const u = fakeUser(srv);
  assert.equal(await u.zg.loginRoom('r', 'tok', {userID: 'a'}), true);
  const pusher = u.zg.createPusher({enableCamera: false, mode: 'RTC'});
  assert.equal(u.page.data.pusher.id, 'parley-pusher');
  assert.equal(u.page.data.pusher.url, '');
  const res = await pusher.start('a-mic', {extraInfo: 'x'});
  assert.match(res.url, /^rtmp:\/\/127\.0\.0\.1:1935\/live\/a-mic\?key=/);
  assert.deepEqual(res, {streamID: 'a-mic', url: u.page.data.pusher.url});
  assert.deepEqual(u.calls, [['pusher.start', res.url]]);
  assert.deepEqual(srv.of('startPublishing')[0].data, {streamID: 'a-mic', extraInfo: 'x', transport: 'rtmp'});
  await until('PUBLISH_REQUESTING', 2000, () => pubStates(u).length === 1);
  u.code('parley-pusher', 1001);
  u.code('parley-pusher', 1002);
  srv.push('publisherStateUpdate', {streamID: 'a-mic', state: 'PUBLISHING', errorCode: 0, extendedData: ''});
  await until('server push handled', 2000, () => u.zg.getPusherInstance().state === 'PUBLISHING');
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(pubStates(u), [['PUBLISH_REQUESTING', 0], ['PUBLISHING', 0]]);
  assert.deepEqual(u.events.all('publisherStateUpdate')[1].args[0], {streamID: 'a-mic', state: 'PUBLISHING', errorCode: 0, extendedData: ''});
  await pusher.stop();
  assert.equal(u.page.data.pusher.url, '');
  assert.deepEqual(u.calls.pop(), ['pusher.stop']);
  assert.equal(srv.of('stopPublishing').length, 1);
});

test('player.play: data.playerList gets {id: streamID, url}; 2004 -> PLAYING; flv on request; stop() removes it', async () => {
  const srv = await double();
  const u = fakeUser(srv);
  await u.zg.loginRoom('r', 'tok', {userID: 'a'});
  const res = await u.zg.getPlayerInstance('b-mic').play();
  assert.match(res.url, /^rtmp:\/\/.*\/live\/b-mic\?key=/);
  assert.equal(u.page.data.playerList.length, 1);
  assert.equal(u.page.data.playerList[0].id, 'b-mic');
  assert.equal(u.page.data.playerList[0].url, res.url);
  assert.deepEqual(u.calls, [['player.play', 'b-mic', res.url]]);
  const flv = await u.zg.getPlayerInstance('c-mic').play({transport: 'flv'});
  assert.match(flv.url, /^http:\/\/.*\/live\/c-mic\.flv\?key=/);
  assert.deepEqual(u.page.data.playerList.map((p) => p.id), ['b-mic', 'c-mic']);
  u.code('b-mic', 2001);
  u.code('b-mic', 2004);
  await until('PLAYING', 2000, () => u.events.find('playerStateUpdate', (d) => d.streamID === 'b-mic' && d.state === 'PLAYING'));
  await u.zg.getPlayerInstance('b-mic').stop();
  assert.deepEqual(u.page.data.playerList.map((p) => p.id), ['c-mic']);
  assert.deepEqual(srv.of('stopPlaying').map((r) => r.data.streamID), ['b-mic']);
});

test('a pusher that loses its connection is restarted with its URL; after mediaRetries, NO_PUBLISH 1103028', async () => {
  const srv = await double();
  const u = fakeUser(srv, {mediaRetries: 2});
  await u.zg.loginRoom('r', 'tok', {userID: 'a'});
  const {url} = await u.zg.createPusher().start('a-mic');
  u.code('parley-pusher', 1002);
  u.code('parley-pusher', -1307);
  await until('restart 1', 2000, () => u.calls.filter((c) => c[0] === 'pusher.start').length === 2);
  assert.equal(u.calls[u.calls.length - 1][1], url, 'same URL while the key is valid');
  assert.equal(srv.of('startPublishing').length, 1, 'no new key asked');
  u.code('parley-pusher', 3004);
  await until('restart 2', 2000, () => u.calls.filter((c) => c[0] === 'pusher.start').length === 3);
  u.code('parley-pusher', -1307);
  await until('NO_PUBLISH', 2000, () => u.events.find('publisherStateUpdate', (d) => d.state === 'NO_PUBLISH'));
  const states = pubStates(u);
  assert.deepEqual(states.slice(-1), [['NO_PUBLISH', 1103028]]);
  assert.ok(states.some((s) => s[0] === 'PUBLISH_REQUESTING' && s[1] === 1103028), 'retrying was reported');
  const no = u.events.find('publisherStateUpdate', (d) => d.state === 'NO_PUBLISH').args[0];
  assert.equal(JSON.parse(no.extendedData).wxCode, -1307);
});

test('a device failure (-1302, no microphone) is NO_PUBLISH at once; 1002 resets the retry budget', async () => {
  const srv = await double();
  const u = fakeUser(srv);
  await u.zg.loginRoom('r', 'tok', {userID: 'a'});
  await u.zg.createPusher().start('a-mic');
  u.code('parley-pusher', -1302);
  await until('NO_PUBLISH', 2000, () => u.events.find('publisherStateUpdate', (d) => d.state === 'NO_PUBLISH'));
  assert.equal(u.calls.filter((c) => c[0] === 'pusher.start').length, 1, 'no restart');
  assert.deepEqual(u.calls.pop(), ['pusher.stop']);
});

test('an expired key: the restart asks for a fresh URL and writes it to the page', async () => {
  const srv = await double();
  srv.urlExpiresIn = 1000;   // inside urlRefreshMargin: stale at once
  const u = fakeUser(srv);
  await u.zg.loginRoom('r', 'tok', {userID: 'a'});
  const {url} = await u.zg.createPusher().start('a-mic');
  const playRes = await u.zg.getPlayerInstance('b-mic').play();
  u.code('parley-pusher', -1307);
  u.code('b-mic', -2301);
  await until('both restarted', 3000, () => u.calls.filter((c) => c[0] === 'pusher.start').length === 2
    && u.calls.filter((c) => c[0] === 'player.play').length === 2);
  assert.notEqual(u.page.data.pusher.url, url);
  assert.notEqual(u.page.data.playerList[0].url, playRes.url);
  assert.equal(u.calls.filter((c) => c[0] === 'pusher.start')[1][1], u.page.data.pusher.url);
  assert.deepEqual(srv.requests.map((r) => r.type).filter((t) => t !== 'heartbeat').slice(-4).sort(),
    ['startPlaying', 'startPublishing', 'stopPlaying', 'stopPublishing']);
});

test('the server says rtmp_disconnected: PUBLISH_REQUESTING (retrying) and the pusher restarts, not a final NO_PUBLISH', async () => {
  const srv = await double();
  const u = fakeUser(srv);
  await u.zg.loginRoom('r', 'tok', {userID: 'a'});
  await u.zg.createPusher().start('a-mic');
  u.code('parley-pusher', 1002);
  srv.push('publisherStateUpdate', {streamID: 'a-mic', state: 'NO_PUBLISH', errorCode: 1103028, extendedData: '{"reason":"rtmp_disconnected"}'});
  await until('restart', 2000, () => u.calls.filter((c) => c[0] === 'pusher.start').length === 2);
  assert.equal(u.events.find('publisherStateUpdate', (d) => d.state === 'NO_PUBLISH'), undefined);
  assert.deepEqual(pubStates(u).slice(-1), [['PUBLISH_REQUESTING', 1103028]]);
  u.code('parley-pusher', 1002);
  await until('PUBLISHING again', 2000, () => pubStates(u).slice(-1)[0][0] === 'PUBLISHING');
});

test('the stream ends: NO_PLAY 0 publisher_stopped, the <live-player> stops, the end of its connection is not a failure', async () => {
  const srv = await double();
  const u = fakeUser(srv);
  await u.zg.loginRoom('r', 'tok', {userID: 'a'});
  srv.push('roomStreamUpdate', {roomID: 'r', updateType: 'ADD', streamList: [{streamID: 'b-mic', user: {userID: 'b', userName: 'b'}, extraInfo: ''}], extendedData: ''});
  await u.events.waitFor('roomStreamUpdate');
  await u.zg.getPlayerInstance('b-mic').play();
  u.code('b-mic', 2004);
  u.code('b-mic', 2006);   // the connection ended before the server's word arrived
  srv.push('roomStreamUpdate', {roomID: 'r', updateType: 'DELETE', streamList: [{streamID: 'b-mic', user: {userID: 'b', userName: 'b'}, extraInfo: ''}],
    extendedData: '{"stream_delete_reason":[{"stream_id":"b-mic","code":1,"description":"user_stop_publishing_stream_normal"}]}'});
  srv.push('playerStateUpdate', {streamID: 'b-mic', state: 'NO_PLAY', errorCode: 0, extendedData: '{"reason":"publisher_stopped"}'});
  await until('NO_PLAY', 2000, () => u.events.find('playerStateUpdate', (d) => d.state === 'NO_PLAY'));
  await new Promise((r) => setTimeout(r, 50));   // let a wrongly scheduled restart (10 ms) show itself
  assert.deepEqual(playStates(u).slice(-1), [['NO_PLAY', 0]]);
  assert.equal(u.events.find('playerStateUpdate', (d) => d.state === 'NO_PLAY').args[0].extendedData, '{"reason":"publisher_stopped"}');
  assert.equal(u.calls.filter((c) => c[0] === 'player.play').length, 1, 'not restarted');
  assert.equal(u.page.data.playerList[0].url, '');
  assert.ok(!playStates(u).some((s) => s[1] === 1104028), 'no play failure reported');
  // the stream comes back (a page that did not stop() the player): play() again is a new play
  const again = await u.zg.getPlayerInstance('b-mic').play();
  assert.equal(u.page.data.playerList[0].url, again.url);
  assert.equal(u.calls.filter((c) => c[0] === 'player.play').length, 2);
});

test('bindnetstatus: quality events with ZEGO mini-program stats, merged with the server\'s', async () => {
  const srv = await double();
  const u = fakeUser(srv);
  await u.zg.loginRoom('r', 'tok', {userID: 'a'});
  await u.zg.createPusher().start('a-mic');
  u.zg.updatePlayerNetStatus('parley-pusher', {detail: {info: {videoBitrate: 0, audioBitrate: 63, videoFPS: 0, videoWidth: 0, videoHeight: 0, netSpeed: 70}}});
  const q = u.events.find('publishQualityUpdate');
  assert.equal(q.args[0], 'a-mic');
  assert.deepEqual(q.args[1].audio, {audioBitrate: 63});
  assert.deepEqual(q.args[1].video, {videoBitrate: 0, videoFPS: 0, videoWidth: 0, videoHeight: 0});
  srv.push('publishQualityUpdate', {streamID: 'a-mic', stats: {audioBitrate: 64.2, packets: 47, packetsLost: 0, packetsLostRate: 0, jitter: 0, rtt: -1}});
  const s = await u.events.waitFor('publishQualityUpdate', (id, st) => st.packets === 47);
  assert.deepEqual(s.args[1].audio, {audioBitrate: 64.2});
  assert.equal(s.args[1].rtt, -1);
});

test('native-component flow: startPublishingStream / startPlayingStream resolve {streamID, url}; getNextUrl asks a new key', async () => {
  const srv = await double();
  const u = fakeUser(srv);
  await u.zg.loginRoom('r', 'tok', {userID: 'a'});
  const pub = await u.zg.startPublishingStream('n-mic', {extraInfo: 'e'});
  assert.equal(pub.streamID, 'n-mic');
  assert.match(pub.url, /^rtmp:/);
  const play = await u.zg.startPlayingStream('m-mic', {transport: 'flv'});
  assert.match(play.url, /\.flv\?key=/);
  assert.equal(u.page.data.pusher, undefined, 'the native flow writes nothing to the page');
  u.zg.updatePlayerState('n-mic', {detail: {code: 1002}});
  u.zg.updatePlayerState('m-mic', {detail: {code: 2004}});
  assert.deepEqual(pubStates(u).slice(-1), [['PUBLISHING', 0]]);
  assert.deepEqual(playStates(u).slice(-1), [['PLAYING', 0]]);
  const next = await u.zg.getNextUrl('n-mic');
  assert.notEqual(next, pub.url);
  // a network failure is reported at once (the page restarts its own component)
  u.zg.updatePlayerState('m-mic', {detail: {code: -2301}});
  await until('NO_PLAY', 2000, () => u.events.find('playerStateUpdate', (d) => d.state === 'NO_PLAY'));
  assert.equal(u.events.find('playerStateUpdate', (d) => d.state === 'NO_PLAY').args[0].errorCode, 1104028);
  assert.equal(await u.zg.stopPublishingStream('n-mic'), true);
  assert.equal(await u.zg.stopPlayingStream('m-mic'), true);
});

test('reconnection keeps the page\'s pusher and players: new keys, URLs rewritten, components restarted', async () => {
  const srv = await double();
  const u = fakeUser(srv);
  await u.zg.loginRoom('r', 'tok', {userID: 'a'});
  const {url} = await u.zg.createPusher().start('a-mic');
  const p = await u.zg.getPlayerInstance('b-mic').play();
  u.code('parley-pusher', 1002);
  u.code('b-mic', 2004);
  srv.sockets[0].terminate();
  await u.events.waitFor('roomStateChanged', (r, reason) => reason === 'RECONNECTED', 5000);
  await until('pusher and player restarted', 3000, () => u.calls.filter((c) => c[0] === 'pusher.start').length === 2
    && u.calls.filter((c) => c[0] === 'player.play').length === 2);
  assert.notEqual(u.page.data.pusher.url, url);
  assert.notEqual(u.page.data.playerList[0].url, p.url);
  assert.equal(srv.of('loginRoom').length, 2);
  assert.equal(srv.of('startPublishing').length, 2);
  assert.equal(srv.of('startPlaying').length, 2);
  assert.equal(u.zg.getPusherInstance().streamID, 'a-mic');
  await u.zg.logoutRoom();
  assert.equal(u.page.data.pusher.url, '');
  assert.deepEqual(u.page.data.playerList, []);
});
