'use strict';
// parley.js (both builds) against the real Parley server (the built jar): rooms, users, streams, URL transports,
// refusals, kick-out, heartbeats. No WebRTC in node: the server's Chromium tests (server/src/test/java/io/parley/
// server/browser) and sdk/wechat's browser test run this same file with media.
const {test, before, after} = require('node:test');
const assert = require('node:assert/strict');
const {builds, recorder, rawClient, sent, startServer, token, until, APP_ID} = require('./helpers');
const {tcpProxy} = require('../../wechat/test/helpers/proxy');

let server;
let quick;   // multi-room App, 3 s heartbeat timeout: a session ends while its client is cut off
let sdk;
const cleanups = [];

before(async () => {
  sdk = await builds();
  // heartbeats every second, so that the test sees a few
  [server, quick] = await Promise.all([startServer({PARLEY_SESSION_HEARTBEAT_INTERVAL: '1s'}),
    startServer({PARLEY_SESSION_HEARTBEAT_INTERVAL: '1s', PARLEY_SESSION_HEARTBEAT_TIMEOUT: '3s',
      ['PARLEY_APP_' + APP_ID + '_MULTI_ROOM']: 'true'})]);
});

after(async () => {
  for (const c of cleanups.reverse()) {
    try { await c(); } catch (e) { /* best effort */ }
  }
  if (server) await server.stop();
  if (quick) await quick.stop();
});

function engine(build) {
  const {ParleyEngine} = sdk[build];
  const zg = new ParleyEngine(APP_ID, server.ws);
  const events = recorder(zg, ParleyEngine.EVENTS);
  cleanups.push(() => zg.logoutRoom());
  return {zg, events, ParleyEngine};
}

async function raw(room, userID) {
  const c = await rawClient(server.ws);
  cleanups.push(() => c.close());
  const r = await c.request('loginRoom', {appID: APP_ID, roomID: room, token: token(userID), user: {userID, userName: userID.toUpperCase()},
    config: {userUpdate: true}});
  assert.equal(r.code, 0, r.message);
  return c;
}

