'use strict';
// The engine without Parley's server: argument checks, events, and what it does when the other end misbehaves
// (a WebSocket server from the ws package stands in: silent, unreadable, gone, or keeping the multi-room rules of
// PROTOCOL.md). Both builds, the same behaviour.
const {test, before, after} = require('node:test');
const assert = require('node:assert/strict');
const net = require('node:net');
const {WebSocketServer} = require('ws');
const {builds, recorder} = require('./helpers');

let sdk;
let wss;
let url;
const received = [];
let answer = () => {};   // what the stand-in server does with each request

before(async () => {
  sdk = await builds();
  wss = new WebSocketServer({host: '127.0.0.1', port: 0});
  await new Promise((r) => wss.once('listening', r));
  url = 'ws://127.0.0.1:' + wss.address().port + '/ws';
  wss.on('connection', (ws) => ws.on('message', (d) => {
    const m = JSON.parse(d.toString());
    received.push(m);
    answer(ws, m);
  }));
});

after(() => new Promise((r) => {
  for (const c of wss.clients) c.terminate();
  wss.close(r);
}));

// A stand-in for the server's multi-room rules (PROTOCOL.md "Multi-room"): in several rooms a request that acts in a
// room must name it (1100001), a room the session is not in gets 1002002; stop and setStreamExtraInfo of a stream the
// session does not have get 1103055 / 1104039. `refuseStop` (a code) makes the next stop fail as a server might.
let refuseStop = 0;
function multiRoomServer(ws, m) {
  const st = ws.parley || (ws.parley = {rooms: new Set(), pub: new Map(), play: new Map()});
  const reply = (code, message, data) => ws.send(JSON.stringify({id: m.id, type: m.type, code: code, message: message, data: data || {}}));
  const d = m.data || {};
  if (m.type === 'loginRoom') {
    st.rooms.add(d.roomID);
    return reply(0, 'OK', {heartbeatInterval: 60000});
  }
  if (m.type === 'heartbeat') return reply(0, 'OK');
  let room = d.roomID;
  if (room === undefined) {
    if (st.rooms.size > 1) return reply(1100001, 'roomID: missing (expected: one of the session\'s rooms)');
    room = st.rooms.values().next().value;
  }
  if (!st.rooms.has(room)) return reply(1002002, 'not logged in to room ' + room);
  switch (m.type) {
    case 'logoutRoom':
      st.rooms.delete(room);
      return reply(0, 'OK');
    case 'startPublishing':
      st.pub.set(d.streamID, room);
      return reply(0, 'OK', {streamID: d.streamID, url: 'rtmp://127.0.0.1/live/' + d.streamID, urlExpiresAt: 1});
    case 'startPlaying':
      st.play.set(d.streamID, room);
      return reply(0, 'OK', {streamID: d.streamID, url: 'http://127.0.0.1/live/' + d.streamID + '.flv', urlExpiresAt: 1});
    case 'stopPublishing':
    case 'stopPlaying': {
      const map = m.type === 'stopPublishing' ? st.pub : st.play;
      if (refuseStop) {
        const code = refuseStop;
        refuseStop = 0;
        return reply(code, 'refused by the stand-in');
      }
      if (map.get(d.streamID) !== room) {
        return m.type === 'stopPublishing' ? reply(1103055, 'you do not publish ' + d.streamID) : reply(1104039, 'you do not play ' + d.streamID);
      }
      map.delete(d.streamID);
      return reply(0, 'OK', {streamID: d.streamID});
    }
    case 'setStreamExtraInfo':
      if (st.pub.get(d.streamID) !== room) return reply(1103055, 'you do not publish ' + d.streamID + ' in room ' + room);
      return reply(0, 'OK');
    default:
      return reply(0, 'OK');
  }
}

