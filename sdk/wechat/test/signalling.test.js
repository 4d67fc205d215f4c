'use strict';
// parley-wx.js against the real Parley server (the built jar): rooms, users, streams, refusals, reconnection.
// No media here: the pushes and states a mini-program page sees, with ZEGO's payloads.
const {test, before, after} = require('node:test');
const assert = require('node:assert/strict');
const {startServer, token, hasTransports, NO_TRANSPORTS} = require('./helpers/server');
const {miniUser} = require('./helpers/user');
const {rawClient} = require('./helpers/raw');
const {until} = require('./helpers/wait');

let server;
let transports = false;
const cleanups = [];

before(async () => {
  server = await startServer();
  transports = await hasTransports(server);
});

after(async () => {
  for (const c of cleanups) {
    try { await c(); } catch (e) { /* best effort */ }
  }
  if (server) await server.stop();
});

function user(name, opts) {
  const u = miniUser(server.ws, name, opts);
  cleanups.push(() => { u.shutdown(); return u.zg.destroyEngine(); });
  return u;
}

async function raw() {
  const c = await rawClient(server.ws);
  cleanups.push(() => c.close());
  return c;
}

async function rawLogin(c, room, userID) {
  const r = await c.request('loginRoom', {appID: 1234567, roomID: room, token: token(userID), user: {userID, userName: userID.toUpperCase()},
    config: {userUpdate: true}});
  assert.equal(r.code, 0, r.message);
  return r;
}

test('loginRoom: LOGINING then LOGINED, the legacy roomStateUpdate, and the users already in the room', async () => {
  const bob = await raw();
  await rawLogin(bob, 'r-login', 'bob');
  const a = user('alice');
  const ok = await a.zg.loginRoom('r-login', token('alice'), {userID: 'alice', userName: 'Alice'}, {userUpdate: true});
  assert.equal(ok, true);
  await a.events.waitFor('roomStateChanged', (room, reason) => reason === 'LOGINED');
  const states = a.events.all('roomStateChanged').map((e) => e.args);
  assert.deepEqual(states, [['r-login', 'LOGINING', 0, ''], ['r-login', 'LOGINED', 0, '']]);
  const legacy = a.events.all('roomStateUpdate').map((e) => e.args.slice(0, 3));
  assert.deepEqual(legacy, [['r-login', 'CONNECTING', 0], ['r-login', 'CONNECTED', 0]]);
  const add = await a.events.waitFor('roomUserUpdate');
  assert.deepEqual(add.args, ['r-login', 'ADD', [{userID: 'bob', userName: 'BOB'}]]);
  // bob sees alice come and go with ZEGO's payload
  await bob.waitPush('roomUserUpdate', (d) => d.updateType === 'ADD' && d.userList[0].userID === 'alice');
  await a.zg.logoutRoom();
  await bob.waitPush('roomUserUpdate', (d) => d.updateType === 'DELETE' && d.userList[0].userID === 'alice');
  assert.deepEqual(a.events.all('roomStateChanged').pop().args, ['r-login', 'LOGOUT', 0, '']);
});

test('an expired token: loginRoom resolves false with LOGIN_FAILED 1102018, as the web SDK reports it', async () => {
  const a = user('expired');
  const ok = await a.zg.loginRoom('r-exp', token('expired', {ttl: -10}), {userID: 'expired'});
  assert.equal(ok, false);
  const failed = a.events.all('roomStateChanged', (room, reason) => reason === 'LOGIN_FAILED');
  assert.equal(failed.length, 1, 'LOGIN_FAILED once');
  assert.equal(failed[0].args[2], 1102018);
  assert.equal(a.events.all('roomStateUpdate').pop().args[1], 'DISCONNECTED');
  // and a bad signature is 1102016
  const b = user('forged');
  assert.equal(await b.zg.loginRoom('r-exp', token('forged', {secret: 'ffffffffffffffffffffffffffffffff'}), {userID: 'forged'}), false);
  assert.equal(b.events.find('roomStateChanged', (r, reason) => reason === 'LOGIN_FAILED').args[2], 1102016);
});

test('roomStreamUpdate ADD and DELETE with the streams of the room and stream_delete_reason', async () => {
  const bob = await raw();
  await rawLogin(bob, 'r-streams', 'bob2');
  assert.equal((await bob.request('startPublishing', {streamID: 'bob2-early', extraInfo: '{"mic":true}'})).code, 0);
  const a = user('alice2');
  assert.equal(await a.zg.loginRoom('r-streams', token('alice2'), {userID: 'alice2'}), true);
  const first = await a.events.waitFor('roomStreamUpdate');
  assert.equal(first.args[0], 'r-streams');
  assert.equal(first.args[1], 'ADD');
  assert.deepEqual(first.args[2].map((s) => [s.streamID, s.user.userID, s.extraInfo]), [['bob2-early', 'bob2', '{"mic":true}']]);
  assert.equal((await bob.request('stopPublishing', {streamID: 'bob2-early'})).code, 0);
  const del = await a.events.waitFor('roomStreamUpdate', (room, type) => type === 'DELETE');
  assert.equal(del.args[2][0].streamID, 'bob2-early');
  assert.deepEqual(JSON.parse(del.args[3]).stream_delete_reason,
    [{stream_id: 'bob2-early', code: 1, description: 'user_stop_publishing_stream_normal'}]);
});