for (const build of ['umd', 'esm']) {
  const r = (name) => build + '-' + name;   // rooms and users of each build apart

  test(build + ': loginRoom: LOGINING then LOGINED, the users and streams already there, heartbeats at the server\'s interval', async () => {
    const bob = await raw(r('login'), r('bob'));
    assert.equal((await bob.request('startPublishing', {streamID: r('bob-mic'), extraInfo: 'hi'})).code, 0);
    const {zg, events} = engine(build);
    assert.equal(await zg.loginRoom(r('login'), token(r('alice')), {userID: r('alice'), userName: 'Alice'}, {userUpdate: true}), true);
    await events.waitFor('roomStateChanged', (room, reason) => reason === 'LOGINED');
    assert.deepEqual(events.all('roomStateChanged').map((e) => e.args), [[r('login'), 'LOGINING', 0, ''], [r('login'), 'LOGINED', 0, '']]);
    const users = await events.waitFor('roomUserUpdate');
    assert.deepEqual(users.args, [r('login'), 'ADD', [{userID: r('bob'), userName: r('bob').toUpperCase()}]]);
    const streams = await events.waitFor('roomStreamUpdate');
    assert.deepEqual(streams.args, [r('login'), 'ADD', [{streamID: r('bob-mic'), user: {userID: r('bob'), userName: r('bob').toUpperCase()}, extraInfo: 'hi'}], '']);
    // bob sees alice with the name she gave
    await bob.waitPush('roomUserUpdate', (d) => d.updateType === 'ADD' && d.userList[0].userName === 'Alice');
    // the server said 1 s (PARLEY_SESSION_HEARTBEAT_INTERVAL): two heartbeats go out and are answered (this engine's:
    // engines of earlier tests are still logged in and beating too)
    const socket = zg._ws;
    const beats = () => sent.filter((m) => m.type === 'heartbeat' && m.socket === socket);
    const before = beats().length;
    await until('two heartbeats', 10000, () => beats().length >= before + 2);
    // each heartbeat acknowledges the highest push seq handled (PROTOCOL.md heartbeat, "Resume after a dropped
    // connection"): LOGINED, the users, the streams (the online count is not numbered)
    const beat = beats().pop().data;
    assert.deepEqual(Object.keys(beat), ['ack']);
    assert.equal(beat.ack, 3, 'ack ' + beat.ack + ' (expected: the three numbered pushes handled)');
  });

  test(build + ': a refused login: resolves false, LOGIN_FAILED once with the server\'s code and message', async () => {
    const {zg, events} = engine(build);
    const bad = token(r('carol'), {secret: 'another-secret-another-secret-00'});
    assert.equal(await zg.loginRoom(r('refused'), bad, {userID: r('carol')}), false);
    const failed = events.all('roomStateChanged', (room, reason) => reason === 'LOGIN_FAILED');
    assert.equal(failed.length, 1, JSON.stringify(failed));
    assert.equal(failed[0].args[2], 1102016);
    assert.match(failed[0].args[3], /signature/i);
    // the engine is free to log in again, with a good token
    assert.equal(await zg.loginRoom(r('refused'), token(r('carol')), {userID: r('carol')}), true);
  });

  test(build + ': roomStreamUpdate ADD and DELETE (with the reason), roomUserUpdate DELETE', async () => {
    const {zg, events} = engine(build);
    assert.equal(await zg.loginRoom(r('streams'), token(r('dave')), {userID: r('dave')}, {userUpdate: true}), true);
    const erin = await raw(r('streams'), r('erin'));
    await events.waitFor('roomUserUpdate', (room, type, list) => type === 'ADD' && list[0].userID === r('erin'));
    assert.equal((await erin.request('startPublishing', {streamID: r('erin-mic'), extraInfo: '{"mic":true}'})).code, 0);
    const add = await events.waitFor('roomStreamUpdate', (room, type) => type === 'ADD');
    assert.deepEqual(add.args[2], [{streamID: r('erin-mic'), user: {userID: r('erin'), userName: r('erin').toUpperCase()}, extraInfo: '{"mic":true}'}]);
    assert.equal((await erin.request('stopPublishing', {streamID: r('erin-mic')})).code, 0);
    const del = await events.waitFor('roomStreamUpdate', (room, type) => type === 'DELETE');
    assert.equal(JSON.parse(del.args[3]).stream_delete_reason[0].code, 1);
    erin.close();
    const gone = await events.waitFor('roomUserUpdate', (room, type) => type === 'DELETE');
    assert.equal(gone.args[2][0].userID, r('erin'));
  });

  test(build + ': URL transports: an RTMP push URL and an HTTP-FLV play URL, their states, stop; refusals reject with the server\'s code', async () => {
    const {zg, events, ParleyEngine} = engine(build);
    assert.equal(await zg.loginRoom(r('urls'), token(r('frank')), {userID: r('frank')}), true);
    const push = await zg.startPublishingUrl(r('frank-obs'), {extraInfo: 'obs'});
    assert.equal(push.streamID, r('frank-obs'));
    assert.match(push.url, new RegExp('^rtmp://127\\.0\\.0\\.1:\\d+/live/' + r('frank-obs') + '\\?key='));
    assert.ok(push.urlExpiresAt > Date.now(), String(push.urlExpiresAt));
    await events.waitFor('publisherStateUpdate', (u) => u.streamID === r('frank-obs') && u.state === 'PUBLISH_REQUESTING');
    await assert.rejects(zg.startPublishingUrl(r('frank-obs')), (e) => e.code === 1103056);

    const grace = await raw(r('urls'), r('grace'));
    assert.equal((await grace.request('startPublishing', {streamID: r('grace-mic')})).code, 0);
    await events.waitFor('roomStreamUpdate', (room, type, list) => type === 'ADD' && list[0].streamID === r('grace-mic'));
    const play = await zg.startPlayingUrl(r('grace-mic'), 'flv');
    assert.match(play.url, new RegExp('^http://127\\.0\\.0\\.1:' + server.port + '/live/' + r('grace-mic') + '\\.flv\\?key='));
    await events.waitFor('playerStateUpdate', (u) => u.streamID === r('grace-mic') && u.state === 'PLAY_REQUESTING');
    await assert.rejects(zg.startPlayingUrl(r('grace-mic'), 'flv'), (e) => e.code === 1104032);
    await assert.rejects(zg.startPlayingUrl(r('nobody-mic'), 'rtmp'), (e) => e.code === 1104039 && /nobody-mic/.test(e.message));
    await assert.rejects(zg.startPlayingUrl(r('grace-mic2'), 'hls'), (e) => e.code === 1100001);

    // the stream ends: the player hears NO_PLAY publisher_stopped
    assert.equal((await grace.request('stopPublishing', {streamID: r('grace-mic')})).code, 0);
    const ended = await events.waitFor('playerStateUpdate', (u) => u.streamID === r('grace-mic') && u.state === 'NO_PLAY');
    assert.equal(JSON.parse(ended.args[0].extendedData).reason, 'publisher_stopped');
    assert.equal(await zg.stopPublishingStream(r('frank-obs')), true);
    assert.equal(await zg.stopPublishingStream(r('frank-obs')), false, 'no longer published');
    assert.equal(ParleyEngine.ERRORS.PARAM, 1100001);
  });

  test(build + ': the same userID logging in elsewhere: KICKOUT 1002050 with the reason; logoutRoom: LOGOUT, peers see DELETE', async () => {
    const first = engine(build);
    const second = engine(build);
    const watcher = await raw(r('kick'), r('watcher'));
    assert.equal(await first.zg.loginRoom(r('kick'), token(r('henry')), {userID: r('henry')}), true);
    assert.equal(await second.zg.loginRoom(r('kick'), token(r('henry')), {userID: r('henry')}), true);
    const kicked = await first.events.waitFor('roomStateChanged', (room, reason) => reason === 'KICKOUT');
    assert.equal(kicked.args[2], 1002050);
    assert.equal(JSON.parse(kicked.args[3]).kickout_reason, 'kicked_multiple_login');
    await assert.rejects(first.zg.startPlayingUrl('x'), (e) => e.code === 1000002);

    await second.zg.logoutRoom();
    assert.deepEqual(second.events.all('roomStateChanged').pop().args, [r('kick'), 'LOGOUT', 0, '']);
    await watcher.waitPush('roomUserUpdate', (d) => d.updateType === 'DELETE' && d.userList[0].userID === r('henry'));
    assert.equal(await second.zg.loginRoom(r('kick'), token(r('henry')), {userID: r('henry')}), true, 'and in again');
  });

  test(build + ': a lost multi-room session whose FIRST room refuses the fresh login: only that room fails, the other is back', async () => {
    const {ParleyEngine} = sdk[build];
    const proxy = await tcpProxy(quick.port);
    cleanups.push(() => proxy.close());
    const rawOn = async (room, userID, config) => {
      const c = await rawClient(quick.ws);
      cleanups.push(() => c.close());
      const res = await c.request('loginRoom', {appID: APP_ID, roomID: room, token: token(userID), user: {userID},
        config: Object.assign({userUpdate: true}, config)});
      assert.equal(res.code, 0, res.message);
      const beat = setInterval(() => c.request('heartbeat'), 1000);   // alive past the 3 s timeout
      cleanups.push(() => clearInterval(beat));
      return c;
    };
    // full: two members at most (its first member says so); open: no limit.
    const holder = await rawOn(r('full'), r('holder'), {maxMemberCount: 2});
    const peer = await rawOn(r('open'), r('peer'));
    const zg = new ParleyEngine(APP_ID, proxy.ws);
    const events = recorder(zg, ParleyEngine.EVENTS);
    cleanups.push(() => zg.logoutRoom());
    assert.equal(zg.enableMultiRoom(true), true);
    const alice = {userID: r('alice')};
    assert.equal(await zg.loginRoom(r('full'), token(alice.userID), alice, {userUpdate: true}), true);
    assert.equal(await zg.loginRoom(r('open'), token(alice.userID), alice, {userUpdate: true}), true);

    // Cut off past the heartbeat timeout: the server ends the session; someone takes alice's place in the full room.
    proxy.refuse(true);
    proxy.cut();
    await events.waitFor('roomStateChanged', (room, reason) => room === r('open') && reason === 'RECONNECTING');
    await holder.waitPush('roomUserUpdate', (d) => d.updateType === 'DELETE' && d.userList[0].userID === alice.userID, 15000);
    await rawOn(r('full'), r('intruder'));
    proxy.refuse(false);

    // The resume is refused (1102001); the fresh login of the first room is refused (1002034 full), the second's is not.
    const back = await events.waitFor('roomStateChanged', (room, reason) => room === r('open') && reason === 'RECONNECTED', 20000);
    assert.deepEqual(back.args, [r('open'), 'RECONNECTED', 0, '{"relogin":1102001}']);
    const failed = events.all('roomStateChanged', (room, reason) => reason === 'RECONNECT_FAILED');
    assert.deepEqual(failed.map((e) => e.args.slice(0, 3)), [[r('full'), 'RECONNECT_FAILED', 1002034]]);
    await peer.waitPush('roomUserUpdate', (d) => d.updateType === 'ADD' && d.userList[0].userID === alice.userID);
    // The engine is in the open room (requests without a roomID mean it), not in the full one.
    const played = await zg.startPlayingUrl(r('nobody'), 'flv').catch((e) => e);
    assert.equal(played.code, 1104039, 'asked in the open room: no such stream there');
    await assert.rejects(zg.startPlayingUrl(r('x'), 'flv', {roomID: r('full')}), (e) => e.code === 1002002);
    await zg.logoutRoom();
    assert.deepEqual(events.all('roomStateChanged').pop().args.slice(0, 2), [r('open'), 'LOGOUT']);
  });
}