/** An engine in rooms r1 and r2 (multi-room) on the stand-in; its requests from here on, as the server got them. */
// The multi-room stand-in that also hands out a resume credential (PROTOCOL.md "Resume after a dropped connection"):
// resumeSession gets `resumeAnswer` (0: resumed), a login of a room in `refuseLogin` is refused with 1002034.
let resumeAnswer = 0;
const refuseLogin = new Set();
function resumableServer(ws, m) {
  const reply = (code, message, data) => ws.send(JSON.stringify({id: m.id, type: m.type, code: code, message: message, data: data || {}}));
  if (m.type === 'resumeSession') {
    if (resumeAnswer !== 0) return reply(resumeAnswer, 'resume refused');
    ws.parley = {rooms: new Set(['r1', 'r2']), pub: new Map([['s', 'r2']]), play: new Map()};
    return reply(0, 'OK', {roomID: 'r1', roomIDs: ['r1', 'r2'], sessionID: '7', heartbeatInterval: 60000, heartbeatTimeout: 180000,
      lastSeq: 3, replayed: 0});
  }
  if (m.type === 'loginRoom') {
    if (refuseLogin.has(m.data.roomID)) return reply(1002034, 'room ' + m.data.roomID + ' refused');
    const st = ws.parley || (ws.parley = {rooms: new Set(), pub: new Map(), play: new Map()});
    st.rooms.add(m.data.roomID);
    reply(0, 'OK', {sessionID: '7', resumeToken: 'secret-7', heartbeatInterval: 60000});
    ws.seq = (ws.seq || 0) + 1;
    ws.send(JSON.stringify({push: 'roomStateChanged', seq: ws.seq, data: {roomID: m.data.roomID, reason: 'LOGINED', errorCode: 0}}));
    return;
  }
  return multiRoomServer(ws, m);
}

async function inTwoResumableRooms(ParleyEngine, options) {
  answer = resumableServer;
  resumeAnswer = 0;
  refuseLogin.clear();
  const zg = new ParleyEngine(1, url, Object.assign({requestTimeout: 5000}, options));
  const events = recorder(zg, ParleyEngine.EVENTS);
  assert.equal(zg.enableMultiRoom(true), true);
  assert.equal(await zg.loginRoom('r1', 't', {userID: 'u'}), true);
  assert.equal(await zg.loginRoom('r2', 't2', {userID: 'u'}), true);
  await zg.startPublishingUrl('s', {roomID: 'r2'});
  const from = received.length;
  return {zg, events, requests: (type) => received.slice(from).filter((m) => m.type === type)};
}

const states = (events, reason) => events.all('roomStateChanged', (room, r) => r === reason).map((e) => e.args.slice(0, 3));

async function inTwoRooms(ParleyEngine) {
  answer = multiRoomServer;
  const zg = new ParleyEngine(1, url, {requestTimeout: 5000});
  const events = recorder(zg, ParleyEngine.EVENTS);
  assert.equal(zg.enableMultiRoom(true), true);
  assert.equal(await zg.loginRoom('r1', 't', {userID: 'u'}), true);
  assert.equal(await zg.loginRoom('r2', 't', {userID: 'u'}), true);
  const from = received.length;
  return {zg, events, requests: (type) => received.slice(from).filter((m) => m.type === type)};
}

