'use strict';
// Headless Chromium driven over the DevTools protocol (npm ws, no other dependency), with a fake microphone that
// plays a WAV file: the flags of server/src/test/java/io/parley/server/browser/Chromium.java.
const {spawn, execFileSync} = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const WebSocket = require('ws');
const {until} = require('./wait');

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

function findChromium() {
  if (process.env.PARLEY_CHROMIUM) return fs.existsSync(process.env.PARLEY_CHROMIUM) ? process.env.PARLEY_CHROMIUM : null;
  return CANDIDATES.find((p) => fs.existsSync(p)) || null;
}

/** A mono WAV of a sine tone, made by ffmpeg. */
function toneWav(dir, hz) {
  const file = path.join(dir, 'tone-' + hz + '.wav');
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=' + hz + ':sample_rate=48000',
    '-t', '20', '-ac', '1', file]);
  return file;
}

async function launch(binary, micWav) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-wx-chromium-'));
  const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run', '--no-default-browser-check', '--disable-extensions',
    '--mute-audio', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
    '--use-file-for-fake-audio-capture=' + micWav,
    '--allow-loopback-in-peer-connection', '--autoplay-policy=no-user-gesture-required',
    '--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows',
    '--remote-debugging-port=0', '--user-data-dir=' + profile, 'about:blank'];
  const proc = spawn(binary, args, {stdio: ['ignore', 'ignore', 'pipe']});
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr = (stderr + d.toString()).slice(-4000); });
  let exited = null;
  proc.on('exit', (c, s) => { exited = c === null ? s : c; });
  const portFile = path.join(profile, 'DevToolsActivePort');
  const endpoint = await until('chromium to open DevTools', 30000, () => {
    if (exited !== null) throw Object.assign(new Error('chromium exited with ' + exited + ': ' + stderr), {fatal: true});
    if (!fs.existsSync(portFile)) return null;
    const lines = fs.readFileSync(portFile, 'utf8').split('\n');
    return lines.length >= 2 && lines[1].trim() ? 'ws://127.0.0.1:' + lines[0].trim() + lines[1].trim() : null;
  });
  const ws = new WebSocket(endpoint, {perMessageDeflate: false});
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  let next = 1;
  const pending = new Map();
  ws.on('message', (d) => {
    const m = JSON.parse(d.toString());
    if (m.id && pending.has(m.id)) {
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.error) p.reject(new Error(m.error.message));
      else p.resolve(m.result);
    }
  });
  const call = (method, params, sessionId) => new Promise((resolve, reject) => {
    const id = next++;
    pending.set(id, {resolve, reject});
    ws.send(JSON.stringify(Object.assign({id, method, params: params || {}}, sessionId ? {sessionId} : {})));
  });
  return {
    /** Opens url in a fresh page; resolves {eval(expression)} (awaits promises, returns values). */
    async page(url) {
      const {targetId} = await call('Target.createTarget', {url: 'about:blank'});
      const {sessionId} = await call('Target.attachToTarget', {targetId, flatten: true});
      await call('Runtime.enable', {}, sessionId);
      await call('Page.enable', {}, sessionId);
      await call('Page.navigate', {url}, sessionId);
      const evaluate = async (expression) => {
        const r = await call('Runtime.evaluate', {expression, awaitPromise: true, returnByValue: true}, sessionId);
        if (r.exceptionDetails) {
          throw new Error('page: ' + (r.exceptionDetails.exception ? r.exceptionDetails.exception.description : r.exceptionDetails.text));
        }
        return r.result.value;
      };
      await until('the page to load', 15000, async () => (await evaluate('document.readyState')) === 'complete');
      return {eval: evaluate};
    },
    async close() {
      try { ws.close(); } catch (e) { /* gone */ }
      if (exited === null) proc.kill('SIGKILL');
      await until('chromium to exit', 10000, () => exited !== null);
      fs.rmSync(profile, {recursive: true, force: true});
    }
  };
}

module.exports = {findChromium, launch, toneWav};
