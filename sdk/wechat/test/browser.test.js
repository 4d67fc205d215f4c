'use strict';
// A browser (headless Chromium with the server's /parley.js, WebRTC) and a mini-program user (parley-wx.js, RTMP
// through the ffmpeg stand-in) in one room: the browser hears the mini-program's 440 Hz, the mini-program hears
// the browser's 880 Hz fake microphone. Skipped without chromium (required in CI: PARLEY_BROWSER_TESTS_REQUIRED)
// and while the server does not answer rtmp/flv URLs.
const {test, before, after} = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const {startServer, token, hasTransports, NO_TRANSPORTS, APP_ID} = require('./helpers/server');
const {miniUser} = require('./helpers/user');
const {until} = require('./helpers/wait');
const {toneRatio} = require('./helpers/tone');
const {PCM_RATE} = require('./helpers/wx-standin');
const {findChromium, launch, toneWav} = require('./helpers/chromium');

const MEDIA_MS = 40000;
let server;
let browser;
let skip = null;
const cleanups = [];

before(async () => {
  const chromium = findChromium();
  if (!chromium) {
    skip = 'no chromium (bash .ci/browser-setup.sh installs it)';
    if (process.env.PARLEY_BROWSER_TESTS_REQUIRED === 'true') throw new Error(skip);
    return;
  }
  server = await startServer();
  if (!(await hasTransports(server))) {
    skip = NO_TRANSPORTS;
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-wx-browser-'));
  browser = await launch(chromium, toneWav(dir, 880));
});

after(async () => {
  for (const c of cleanups.reverse()) {
    try { await c(); } catch (e) { /* best effort */ }
  }
  if (browser) await browser.close();
  if (server) await server.stop();
});

// Runs in the page: the web SDK joins, publishes the fake microphone, and plays a stream into an analyser.
const PAGE_SETUP = module.exports.PAGE_SETUP = `(async (appID, ws, room, token) => {
  const T = window.T = {events: []};
  const zg = T.zg = new ParleyEngine(appID, ws);
  ['roomStreamUpdate', 'playerStateUpdate', 'publisherStateUpdate', 'roomStateChanged'].forEach((ev) =>
    zg.on(ev, (...a) => T.events.push([ev, JSON.parse(JSON.stringify(a))])));
  if (!(await zg.loginRoom(room, token, {userID: 'web', userName: 'Web'}, {userUpdate: true}))) throw new Error('web login failed');
  T.local = await zg.createStream({camera: {audio: true, video: false}});
  await zg.startPublishingStream('web-mic', T.local);
  T.play = async (id) => {
    const s = await zg.startPlayingStream(id);
    const a = document.createElement('audio');
    a.autoplay = true; a.srcObject = s; document.body.appendChild(a);   // Chromium decodes remote audio only with a sink
    const ac = T.ac = new AudioContext();
    await ac.resume();
    const an = T.an = ac.createAnalyser();
    an.fftSize = 8192;
    ac.createMediaStreamSource(s).connect(an);
    return true;
  };
  // dB of the tone above the loudest of its neighbours
  T.toneDb = (hz) => {
    if (!T.an) return -999;
    const d = new Float32Array(T.an.frequencyBinCount);
    T.an.getFloatFrequencyData(d);
    const at = (f) => { const b = Math.round(f * T.an.fftSize / T.ac.sampleRate); return Math.max(d[b - 1], d[b], d[b + 1]); };
    return at(hz) - Math.max(at(hz * 0.63), at(hz * 0.8), at(hz * 1.25), at(hz * 1.6));
  };
  return true;
})`;

test('a browser with parley.js hears the mini-program user and is heard by it', async (t) => {
  if (skip) return t.skip(skip);
  const room = 'r-browser';
  const page = await browser.page(server.http + '/parley.js');
  const sdk = fs.readFileSync(path.join(__dirname, '..', '..', 'web', 'src', 'parley.js'), 'utf8');
  await page.eval(sdk);
  await page.eval(PAGE_SETUP + '(' + JSON.stringify(APP_ID) + ',' + JSON.stringify(server.ws) + ',' + JSON.stringify(room) + ','
    + JSON.stringify(token('web')) + ')');

  const wx = miniUser(server.ws, 'wxweb', {toneHz: 440});
  cleanups.push(() => { wx.shutdown(); return wx.zg.destroyEngine(); });
  wx.zg.on('roomStreamUpdate', (r, type, list) => {
    for (const s of list) if (type === 'ADD') wx.zg.getPlayerInstance(s.streamID).play().catch(() => {});
  });
  assert.equal(await wx.zg.loginRoom(room, token('wxweb'), {userID: 'wxweb'}, {userUpdate: true}), true);
  wx.zg.createPusher({enableCamera: false});
  await wx.zg.getPusherInstance().start('wxweb-mic');

  // the mini-program hears the browser (WebRTC Opus -> AAC over RTMP)
  await until('the mini-program to hear the browser\'s 880 Hz', MEDIA_MS, () => {
    const p = wx.wx.player('web-mic');
    return p && p.playing && toneRatio(p.pcm, PCM_RATE, 880) > 20;
  });
  // the browser hears the mini-program (RTMP AAC -> Opus over WebRTC)
  await until('the browser to see the mini-program\'s stream', MEDIA_MS,
    () => page.eval('T.events.some((e) => e[0] === "roomStreamUpdate" && e[1][1] === "ADD" && e[1][2].some((s) => s.streamID === "wxweb-mic"))'));
  assert.equal(await page.eval('T.play("wxweb-mic")'), true);
  await until('the browser to hear the mini-program\'s 440 Hz', MEDIA_MS, async () => (await page.eval('T.toneDb(440)')) > 20);
  // both sides saw the other's stream with ZEGO's payload
  const webAdd = await page.eval('T.events.find((e) => e[0] === "roomStreamUpdate" && e[1][2].some((s) => s.streamID === "wxweb-mic"))[1]');
  assert.deepEqual([webAdd[0], webAdd[1], webAdd[2][0].user.userID], [room, 'ADD', 'wxweb']);
  await page.eval('T.zg.logoutRoom()');
});
