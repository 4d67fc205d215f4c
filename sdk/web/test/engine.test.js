'use strict';
// The engine without Parley's server: argument checks, events, and what it does when the other end misbehaves
// (a WebSocket server from the ws package stands in: silent, unreadable, or gone). Both builds, the same behaviour.
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
    assert.equal(zg.on('roomStateUpdate', () => {}), false, 'parley-wx.js has it, parley.js does not');
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
      config: {userUpdate: false, maxMemberCount: 0}});
  });

  test(build + ': the connection dropping while logged in: RECONNECT_FAILED 1000017, pending requests reject', async () => {
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
}
