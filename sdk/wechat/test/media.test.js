'use strict';
// End to end, against the real server with real media: two mini-program users (wx stand-in: ffmpeg pushes a tone
// over RTMP to the URL the SDK wrote to the page, ffmpeg pulls the other's URL and decodes it) talk in one room.
// Skipped, with the reason, while the server does not answer transport rtmp/flv with a URL.
const {test, before, after} = require('node:test');
const assert = require('node:assert/strict');
const {execFileSync} = require('node:child_process');
const {startServer, token, hasTransports, NO_TRANSPORTS} = require('./helpers/server');
const {miniUser} = require('./helpers/user');
const {until} = require('./helpers/wait');
const {toneRatio} = require('./helpers/tone');
const {PCM_RATE} = require('./helpers/wx-standin');

const MEDIA_MS = 30000;
let server;
let skip = null;
const cleanups = [];

function haveFfmpeg() {
  try {
    execFileSync('ffmpeg', ['-hide_banner', '-version'], {stdio: 'ignore'});
    return true;
  } catch (e) {
    return false;
  }
}

before(async () => {
  if (!haveFfmpeg()) {
    skip = 'ffmpeg is not installed (apt-get install ffmpeg; .ci/run installs it)';
    if (process.env.CI) throw new Error(skip);
    return;
  }
  server = await startServer();
  if (!(await hasTransports(server))) skip = NO_TRANSPORTS;
});

after(async () => {
  for (const c of cleanups.reverse()) {
    try { await c(); } catch (e) { /* best effort */ }
  }
  if (server) await server.stop();
});

/** A mini-program user whose page does what the example's call page does: play every stream, stop on DELETE. */
async function caller(name, room, toneHz, opts) {
  const o = opts || {};
  const u = miniUser(server.ws, name, {toneHz, engine: Object.assign({mediaRetryDelay: 200}, o.engine || {})});
  cleanups.push(() => { u.shutdown(); return u.zg.destroyEngine(); });
  u.zg.on('roomStreamUpdate', (roomID, type, list) => {
    for (const s of list) {
      if (type === 'ADD') u.zg.getPlayerInstance(s.streamID).play(o.play).catch(() => {});
      else u.zg.getPlayerInstance(s.streamID).stop();
    }
  });
  assert.equal(await u.zg.loginRoom(room, token(name), {userID: name, userName: name}, {userUpdate: true}), true);
  u.zg.createPusher({mode: 'RTC', enableCamera: false, enableMic: true});
  return u;
}

async function hears(listener, streamID, hz, what) {
  await until(what, MEDIA_MS, () => {
    const p = listener.wx.player(streamID);
    return p && p.playing && toneRatio(p.pcm, PCM_RATE, hz) > 20;
  });
}

test('two mini-program users talk: each one\'s <live-player> decodes the other\'s tone', async (t) => {
  if (skip) return t.skip(skip);
  const a = await caller('wxa', 'r-talk', 440);
  const b = await caller('wxb', 'r-talk', 660, {play: {transport: 'flv'}});
  const ra = await a.zg.getPusherInstance().start('wxa-mic');
  assert.equal(a.page.data.pusher.url, ra.url, 'the URL went to the page');
  assert.match(ra.url, /^rtmp:\/\/127\.0\.0\.1:\d+\/live\/wxa-mic\?key=/);
  await b.zg.getPusherInstance().start('wxb-mic');

  await hears(b, 'wxa-mic', 440, 'b (HTTP-FLV) to hear a\'s 440 Hz');
  await hears(a, 'wxb-mic', 660, 'a (RTMP) to hear b\'s 660 Hz');
  assert.match(b.page.data.playerList[0].url, /^http:\/\/127\.0\.0\.1:\d+\/live\/wxa-mic\.flv\?key=/);

  // the states the page got, as ZEGO's mini-program SDK gives them
  for (const u of [a, b]) {
    const pub = u.events.all('publisherStateUpdate').map((e) => e.args[0].state);
    assert.deepEqual(pub.slice(0, 2), ['PUBLISH_REQUESTING', 'PUBLISHING'], u.name + ' publisher states ' + pub);
    await u.events.waitFor('playerStateUpdate', (d) => d.state === 'PLAYING', MEDIA_MS);
    assert.ok(u.wx.pushers[0].codes.includes(1002));
  }
  const add = a.events.find('roomStreamUpdate', (r, type) => type === 'ADD');
  assert.deepEqual(add.args[2].map((s) => [s.streamID, s.user.userID]), [['wxb-mic', 'wxb']]);
  // publish quality from the server every 3 s
  await a.events.waitFor('publishQualityUpdate', (id, s) => id === 'wxa-mic' && s.audio.audioBitrate > 0, 10000);
});

test('the stream ends: the other page gets DELETE reason 1 and NO_PLAY 0 publisher_stopped, as from the web SDK', async (t) => {
  if (skip) return t.skip(skip);
  const a = await caller('wxc', 'r-end', 440);
  const b = await caller('wxd', 'r-end', 660);
  await a.zg.getPusherInstance().start('wxc-mic');
  await hears(b, 'wxc-mic', 440, 'b to hear a');
  await a.zg.getPusherInstance().stop();
  const del = await b.events.waitFor('roomStreamUpdate', (r, type) => type === 'DELETE', 10000);
  assert.equal(JSON.parse(del.args[3]).stream_delete_reason[0].code, 1);
  const no = await b.events.waitFor('playerStateUpdate', (d) => d.state === 'NO_PLAY', 10000);
  assert.equal(no.args[0].errorCode, 0);
  assert.ok(!b.events.find('playerStateUpdate', (d) => d.errorCode === 1104028), 'no play failure');
  assert.deepEqual(b.page.data.playerList, [], 'the page stopped the player on DELETE');
});

