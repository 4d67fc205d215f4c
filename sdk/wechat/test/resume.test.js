'use strict';
// Resume after a dropped connection (PROTOCOL.md), as a mini-program sees it: parley-wx.js talks to the real server
// through a TCP proxy the test controls, which cuts its socket without a close frame, makes the server unreachable,
// or freezes the socket; the other members are bare protocol clients (or mini-program users) connected directly.
const {test, before, after} = require('node:test');
const assert = require('node:assert/strict');
const {execFileSync} = require('node:child_process');
const {startServer, token, hasTransports} = require('./helpers/server');
const {miniUser} = require('./helpers/user');
const {rawClient} = require('./helpers/raw');
const {tcpProxy} = require('./helpers/proxy');
const {until} = require('./helpers/wait');

let server;     // default timings (heartbeat 30 s, timeout 90 s)
let quick;      // heartbeat every 1 s, sessions time out after 4 s, 8 pushes kept for a resume
let media = null;
const cleanups = [];

before(async () => {
  // (messages are sent faster than the default per-user rate allows)
  const rates = {PARLEY_ROOM_BROADCAST_PER_USER_PER_SECOND: '100', PARLEY_ROOM_BROADCAST_PER_ROOM_PER_SECOND: '100'};
  [server, quick] = await Promise.all([startServer(rates), startServer(Object.assign({PARLEY_SESSION_HEARTBEAT_INTERVAL: '1s',
    PARLEY_SESSION_HEARTBEAT_TIMEOUT: '4s', PARLEY_SESSION_REPLAY_BUFFER: '8'}, rates))]);
  try {
    execFileSync('ffmpeg', ['-hide_banner', '-version'], {stdio: 'ignore'});
    media = await hasTransports(server);
  } catch (e) {
    media = false;
  }
});

after(async () => {
  for (const c of cleanups.reverse()) {
    try { await c(); } catch (e) { /* best effort */ }
  }
  await Promise.all([server && server.stop(), quick && quick.stop()]);
});

async function proxyTo(srv) {
  const p = await tcpProxy(srv.port);
  cleanups.push(() => p.close());
  return p;
}

function user(url, name, opts) {
  const u = miniUser(url, name, opts);
  cleanups.push(() => { u.shutdown(); return u.zg.destroyEngine(); });
  return u;
}

async function raw(srv, room, userID) {
  const c = await rawClient(srv.ws);
  cleanups.push(() => c.close());
  const r = await c.request('loginRoom', {appID: 1234567, roomID: room, token: token(userID), user: {userID}, config: {userUpdate: true}});
  assert.equal(r.code, 0, r.message);
  return c;
}

function sentOn(socket, type) {
  return socket.sent.map((t) => JSON.parse(t)).filter((m) => m.type === type);
}

function seqs(socket) {
  return socket.received.map((t) => JSON.parse(t)).filter((m) => typeof m.seq === 'number').map((m) => m.seq);
}

function reasons(u) {
  return u.events.all('roomStateChanged').map((e) => e.args[1]);
}

function messages(u) {
  return [].concat(...u.events.all('IMRecvBroadcastMessage').map((e) => e.args[1].map((m) => m.message)));
}

function aboutUser(c, userID) {
  return c.pushes.filter((p) => p.push === 'roomUserUpdate' && p.data.userList.some((x) => x.userID === userID))
    .map((p) => p.data.updateType);
}