test('a duplicate streamID: start() rejects 1003028 and the page gets NO_PUBLISH 1003028, the first publisher undisturbed', async () => {
  const bob = await raw();
  await rawLogin(bob, 'r-dup', 'bob3');
  assert.equal((await bob.request('startPublishing', {streamID: 'dup-mic'})).code, 0);
  const a = user('alice3');
  assert.equal(await a.zg.loginRoom('r-dup', token('alice3'), {userID: 'alice3'}), true);
  a.zg.createPusher({enableCamera: false});
  await assert.rejects(a.zg.getPusherInstance().start('dup-mic'), (e) => e.code === 1003028);
  const st = a.events.find('publisherStateUpdate');
  assert.equal(st.args[0].streamID, 'dup-mic');
  assert.equal(st.args[0].state, 'NO_PUBLISH');
  assert.equal(st.args[0].errorCode, 1003028);
  assert.equal(a.page.data.pusher.url, '', 'no URL written for a refused publish');
  // the native-component flow reports the same
  await assert.rejects(a.zg.startPublishingStream('dup-mic'), (e) => e.code === 1003028);
  assert.equal(bob.pushes.filter((p) => p.push === 'roomStreamUpdate').length, 0, 'bob saw no change');
});

test('not logged in: start() and play() reject 1000002 as the web SDK does', async () => {
  const a = user('alice4a');
  a.zg.createPusher();
  await assert.rejects(a.zg.getPusherInstance().start('x-mic'), (e) => e.code === 1000002);
  await assert.rejects(a.zg.startPlayingStream('x-mic'), (e) => e.code === 1000002);
});

test('a stream that is not in the room: NO_PLAY 1104039, as the web SDK', async (t) => {
  if (!transports) return t.skip(NO_TRANSPORTS);
  const a = user('alice4');
  assert.equal(await a.zg.loginRoom('r-nostream', token('alice4'), {userID: 'alice4'}), true);
  await assert.rejects(a.zg.getPlayerInstance('nobody-mic').play(), (e) => e.code === 1104039);
  const st = a.events.find('playerStateUpdate');
  assert.deepEqual([st.args[0].streamID, st.args[0].state, st.args[0].errorCode], ['nobody-mic', 'NO_PLAY', 1104039]);
  assert.deepEqual(a.page.data.playerList || [], []);
});

test('the same userID logging in elsewhere: KICKOUT 1002050', async () => {
  const a = user('twin');
  assert.equal(await a.zg.loginRoom('r-kick', token('twin'), {userID: 'twin'}), true);
  const other = await raw();
  await rawLogin(other, 'r-kick', 'twin');
  const kick = await a.events.waitFor('roomStateChanged', (r, reason) => reason === 'KICKOUT');
  assert.equal(kick.args[2], 1002050);
  assert.equal(a.events.all('roomStateUpdate').pop().args[1], 'DISCONNECTED');
  // no reconnection after a kick
  assert.equal(a.events.find('roomStateChanged', (r, reason) => reason === 'RECONNECTING'), undefined);
});

