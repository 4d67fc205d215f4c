'use strict';
// parley-wx.js against the real Parley server: token renewal, room and stream extra info, messages, the online count
// and microphone mute states, with ZEGO's payloads (PROTOCOL.md "Tokens over time", "Extra info and messages").
const {test, before, after} = require('node:test');
const assert = require('node:assert/strict');
const {startServer, token} = require('./helpers/server');
const {miniUser} = require('./helpers/user');
const {rawClient} = require('./helpers/raw');
const {until} = require('./helpers/wait');

let server;
const cleanups = [];

before(async () => {
  // tokenWillExpire 30 s before expiry (the default), so a 20 s token is warned about at once.
  server = await startServer();
});

after(async () => {
  for (const c of cleanups) {
    try { await c(); } catch (e) { /* best effort */ }
  }
  if (server) await server.stop();
});

function user(name) {
  const u = miniUser(server.ws, name);
  cleanups.push(() => { u.shutdown(); return u.zg.destroyEngine(); });
  return u;
}

async function raw(room, userID) {
  const c = await rawClient(server.ws);
  cleanups.push(() => c.close());
  const r = await c.request('loginRoom', {appID: 1234567, roomID: room, token: token(userID), user: {userID, userName: userID},
    config: {userUpdate: true}});
  assert.equal(r.code, 0, r.message);
  return c;
}

test('extra info, messages and the online count between a mini-program and a peer', async () => {
  const bob = await raw('wx-feat', 'bob');
  const a = user('alice');
  assert.equal(await a.zg.loginRoom('wx-feat', token('alice'), {userID: 'alice', userName: 'Alice'}, {userUpdate: true}), true);
  const count = await a.events.waitFor('roomOnlineUserCountUpdate');
  assert.deepEqual(count.args, ['wx-feat', 2]);

  const set = await a.zg.setRoomExtraInfo('wx-feat', 'topic', 'music');
  assert.equal(set.errorCode, 0, set.extendedData);
  const info = await bob.waitPush('roomExtraInfoUpdate');
  assert.equal(info.data.roomExtraInfoList[0].value, 'music');
  assert.equal(info.data.roomExtraInfoList[0].updateUser.userID, 'alice');
  const tooLong = await a.zg.setRoomExtraInfo('wx-feat', 'topic', 'v'.repeat(129));
  assert.equal(tooLong.errorCode, 1002016);
  assert.match(tooLong.extendedData, /129 bytes/);

  await bob.request('setRoomExtraInfo', {key: 'topic', value: 'jazz'});
  const update = await a.events.waitFor('roomExtraInfoUpdate', (room, list) => list[0].value === 'jazz');
  assert.equal(update.args[1][0].updateUser.userID, 'bob');

  const sent = await a.zg.sendBroadcastMessage('wx-feat', 'hello');
  assert.equal(sent.errorCode, 0);
  assert.equal(typeof sent.messageID, 'number');
  const got = await bob.waitPush('IMRecvBroadcastMessage');
  assert.equal(got.data.messageList[0].messageID, sent.messageID);
  assert.equal(got.data.messageList[0].fromUser.userID, 'alice');

  await bob.request('sendBarrageMessage', {message: '666'});
  const barrage = await a.events.waitFor('IMRecvBarrageMessage');
  assert.equal(barrage.args[1][0].message, '666');
  assert.equal(typeof barrage.args[1][0].messageID, 'string');

  const cmd = await a.zg.sendCustomCommand('wx-feat', 'ping', ['bob', 'ghost']);
  assert.deepEqual(cmd.failUserList, [{userID: 'ghost', errorCode: 1009010}]);
  const c = await bob.waitPush('IMRecvCustomCommand');
  assert.equal(c.data.command, 'ping');
  await bob.request('sendCustomCommand', {command: 'pong', toUserIDs: []});
  const back = await a.events.waitFor('IMRecvCustomCommand');
  assert.deepEqual([back.args[1].userID, back.args[2]], ['bob', 'pong']);

  const wrongRoom = await a.zg.sendBroadcastMessage('elsewhere', 'x');
  assert.equal(wrongRoom.errorCode, 1002002);
  assert.equal(a.events.all('IMRecvBroadcastMessage').length, 0);
});

test('a stream\'s extraInfo and microphone mute reach the players; a renewed token is checked by the server', async () => {
  const a = user('carol');
  const shortToken = token('carol', {ttl: 3});
  const expiresAt = (Math.floor(Date.now() / 1000) + 3) * 1000;
  assert.equal(await a.zg.loginRoom('wx-mute', shortToken, {userID: 'carol'}, {userUpdate: true}), true);
  // Within the server's 30 s lead: warned at once; one tokenWillExpire for this token whoever (server, SDK) warns first.
  await a.events.waitFor('tokenWillExpire');
  assert.equal(a.zg.renewToken(token('carol')), true);
  // Past the first token's expiry a publish works only if the server took the renewed token (else 1102018).
  await until('the first token to expire', 10000, () => Date.now() > expiresAt + 300);
  const dave = await raw('wx-mute', 'dave');
  const pub = await a.zg._request('startPublishing', {streamID: 'carol-mic', extraInfo: 'seat-1'});
  assert.equal(pub.streamID, 'carol-mic');
  const play = await dave.request('startPlaying', {streamID: 'carol-mic', transport: 'flv'});
  assert.equal(play.code, 0, play.message);

  const muted = await a.zg.mutePublishStreamAudio('carol-mic', true);
  assert.equal(muted.errorCode, 0, muted.extendedData);
  const mic = await dave.waitPush('remoteMicStatusUpdate');
  assert.deepEqual(mic.data, {roomID: 'wx-mute', streamID: 'carol-mic', status: 'MUTE'});
  const extra = await a.zg.setStreamExtraInfo('carol-mic', 'seat-2');
  assert.equal(extra.errorCode, 0);
  const upd = await dave.waitPush('streamExtraInfoUpdate');
  assert.equal(upd.data.streamList[0].extraInfo, 'seat-2');
  const notMine = await a.zg.mutePublishStreamAudio('dave-mic', true);
  assert.equal(notMine.errorCode, 1103055);
  await until('one tokenWillExpire', 2000, () => a.events.all('tokenWillExpire').length === 1);
});