test('a socket cut without a close frame: RECONNECTING, resumed, RECONNECTED; peers see nothing; the pushes sent meanwhile arrive in order, once', async () => {
  const proxy = await proxyTo(server);
  const bob = await raw(server, 'r-resume', 'bob-rs');
  const carol = await raw(server, 'r-resume', 'carol-rs');
  const a = user(proxy.ws, 'alice-rs');
  assert.equal(await a.zg.loginRoom('r-resume', token('alice-rs'), {userID: 'alice-rs'}, {userUpdate: true}), true);
  await a.events.waitFor('roomUserUpdate');
  assert.equal((await bob.request('sendBroadcastMessage', {roomID: 'r-resume', message: 'before'})).code, 0);
  await until('alice to get "before"', 10000, () => messages(a).length === 1);
  const login = JSON.parse(a.wx.socket.received.find((t) => JSON.parse(t).type === 'loginRoom'));
  const oldSocket = a.wx.socket;

  proxy.refuse(true);
  proxy.cut();
  await a.events.waitFor('roomStateChanged', (r, reason) => reason === 'RECONNECTING');
  const handled = Math.max(...seqs(oldSocket));
  // while alice is away: five messages, a new stream, carol leaves, dave comes
  for (let i = 1; i <= 5; i++) {
    assert.equal((await bob.request('sendBroadcastMessage', {roomID: 'r-resume', message: 'm' + i})).code, 0);
  }
  assert.equal((await bob.request('startPublishing', {streamID: 'bob-rs-mic'})).code, 0);
  assert.equal((await carol.request('logoutRoom', {})).code, 0);
  await raw(server, 'r-resume', 'dave-rs');
  proxy.refuse(false);

  const rec = await a.events.waitFor('roomStateChanged', (r, reason) => reason === 'RECONNECTED', 15000);
  assert.deepEqual(rec.args, ['r-resume', 'RECONNECTED', 0, ''], 'resumed, not logged in again');
  assert.deepEqual(reasons(a), ['LOGINING', 'LOGINED', 'RECONNECTING', 'RECONNECTED']);
  assert.equal(a.events.find('roomStateChanged', (r, reason) => reason === 'RECONNECTING').args[2], 1000017);
  assert.deepEqual(a.events.all('roomStateUpdate').map((e) => e.args[1]), ['CONNECTING', 'CONNECTED', 'CONNECTING', 'CONNECTED']);
  // the new socket carried one resumeSession with the login's credential and the last seq handled, and no login
  const resume = sentOn(a.wx.socket, 'resumeSession');
  assert.equal(resume.length, 1);
  assert.deepEqual(resume[0].data, {appID: 1234567, roomID: 'r-resume', userID: 'alice-rs', sessionID: login.data.sessionID,
    resumeToken: login.data.resumeToken, lastSeq: handled});
  assert.equal(sentOn(a.wx.socket, 'loginRoom').length, 0);

  // the pushes missed, in the order they were sent, each once, numbered on from the old socket's
  await until('alice to get m1..m5', 10000, () => messages(a).length >= 6);
  await a.events.waitFor('roomUserUpdate', (r, type, list) => type === 'ADD' && list[0].userID === 'dave-rs');
  assert.deepEqual(messages(a), ['before', 'm1', 'm2', 'm3', 'm4', 'm5']);
  assert.equal(seqs(a.wx.socket)[0], handled + 1);
  assert.deepEqual(a.events.all('roomStreamUpdate').map((e) => [e.args[1], e.args[2].map((s) => s.streamID).join()]),
    [['ADD', 'bob-rs-mic']]);
  assert.deepEqual(a.events.all('roomUserUpdate').map((e) => [e.args[1], e.args[2].map((u) => u.userID).sort().join()]),
    [['ADD', 'bob-rs,carol-rs'], ['DELETE', 'carol-rs'], ['ADD', 'dave-rs']]);
  // the others saw alice come once and never leave
  assert.deepEqual(aboutUser(bob, 'alice-rs'), ['ADD']);

  // a push whose seq was handled is dropped (the seam a late duplicate would come through), a newer one is not
  const last = Math.max(...seqs(a.wx.socket));
  const fake = (seq, message) => a.wx.socket._fire('message', {data: JSON.stringify({seq, push: 'IMRecvBroadcastMessage',
    data: {roomID: 'r-resume', messageList: [{fromUser: {userID: 'bob-rs'}, message, sendTime: 0, messageID: 0}]}})});
  fake(last, 'duplicate');
  fake(handled, 'older duplicate');
  assert.deepEqual(messages(a).slice(6), []);
  // and the room goes on over the new socket
  assert.equal((await bob.request('sendBroadcastMessage', {roomID: 'r-resume', message: 'after'})).code, 0);
  await until('alice to get "after"', 10000, () => messages(a).length === 7);
  assert.deepEqual(messages(a).slice(6), ['after']);
});