test('a dropped socket: RECONNECTING 1000017 then RECONNECTED, only what changed meanwhile is reported', async () => {
  const bob = await raw();
  await rawLogin(bob, 'r-drop', 'bob5');
  const carol = await raw();
  await rawLogin(carol, 'r-drop', 'carol5');
  assert.equal((await carol.request('startPublishing', {streamID: 'carol5-mic'})).code, 0);
  const a = user('alice5');
  assert.equal(await a.zg.loginRoom('r-drop', token('alice5'), {userID: 'alice5'}, {userUpdate: true}), true);
  await a.events.waitFor('roomStreamUpdate');
  await until('alice to know bob and carol', 5000, () => a.events.all('roomUserUpdate').length > 0);
  const socketsBefore = a.wx.sockets.length;

  a.wx.socket.drop();
  await a.events.waitFor('roomStateChanged', (r, reason) => reason === 'RECONNECTING');
  // while alice is away: carol stops publishing and leaves, dave arrives
  await carol.request('logoutRoom', {});
  const dave = await raw();
  await rawLogin(dave, 'r-drop', 'dave5');
  const rec = await a.events.waitFor('roomStateChanged', (r, reason) => reason === 'RECONNECTED', 15000);
  assert.deepEqual(rec.args, ['r-drop', 'RECONNECTED', 0, '']);
  assert.ok(a.wx.sockets.length > socketsBefore, 'a new socket');
  const reasons = a.events.all('roomStateChanged').map((e) => e.args[1]);
  assert.deepEqual(reasons, ['LOGINING', 'LOGINED', 'RECONNECTING', 'RECONNECTED']);
  assert.equal(a.events.find('roomStateChanged', (r, reason) => reason === 'RECONNECTING').args[2], 1000017);
  assert.deepEqual(a.events.all('roomStateUpdate').map((e) => e.args[1]), ['CONNECTING', 'CONNECTED', 'CONNECTING', 'CONNECTED']);
  await a.events.waitFor('roomUserUpdate', (r, type, list) => type === 'ADD' && list[0].userID === 'dave5');
  const users = a.events.all('roomUserUpdate').map((e) => [e.args[1], e.args[2].map((u) => u.userID).sort().join(',')]);
  // (after a re-login that saw both changes, dave's ADD comes before carol's DELETE)
  assert.deepEqual(users[0], ['ADD', 'bob5,carol5']);
  assert.deepEqual(users.slice(1).map(String).sort(), ['ADD,dave5', 'DELETE,carol5']);
  const streams = a.events.all('roomStreamUpdate').map((e) => [e.args[1], e.args[2].map((s) => s.streamID).join(',')]);
  assert.deepEqual(streams, [['ADD', 'carol5-mic'], ['DELETE', 'carol5-mic']]);
  // and the room goes on: bob publishes, alice is told
  assert.equal((await bob.request('startPublishing', {streamID: 'bob5-mic'})).code, 0);
  await a.events.waitFor('roomStreamUpdate', (r, type, list) => type === 'ADD' && list[0].streamID === 'bob5-mic');
});

test('no server within the retry window: RECONNECT_FAILED 1002053', async () => {
  const own = await startServer();
  cleanups.push(() => own.stop());
  const a = miniUser(own.ws, 'lonely', {engine: {reconnectWindow: 1500}});
  cleanups.push(() => a.shutdown());
  assert.equal(await a.zg.loginRoom('r-fail', token('lonely'), {userID: 'lonely'}), true);
  await own.stop();
  await a.events.waitFor('roomStateChanged', (r, reason) => reason === 'RECONNECTING');
  const failed = await a.events.waitFor('roomStateChanged', (r, reason) => reason === 'RECONNECT_FAILED', 10000);
  assert.equal(failed.args[2], 1002053);
  assert.equal(a.events.all('roomStateUpdate').pop().args[1], 'DISCONNECTED');
  // the engine can log in again (to another server) afterwards
  assert.equal(await a.zg.loginRoom('r-fail', token('lonely'), {userID: 'lonely'}).then(() => true), true);
});

test('heartbeat: the SDK sends heartbeat at the interval the server gave', async () => {
  const own = await startServer({PARLEY_SESSION_HEARTBEAT_INTERVAL: '200ms', PARLEY_SESSION_HEARTBEAT_TIMEOUT: '10s'});
  cleanups.push(() => own.stop());
  const a = miniUser(own.ws, 'beat');
  cleanups.push(() => { a.shutdown(); return a.zg.destroyEngine(); });
  assert.equal(await a.zg.loginRoom('r-beat', token('beat'), {userID: 'beat'}), true);
  await until('three heartbeats', 15000, () => a.wx.socket.sent.filter((t) => JSON.parse(t).type === 'heartbeat').length >= 3);
  assert.equal(a.events.find('roomStateChanged', (r, reason) => reason === 'RECONNECTING'), undefined);
});

test('a token that expires after login: start() rejects 1102018 with NO_PUBLISH 1102018, as the web SDK reports it', async (t) => {
  if (!transports) return t.skip(NO_TRANSPORTS);
  const a = user('shortlived');
  const tok = token('shortlived', {ttl: 2});
  const exp = JSON.parse(Buffer.from(tok.split('.')[1], 'base64url').toString()).exp;
  assert.equal(await a.zg.loginRoom('r-short', tok, {userID: 'shortlived'}), true);
  await until('the token to expire', 5000, () => Date.now() > exp * 1000 + 50);
  a.zg.createPusher();
  await assert.rejects(a.zg.getPusherInstance().start('short-mic'), (e) => e.code === 1102018);
  const st = a.events.find('publisherStateUpdate');
  assert.deepEqual([st.args[0].state, st.args[0].errorCode], ['NO_PUBLISH', 1102018]);
});