test('a dropped socket, resumed: the pusher and the player keep their URLs and components, the call goes on', async (t) => {
  if (skip) return t.skip(skip);
  const a = await caller('wxe', 'r-drop2', 440);
  const b = await caller('wxf', 'r-drop2', 660);
  const {url} = await a.zg.getPusherInstance().start('wxe-mic');
  await b.zg.getPusherInstance().start('wxf-mic');
  await hears(b, 'wxe-mic', 440, 'b to hear a');
  await hears(a, 'wxf-mic', 660, 'a to hear b');
  const aPlayer = a.wx.player('wxf-mic');
  const aPlayerUrl = aPlayer.url;
  const bPlayer = b.wx.player('wxe-mic');

  a.wx.socket.drop();
  const rec = await a.events.waitFor('roomStateChanged', (r, reason) => reason === 'RECONNECTED', 20000);
  assert.equal(rec.args[3], '', 'resumed');
  assert.equal(a.page.data.pusher.url, url);
  assert.equal(a.wx.pushers.length, 1);
  assert.equal(a.wx.pushers[0].starts, 1, 'the <live-pusher> was not restarted');
  assert.equal(a.wx.player('wxf-mic'), aPlayer);
  assert.equal(aPlayer.starts, 1, 'the <live-player> was not restarted');
  assert.equal(aPlayer.url, aPlayerUrl);
  // the call goes on with the same components: both still hear the other (fresh audio, decoded after the resume)
  aPlayer.pcm = Buffer.alloc(0);
  bPlayer.pcm = Buffer.alloc(0);
  await hears(a, 'wxf-mic', 660, 'a to hear b after the resume');
  await hears(b, 'wxe-mic', 440, 'b to hear a after the resume');
  assert.equal(bPlayer.starts, 1);
});

test('a dropped socket whose session is not resumed (credential refused, 1102016): logged in again, the pusher and the player come back with new URLs', async (t) => {
  if (skip) return t.skip(skip);
  const a = await caller('wxe2', 'r-drop3', 440);
  const b = await caller('wxf2', 'r-drop3', 660);
  const {url} = await a.zg.getPusherInstance().start('wxe2-mic');
  await b.zg.getPusherInstance().start('wxf2-mic');
  await hears(b, 'wxe2-mic', 440, 'b to hear a');
  await hears(a, 'wxf2-mic', 660, 'a to hear b');
  const aPlayerStarts = a.wx.player('wxf2-mic').starts;

  a.zg._resumeToken = 'not-the-credential';   // the seam: the server refuses this resume with 1102016
  a.wx.socket.drop();
  const rec = await a.events.waitFor('roomStateChanged', (r, reason) => reason === 'RECONNECTED', 20000);
  assert.equal(rec.args[3], '{"relogin":1102016}');
  await until('a new pusher URL on the page', 10000, () => a.page.data.pusher.url && a.page.data.pusher.url !== url);
  await until('a\'s player restarted', 10000, () => a.wx.player('wxf2-mic').starts > aPlayerStarts);
  const bOldUrl = b.wx.player('wxe2-mic').url;
  await until('b to play a again, with a new URL', MEDIA_MS, () => {
    const p = b.wx.player('wxe2-mic');
    return p && p.url !== bOldUrl && p.playing && toneRatio(p.pcm, PCM_RATE, 440) > 20;
  });
  await hears(a, 'wxf2-mic', 660, 'a to hear b again');
  assert.equal(a.zg.getPusherInstance().streamID, 'wxe2-mic');
});

test('the pusher\'s connection breaks: the SDK restarts it, the room hears it again', async (t) => {
  if (skip) return t.skip(skip);
  const a = await caller('wxg', 'r-break', 440);
  const b = await caller('wxh', 'r-break', 660);
  await a.zg.getPusherInstance().start('wxg-mic');
  await hears(b, 'wxg-mic', 440, 'b to hear a');
  const ctx = a.wx.pushers[a.wx.pushers.length - 1];
  const starts = ctx.starts;
  ctx.breakConnection();
  await until('the pusher restarted', 10000, () => ctx.starts > starts);
  await a.events.waitFor('publisherStateUpdate', (d) => d.state === 'PUBLISH_REQUESTING' && d.errorCode === 1103028, 10000);
  await until('PUBLISHING again', MEDIA_MS, () => a.events.all('publisherStateUpdate').slice(-1)[0].args[0].state === 'PUBLISHING');
  await until('b to hear a again', MEDIA_MS, () => {
    const p = b.wx.player('wxg-mic');
    return p && p.playing && toneRatio(p.pcm, PCM_RATE, 440) > 20;
  });
  assert.ok(!a.events.find('publisherStateUpdate', (d) => d.state === 'NO_PUBLISH'), 'never NO_PUBLISH');
});