test('heartbeats acknowledge the pushes handled; a frozen socket (heartbeat unanswered) is resumed on a new one', async () => {
  const proxy = await proxyTo(quick);
  const bob = user(quick.ws, 'bob-hb');
  assert.equal(await bob.zg.loginRoom('r-frozen', token('bob-hb'), {userID: 'bob-hb'}, {userUpdate: true}), true);
  const a = user(proxy.ws, 'alice-hb', {engine: {requestTimeout: 1500}});
  assert.equal(await a.zg.loginRoom('r-frozen', token('alice-hb'), {userID: 'alice-hb'}, {userUpdate: true}), true);
  await a.events.waitFor('roomUserUpdate');
  const old = a.wx.socket;
  await until('a heartbeat acknowledging the pushes handled', 10000, () =>
    sentOn(old, 'heartbeat').some((m) => m.data.ack === Math.max(...seqs(old))));

  proxy.freeze();
  await a.events.waitFor('roomStateChanged', (r, reason) => reason === 'RECONNECTING', 10000);
  assert.match(a.events.find('roomStateChanged', (r, reason) => reason === 'RECONNECTING').args[3], /heartbeat/);
  const rec = await a.events.waitFor('roomStateChanged', (r, reason) => reason === 'RECONNECTED', 15000);
  assert.equal(rec.args[3], '', 'resumed');
  assert.notEqual(a.wx.socket, old);
  assert.equal(sentOn(a.wx.socket, 'resumeSession').length, 1);
  // bob saw alice come, never leave
  await bob.zg.sendBroadcastMessage('r-frozen', 'still there?');
  await until('alice to hear bob', 10000, () => messages(a).includes('still there?'));
  assert.deepEqual(bob.events.all('roomUserUpdate').map((e) => e.args[1]), ['ADD']);
});

test('a resume after the server-side timeout: 1102001, logged in again, RECONNECTED {"relogin":1102001}; peers saw DELETE then ADD', async () => {
  const proxy = await proxyTo(quick);
  const bob = user(quick.ws, 'bob-to');
  assert.equal(await bob.zg.loginRoom('r-timeout', token('bob-to'), {userID: 'bob-to'}, {userUpdate: true}), true);
  const a = user(proxy.ws, 'alice-to');
  assert.equal(await a.zg.loginRoom('r-timeout', token('alice-to'), {userID: 'alice-to'}, {userUpdate: true}), true);
  await a.events.waitFor('roomUserUpdate');
  await bob.events.waitFor('roomUserUpdate', (r, type, list) => type === 'ADD' && list[0].userID === 'alice-to');

  proxy.refuse(true);
  proxy.cut();
  await a.events.waitFor('roomStateChanged', (r, reason) => reason === 'RECONNECTING');
  // the server gives up on alice (4 s of silence): bob sees her leave
  await bob.events.waitFor('roomUserUpdate', (r, type, list) => type === 'DELETE' && list[0].userID === 'alice-to', 15000);
  proxy.refuse(false);

  const rec = await a.events.waitFor('roomStateChanged', (r, reason) => reason === 'RECONNECTED', 15000);
  assert.deepEqual(rec.args, ['r-timeout', 'RECONNECTED', 0, '{"relogin":1102001}']);
  assert.deepEqual(reasons(a), ['LOGINING', 'LOGINED', 'RECONNECTING', 'RECONNECTED']);
  assert.deepEqual(sentOn(a.wx.socket, 'resumeSession').length, 1);
  assert.deepEqual(sentOn(a.wx.socket, 'loginRoom').length, 1, 'logged in again on the socket the resume was refused on');
  await bob.events.waitFor('roomUserUpdate', (r, type, list) => type === 'ADD' && list[0].userID === 'alice-to'
    && bob.events.all('roomUserUpdate').length === 3);
  assert.deepEqual(bob.events.all('roomUserUpdate').map((e) => e.args[1]), ['ADD', 'DELETE', 'ADD']);
  // alice was told only what changed (bob stayed: no DELETE/ADD of him)
  assert.deepEqual(a.events.all('roomUserUpdate').map((e) => e.args[1]), ['ADD']);
  // the new session works
  await bob.zg.sendBroadcastMessage('r-timeout', 'welcome back');
  await until('alice to hear bob', 10000, () => messages(a).includes('welcome back'));
});

test('more pushes missed than the server keeps: 1102015, logged in again, RECONNECTED {"relogin":1102015}', async () => {
  const proxy = await proxyTo(quick);
  const bob = user(quick.ws, 'bob-gap');
  assert.equal(await bob.zg.loginRoom('r-gap', token('bob-gap'), {userID: 'bob-gap'}, {userUpdate: true}), true);
  const a = user(proxy.ws, 'alice-gap');
  assert.equal(await a.zg.loginRoom('r-gap', token('alice-gap'), {userID: 'alice-gap'}, {userUpdate: true}), true);
  await a.events.waitFor('roomUserUpdate');

  proxy.refuse(true);
  proxy.cut();
  await a.events.waitFor('roomStateChanged', (r, reason) => reason === 'RECONNECTING');
  for (let i = 0; i < 12; i++) {   // more than the 8 kept
    assert.equal((await bob.zg.sendBroadcastMessage('r-gap', 'lost ' + i)).errorCode, 0);
  }
  proxy.refuse(false);
  const rec = await a.events.waitFor('roomStateChanged', (r, reason) => reason === 'RECONNECTED', 15000);
  assert.deepEqual(rec.args, ['r-gap', 'RECONNECTED', 0, '{"relogin":1102015}']);
  assert.deepEqual(messages(a), [], 'no partial replay: the gap is never silent');
  await bob.zg.sendBroadcastMessage('r-gap', 'next');
  await until('alice to hear bob', 10000, () => messages(a).includes('next'));
});

