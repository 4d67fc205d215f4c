'use strict';
// parley.js (both builds) against the real Parley server (the built jar): rooms, users, streams, URL transports,
// refusals, kick-out, heartbeats. No WebRTC in node: the server's Chromium tests (server/src/test/java/io/parley/
// server/browser) and sdk/wechat's browser test run this same file with media.
const {test, before, after} = require('node:test');
const assert = require('node:assert/strict');
const {builds, recorder, rawClient, sent, startServer, token, until, APP_ID} = require('./helpers');

let server;
let sdk;
const cleanups = [];

before(async () => {
  sdk = await builds();
  // heartbeats every second, so that the test sees a few
  server = await startServer({PARLEY_SESSION_HEARTBEAT_INTERVAL: '1s'});
});

after(async () => {
  for (const c of cleanups.reverse()) {
    try { await c(); } catch (e) { /* best effort */ }
  }
  if (server) await server.stop();
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
    // the server said 1 s (PARLEY_SESSION_HEARTBEAT_INTERVAL): two heartbeats go out and are answered
    const before = sent.filter((m) => m.type === 'heartbeat').length;
    await until('two heartbeats', 10000, () => sent.filter((m) => m.type === 'heartbeat').length >= before + 2);
    // each heartbeat acknowledges the highest push seq handled (PROTOCOL.md heartbeat, "Resume after a dropped connection")
    const beat = sent.filter((m) => m.type === 'heartbeat').pop().data;
    assert.deepEqual(Object.keys(beat), ['ack']);
    assert.ok(Number.isInteger(beat.ack) && beat.ack >= 2, 'ack ' + beat.ack + ' (expected: at least the two pushes handled)');
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
}