for (const build of ['umd', 'esm']) {
  test(build + ': the constructor refuses a bad appID or server URL with 1100001', () => {
    const {ParleyEngine} = sdk[build];
    for (const appID of [0, -1, 1.5, '1', null]) {
      assert.throws(() => new ParleyEngine(appID, 'ws://h/ws'), (e) => e.code === 1100001 && /appID/.test(e.message), String(appID));
    }
    for (const server of ['http://h/ws', 'h:8080/ws', '', undefined]) {
      assert.throws(() => new ParleyEngine(1, server), (e) => e.code === 1100001 && /ws:\/\/host:port\/ws/.test(e.message), String(server));
    }
    const zg = new ParleyEngine(1, 'wss://rtc.example.com/ws', {requestTimeout: 1234});
    assert.equal(zg.requestTimeout, 1234);
    assert.deepEqual(zg.rtcConfiguration, {});
  });

  test(build + ': on/off take the known events only; a throwing handler does not stop the others', async () => {
    const {ParleyEngine} = sdk[build];
    const zg = new ParleyEngine(1, url);
    assert.equal(zg.on('roomStateUpdated', () => {}), false, 'not an event');
    assert.equal(zg.on('roomStateUpdate', () => {}), true, 'the legacy room state, as parley-wx.js has it');
    assert.equal(zg.on('roomStateChanged', 'not a function'), false);
    for (const ev of ParleyEngine.EVENTS) assert.equal(zg.on(ev, () => {}), true, ev);
    assert.equal(zg.off('roomUserUpdate'), true);
    assert.equal(zg.off('nope'), false);
    const seen = [];
    const errors = [];
    const consoleError = console.error;
    console.error = (...a) => errors.push(a.join(' '));
    try {
      zg.on('roomStateChanged', () => { throw new Error('app bug'); });
      zg.on('roomStateChanged', (room, reason) => seen.push(reason));
      answer = () => {};   // never answers: the login times out
      zg.requestTimeout = 200;
      assert.equal(await zg.loginRoom('r1', 't', {userID: 'u'}), false);
    } finally {
      console.error = consoleError;
    }
    assert.deepEqual(seen, ['LOGINING', 'LOGIN_FAILED']);
    assert.ok(errors.some((e) => /a roomStateChanged handler threw/.test(e)), errors.join('\n'));
  });

  test(build + ': calls before login reject with 1000002; bad arguments with their codes', async () => {
    const {ParleyEngine} = sdk[build];
    const zg = new ParleyEngine(1, url);
    for (const call of [() => zg.startPublishingStream('s', {}), () => zg.startPublishingUrl('s'),
      () => zg.startPlayingStream('s'), () => zg.startPlayingUrl('s', 'flv')]) {
      await assert.rejects(call(), (e) => e.code === ParleyEngine.ERRORS.NOT_LOGGED_IN && /loginRoom/.test(e.message));
    }
    assert.equal(await zg.stopPublishingStream('s'), false);
    assert.equal(await zg.stopPlayingStream('s'), false);
    assert.equal(await zg.getStats('s'), null);
    await assert.rejects(zg.loginRoom('r', 't', {name: 'no userID'}), (e) => e.code === 1100001 && /userID/.test(e.message));
    await assert.rejects(zg.createStream({camera: {audio: false}}), (e) => e.code === 1100001 && /audio/.test(e.message));
    // node has no getUserMedia, as a page on plain http:// to another host has none
    await assert.rejects(zg.createStream(), (e) => e.code === 1100001 && /getUserMedia is not available/.test(e.message));
    assert.equal(await zg.logoutRoom(), undefined, 'logging out when not in a room does nothing');
  });

  test(build + ': a server that cannot be reached: loginRoom resolves false with LOGIN_FAILED 1002030', async () => {
    const {ParleyEngine} = sdk[build];
    const closed = net.createServer();
    await new Promise((r) => closed.listen(0, '127.0.0.1', r));
    const port = closed.address().port;
    await new Promise((r) => closed.close(r));
    const zg = new ParleyEngine(1, 'ws://127.0.0.1:' + port + '/ws');
    const events = recorder(zg, ParleyEngine.EVENTS);
    assert.equal(await zg.loginRoom('r1', 't', {userID: 'u'}), false);
    const failed = events.find('roomStateChanged', (room, reason) => reason === 'LOGIN_FAILED');
    assert.equal(failed.args[2], ParleyEngine.ERRORS.LOGIN_NETWORK);
    assert.match(failed.args[3], /could not connect/);
    await assert.rejects(zg.startPlayingUrl('s'), (e) => e.code === 1000002, 'not logged in after a failed login');
  });

  test(build + ': a server that never answers: LOGIN_FAILED 1100002 after requestTimeout; an unreadable frame is ignored', async () => {
    const {ParleyEngine} = sdk[build];
    const logged = [];
    const zg = new ParleyEngine(1, url, {requestTimeout: 300, logger: (...a) => logged.push(a)});
    const events = recorder(zg, ParleyEngine.EVENTS);
    answer = (ws) => ws.send('this is not JSON');
    assert.equal(await zg.loginRoom('r1', 't', {userID: 'u'}), false);
    const failed = events.find('roomStateChanged', (room, reason) => reason === 'LOGIN_FAILED');
    assert.deepEqual(failed.args.slice(0, 3), ['r1', 'LOGIN_FAILED', ParleyEngine.ERRORS.TIMEOUT]);
    assert.match(failed.args[3], /loginRoom: no response within 300 ms/);
    assert.ok(logged.some((a) => a[0] === 'unreadable frame'), JSON.stringify(logged));
    const login = received.filter((m) => m.type === 'loginRoom').pop();
    assert.deepEqual(login.data, {appID: 1, roomID: 'r1', token: 't', user: {userID: 'u', userName: 'u'},
      config: {userUpdate: false, maxMemberCount: 0, multiRoom: false}});
  });

  test(build + ': the connection dropping while logged in, no resume credential: RECONNECT_FAILED 1000017, pending requests reject', async () => {
    const {ParleyEngine} = sdk[build];
    const zg = new ParleyEngine(1, url, {requestTimeout: 5000});
    const events = recorder(zg, ParleyEngine.EVENTS);
    answer = (ws, m) => {
      if (m.type === 'loginRoom') ws.send(JSON.stringify({id: m.id, type: m.type, code: 0, message: 'OK', data: {heartbeatInterval: 60000}}));
      else if (m.type === 'startPlaying') ws.terminate();   // no answer: the socket goes
    };
    assert.equal(await zg.loginRoom('r2', 't', {userID: 'u'}), true);
    await assert.rejects(zg.startPlayingUrl('s', 'flv'), (e) => e.code === ParleyEngine.ERRORS.NETWORK && /connection closed/.test(e.message));
    const lost = await events.waitFor('roomStateChanged', (room, reason) => reason === 'RECONNECT_FAILED');
    assert.equal(lost.args[0], 'r2');
    assert.equal(lost.args[2], ParleyEngine.ERRORS.NETWORK);
    await assert.rejects(zg.startPlayingUrl('s'), (e) => e.code === 1000002);
  });
  test(build + ': multi-room URL streams carry their roomID on start and stop; a refused stop keeps the stream', async () => {
    const {ParleyEngine} = sdk[build];
    const {zg, requests} = await inTwoRooms(ParleyEngine);
    const pub = await zg.startPublishingUrl('pub-2', {roomID: 'r2', extraInfo: 'x'});
    assert.equal(pub.url, 'rtmp://127.0.0.1/live/pub-2');
    await zg.startPublishingUrl('pub-1');
    const play = await zg.startPlayingUrl('play-2', 'flv', {roomID: 'r2'});
    assert.equal(play.url, 'http://127.0.0.1/live/play-2.flv');
    await zg.startPlayingUrl('play-1', 'rtmp');
    assert.deepEqual(requests('startPublishing').map((m) => [m.data.streamID, m.data.roomID, m.data.transport]),
      [['pub-2', 'r2', 'rtmp'], ['pub-1', 'r1', 'rtmp']]);
    assert.deepEqual(requests('startPlaying').map((m) => [m.data.streamID, m.data.roomID, m.data.transport]),
      [['play-2', 'r2', 'flv'], ['play-1', 'r1', 'rtmp']]);

    // The server refuses a stop: the stream is still published / played there, so the engine keeps it.
    refuseStop = 1100001;
    assert.equal(await zg.stopPublishingStream('pub-2'), false);
    await assert.rejects(zg.startPublishingUrl('pub-2', {roomID: 'r2'}), (e) => e.code === 1103056, 'still publishing pub-2');
    refuseStop = 1100002;
    assert.equal(await zg.stopPlayingStream('play-2'), false);
    await assert.rejects(zg.startPlayingUrl('play-2', 'flv', {roomID: 'r2'}), (e) => e.code === 1104032, 'still playing play-2');
    // Retried, the stop goes through with the stream's room.
    assert.equal(await zg.stopPublishingStream('pub-2'), true);
    assert.equal(await zg.stopPlayingStream('play-2'), true);
    assert.equal(await zg.stopPublishingStream('pub-1'), true);
    assert.equal(await zg.stopPlayingStream('play-1'), true);
    assert.deepEqual(requests('stopPublishing').map((m) => [m.data.streamID, m.data.roomID]),
      [['pub-2', 'r2'], ['pub-2', 'r2'], ['pub-1', 'r1']]);
    assert.deepEqual(requests('stopPlaying').map((m) => [m.data.streamID, m.data.roomID]),
      [['play-2', 'r2'], ['play-2', 'r2'], ['play-1', 'r1']]);
    assert.equal(await zg.stopPublishingStream('pub-2'), false, 'stopped: no longer known');
    assert.equal(requests('stopPublishing').length, 3, 'nothing sent for a stream the engine no longer has');

    // The server says the session has no such stream: the engine forgets it (a later start is not refused).
    await zg.startPublishingUrl('gone', {roomID: 'r2'});
    await zg.startPlayingUrl('gone', 'flv', {roomID: 'r2'});
    refuseStop = 1103055;
    assert.equal(await zg.stopPublishingStream('gone'), false);
    refuseStop = 1104039;
    assert.equal(await zg.stopPlayingStream('gone'), false);
    await zg.startPublishingUrl('gone', {roomID: 'r2'});
    await zg.startPlayingUrl('gone', 'flv', {roomID: 'r2'});
    await zg.logoutRoom();
  });

  test(build + ': the connection dropping in several rooms, no resume credential: RECONNECT_FAILED for every room', async () => {
    const {ParleyEngine} = sdk[build];
    const {zg, events} = await inTwoRooms(ParleyEngine);
    await zg.startPublishingUrl('s', {roomID: 'r2'});
    for (const c of wss.clients) c.terminate();
    await events.waitFor('roomStateChanged', (room, reason) => room === 'r2' && reason === 'RECONNECT_FAILED');
    const lost = events.all('roomStateChanged', (room, reason) => reason === 'RECONNECT_FAILED');
    assert.deepEqual(lost.map((e) => e.args.slice(0, 3)), [['r1', 'RECONNECT_FAILED', ParleyEngine.ERRORS.NETWORK],
      ['r2', 'RECONNECT_FAILED', ParleyEngine.ERRORS.NETWORK]]);
    assert.equal(await zg.stopPublishingStream('s'), false, 'every stream went with the connection');
    await assert.rejects(zg.startPlayingUrl('s'), (e) => e.code === 1000002);
  });

  test(build + ': a dropped multi-room session is resumed: RECONNECTING, then RECONNECTED, for every room', async () => {
    const {ParleyEngine} = sdk[build];
    const {zg, events, requests} = await inTwoResumableRooms(ParleyEngine);
    for (const c of wss.clients) c.terminate();
    await events.waitFor('roomStateChanged', (room, reason) => room === 'r2' && reason === 'RECONNECTED');
    assert.deepEqual(states(events, 'RECONNECTING'), [['r1', 'RECONNECTING', ParleyEngine.ERRORS.NETWORK],
      ['r2', 'RECONNECTING', ParleyEngine.ERRORS.NETWORK]]);
    assert.deepEqual(states(events, 'RECONNECTED'), [['r1', 'RECONNECTED', 0], ['r2', 'RECONNECTED', 0]]);
    assert.deepEqual(states(events, 'RECONNECT_FAILED'), []);
    assert.deepEqual(events.all('roomStateUpdate', (room, s) => s === 'CONNECTING').map((e) => e.args[0]), ['r1', 'r2', 'r1', 'r2'],
      'the legacy state follows: LOGINING, then RECONNECTING, of each room');
    const resume = requests('resumeSession');
    assert.equal(resume.length, 1);
    assert.deepEqual(resume[0].data, {appID: 1, roomID: 'r1', userID: 'u', sessionID: '7', resumeToken: 'secret-7', lastSeq: 2});
    assert.equal(requests('loginRoom').length, 0, 'resumed: no fresh login');
    assert.equal(await zg.stopPublishingStream('s'), true, 'the stream carried on in r2');
    await zg.logoutRoom();
  });

  test(build + ': a refused resume (1102001) logs in to every room again; a room refused then fails on its own', async () => {
    const {ParleyEngine} = sdk[build];
    const {zg, events, requests} = await inTwoResumableRooms(ParleyEngine);
    resumeAnswer = 1102001;
    refuseLogin.add('r2');
    for (const c of wss.clients) c.terminate();
    await events.waitFor('roomStateChanged', (room, reason) => room === 'r2' && reason === 'RECONNECT_FAILED');
    assert.deepEqual(states(events, 'RECONNECTED'), [['r1', 'RECONNECTED', 0]]);
    assert.equal(events.all('roomStateChanged', (room, r) => r === 'RECONNECTED')[0].args[3], '{"relogin":1102001}');
    assert.deepEqual(states(events, 'RECONNECT_FAILED'), [['r2', 'RECONNECT_FAILED', 1002034]]);
    assert.deepEqual(requests('loginRoom').map((m) => [m.data.roomID, m.data.token, m.data.config.multiRoom]),
      [['r1', 't', true], ['r2', 't2', true]]);
    assert.equal(events.all('roomStateChanged', (room, r) => r === 'LOGINED').length, 2, 'the fresh login\'s LOGINED is not reported again');
    await assert.rejects(zg.startPlayingUrl('p', 'flv', {roomID: 'r2'}), (e) => e.code === 1002002, 'r2 is gone');
    await zg.startPlayingUrl('p', 'flv', {roomID: 'r1'});
    await zg.logoutRoom();
  });

  test(build + ': a refused resume whose FIRST room is refused at the fresh login: that room fails alone, the second goes on', async () => {
    const {ParleyEngine} = sdk[build];
    const {zg, events, requests} = await inTwoResumableRooms(ParleyEngine);
    resumeAnswer = 1102001;
    refuseLogin.add('r1');
    for (const c of wss.clients) c.terminate();
    await events.waitFor('roomStateChanged', (room, reason) => room === 'r2' && reason === 'RECONNECTED');
    assert.deepEqual(states(events, 'RECONNECT_FAILED'), [['r1', 'RECONNECT_FAILED', 1002034]]);
    assert.deepEqual(states(events, 'RECONNECTED'), [['r2', 'RECONNECTED', 0]]);
    assert.equal(events.all('roomStateChanged', (room, r) => r === 'RECONNECTED')[0].args[3], '{"relogin":1102001}');
    assert.deepEqual(requests('loginRoom').map((m) => [m.data.roomID, m.data.token, m.data.config.multiRoom]),
      [['r1', 't', true], ['r2', 't2', true]]);
    // r2 is the session now: requests without a roomID mean it; r1 is gone.
    await assert.rejects(zg.startPlayingUrl('q', 'flv', {roomID: 'r1'}), (e) => e.code === 1002002, 'r1 is gone');
    await zg.startPlayingUrl('p', 'flv');
    assert.equal(requests('startPlaying').pop().data.roomID, 'r2');
    await zg.logoutRoom();
    assert.deepEqual(states(events, 'LOGOUT').map((s) => s[0]), ['r2']);
  });

  test(build + ': a refused resume whose every room is refused at the fresh login: RECONNECT_FAILED for each, with its code', async () => {
    const {ParleyEngine} = sdk[build];
    const {zg, events} = await inTwoResumableRooms(ParleyEngine);
    resumeAnswer = 1102015;
    refuseLogin.add('r1');
    refuseLogin.add('r2');
    for (const c of wss.clients) c.terminate();
    await events.waitFor('roomStateChanged', (room, reason) => room === 'r2' && reason === 'RECONNECT_FAILED');
    assert.deepEqual(states(events, 'RECONNECT_FAILED'), [['r1', 'RECONNECT_FAILED', 1002034], ['r2', 'RECONNECT_FAILED', 1002034]]);
    assert.deepEqual(states(events, 'RECONNECTED'), []);
    await assert.rejects(zg.startPlayingUrl('s'), (e) => e.code === 1000002);
    refuseLogin.clear();
    answer = multiRoomServer;
    assert.equal(await zg.loginRoom('r1', 't', {userID: 'u'}), true, 'a new login after RECONNECT_FAILED');
    await zg.logoutRoom();
  });

  test(build + ': a resume refused as malformed (1100001): RECONNECT_FAILED 1100001 for every room at once, no fresh login', async () => {
    const {ParleyEngine} = sdk[build];
    const {zg, events, requests} = await inTwoResumableRooms(ParleyEngine);
    resumeAnswer = 1100001;
    for (const c of wss.clients) c.terminate();
    await events.waitFor('roomStateChanged', (room, reason) => room === 'r2' && reason === 'RECONNECT_FAILED');
    assert.deepEqual(states(events, 'RECONNECT_FAILED'), [['r1', 'RECONNECT_FAILED', 1100001], ['r2', 'RECONNECT_FAILED', 1100001]]);
    assert.equal(requests('resumeSession').length, 1, 'asked once: a retry would get the same answer');
    assert.equal(requests('loginRoom').length, 0, 'not logged in again');
    answer = multiRoomServer;
    assert.equal(await zg.loginRoom('r1', 't', {userID: 'u'}), true, 'a new login after RECONNECT_FAILED');
    await zg.logoutRoom();
  });

  test(build + ': no resume within reconnectWindow: RECONNECT_FAILED 1002053 for every room', async () => {
    const {ParleyEngine} = sdk[build];
    const {zg, events} = await inTwoResumableRooms(ParleyEngine, {reconnectWindow: 400});
    resumeAnswer = 1100002;   // not a reason to log in again: retried until the window closes
    for (const c of wss.clients) c.terminate();
    await events.waitFor('roomStateChanged', (room, reason) => room === 'r2' && reason === 'RECONNECT_FAILED');
    assert.deepEqual(states(events, 'RECONNECT_FAILED'), [['r1', 'RECONNECT_FAILED', ParleyEngine.ERRORS.RECONNECT_TIMEOUT],
      ['r2', 'RECONNECT_FAILED', ParleyEngine.ERRORS.RECONNECT_TIMEOUT]]);
    assert.equal(await zg.stopPublishingStream('s'), false, 'every stream went with the session');
    await assert.rejects(zg.startPlayingUrl('s'), (e) => e.code === 1000002);
    assert.equal(await zg.loginRoom('r1', 't', {userID: 'u'}), true, 'a new login after RECONNECT_FAILED');
    await zg.logoutRoom();
  });

  test(build + ': logoutRoom of a room the engine is not in (one room): LOGOUT_FAILED 1002002, the room stays', async () => {
    const {ParleyEngine} = sdk[build];
    answer = multiRoomServer;
    const zg = new ParleyEngine(1, url, {requestTimeout: 5000});
    const events = recorder(zg, ParleyEngine.EVENTS);
    assert.equal(await zg.loginRoom('r1', 't', {userID: 'u'}), true);
    const from = received.length;
    assert.equal(await zg.logoutRoom('other'), undefined);
    assert.deepEqual(events.all('roomStateChanged', (room, reason) => reason.startsWith('LOGOUT')).map((e) => e.args.slice(0, 3)),
      [['other', 'LOGOUT_FAILED', 1002002]]);
    assert.equal(received.slice(from).filter((m) => m.type === 'logoutRoom').length, 0, 'nothing sent');
    const urlInfo = await zg.startPlayingUrl('s');   // still logged in to r1, on the same connection
    assert.equal(urlInfo.streamID, 's');
    await zg.logoutRoom('r1');
    assert.deepEqual(events.all('roomStateChanged', (room, reason) => reason === 'LOGOUT').map((e) => e.args.slice(0, 3)),
      [['r1', 'LOGOUT', 0]]);
    const logout = received.slice(from).filter((m) => m.type === 'logoutRoom');
    assert.deepEqual(logout.map((m) => m.data), [{roomID: 'r1'}]);
  });

  test(build + ': setStreamExtraInfo in several rooms names a room: the server\'s 1103055 for a stream not published', async () => {
    const {ParleyEngine} = sdk[build];
    const {zg, requests} = await inTwoRooms(ParleyEngine);
    assert.deepEqual(await zg.setStreamExtraInfo('nobody', 'x'),
      {errorCode: 1103055, extendedData: 'you do not publish nobody in room r1'});
    await zg.startPublishingUrl('mine', {roomID: 'r2'});
    assert.deepEqual(await zg.setStreamExtraInfo('mine', 'y'), {errorCode: 0, extendedData: ''});
    assert.deepEqual(requests('setStreamExtraInfo').map((m) => m.data),
      [{roomID: 'r1', streamID: 'nobody', extraInfo: 'x'}, {roomID: 'r2', streamID: 'mine', extraInfo: 'y'}]);
    await zg.logoutRoom();
  });

  test(build + ': a further login (multi-room) checks user as the first does: 1100001, nothing sent', async () => {
    const {ParleyEngine} = sdk[build];
    const {zg, events, requests} = await inTwoRooms(ParleyEngine);
    for (const user of [undefined, null, {name: 'no userID'}, {userID: 7}]) {
      await assert.rejects(zg.loginRoom('r3', 't', user), (e) => e.code === 1100001 && /userID/.test(e.message), JSON.stringify(user));
    }
    assert.equal(requests('loginRoom').length, 0, 'no login sent');
    assert.equal(events.find('roomStateChanged', (room) => room === 'r3'), undefined, 'no LOGINING for r3');
    assert.equal(await zg.loginRoom('r3', 't', {userID: 'u'}), true, 'the session is untouched');
    await zg.logoutRoom();
  });
}