test('the server stays unreachable: RECONNECT_FAILED 1002053 once the retry window has passed', async () => {
  const proxy = await proxyTo(server);
  const a = user(proxy.ws, 'alice-uf', {engine: {reconnectWindow: 1500}});
  assert.equal(await a.zg.loginRoom('r-unreach', token('alice-uf'), {userID: 'alice-uf'}), true);
  await a.events.waitFor('roomStateChanged', (r, reason) => reason === 'LOGINED');
  proxy.refuse(true);
  const acceptedBefore = proxy.accepted;
  proxy.cut();
  const lost = Date.now();
  await a.events.waitFor('roomStateChanged', (r, reason) => reason === 'RECONNECTING');
  const failed = await a.events.waitFor('roomStateChanged', (r, reason) => reason === 'RECONNECT_FAILED', 10000);
  assert.ok(Date.now() - lost >= 1500, 'not before the window');
  assert.equal(failed.args[2], 1002053);
  assert.ok(proxy.accepted - acceptedBefore >= 2, 'retried: ' + (proxy.accepted - acceptedBefore) + ' attempts');
  assert.deepEqual(reasons(a), ['LOGINING', 'LOGINED', 'RECONNECTING', 'RECONNECT_FAILED']);
  assert.equal(a.events.all('roomStateUpdate').pop().args[1], 'DISCONNECTED');
  const attempts = proxy.accepted;
  // nothing more is tried, and a new login works once the server is back
  proxy.refuse(false);
  assert.equal(await a.zg.loginRoom('r-unreach', token('alice-uf'), {userID: 'alice-uf'}), true);
  assert.equal(proxy.accepted, attempts + 1);
});

test('a resumed session keeps its <live-pusher> URL: the pusher is not restarted, and a restart after it still uses the same URL', async (t) => {
  if (!media) return t.skip('needs ffmpeg and a server answering transport rtmp with a url');
  const proxy = await proxyTo(server);
  const bob = await raw(server, 'r-media', 'bob-md');
  const a = user(proxy.ws, 'alice-md', {engine: {mediaRetryDelay: 200}});
  assert.equal(await a.zg.loginRoom('r-media', token('alice-md'), {userID: 'alice-md'}, {userUpdate: true}), true);
  a.zg.createPusher({mode: 'RTC', enableCamera: false});
  const started = await a.zg.getPusherInstance().start('alice-md-mic');
  await a.events.waitFor('publisherStateUpdate', (r) => r.state === 'PUBLISHING', 30000);
  await bob.waitPush('roomStreamUpdate', (d) => d.updateType === 'ADD');

  proxy.cut();
  await a.events.waitFor('roomStateChanged', (r, reason) => reason === 'RECONNECTED', 15000);
  assert.equal(a.events.find('roomStateChanged', (r, reason) => reason === 'RECONNECTED').args[3], '');
  assert.equal(a.page.data.pusher.url, started.url);
  assert.equal(a.wx.pushers[0].starts, 1, 'the <live-pusher> kept pushing');
  assert.equal(sentOn(a.wx.socket, 'startPublishing').length, 0, 'no new URL asked');
  // peers never saw the stream go
  assert.equal(bob.pushes.filter((p) => p.push === 'roomStreamUpdate' && p.data.updateType === 'DELETE').length, 0);
  // the URL still opens the stream: the pusher's connection breaks, the SDK restarts it with the same URL
  const publishing = a.events.all('publisherStateUpdate', (r) => r.state === 'PUBLISHING').length;
  a.wx.pushers[0].breakConnection();
  await until('PUBLISHING again', 30000, () => a.events.all('publisherStateUpdate', (r) => r.state === 'PUBLISHING').length > publishing);
  assert.equal(a.wx.pushers[0].url, started.url);
  assert.equal(a.wx.pushers[0].starts, 2);
});
