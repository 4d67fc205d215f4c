'use strict';
/*
 * A `wx` for tests only: what a WeChat mini-program gives parley-wx.js, made of real things.
 *  - connectSocket: a real WebSocket (npm ws) to the Parley server the test started.
 *  - createLivePusherContext: start() runs an ffmpeg that pushes a sine tone (AAC in FLV) over RTMP to the URL
 *    that the SDK wrote to the page (data[pushAtr].url), and reports <live-pusher> bindstatechange codes from what
 *    ffmpeg really did: 1001/1002 once it has written to the connection, 3002 when it could not connect, 3004 when
 *    the server refused or closed before it could push, -1307 when the connection ended while pushing.
 *  - createLivePlayerContext: play() runs an ffmpeg that pulls the URL of data[playAtr][i].url (RTMP or HTTP-FLV)
 *    and decodes it to s16le mono 16 kHz; codes 2001 (connected), 2002 (stream info read), 2004 (first audio
 *    decoded), 2006 (the stream ended cleanly), -2301 (failed or broke).
 * The events reach the page's handlers as the components' bindings would: page.onPushStateChange(e),
 * page.onPlayStateChange(e), with e = {type, currentTarget: {id}, detail: {code, message}}.
 */
const {spawn} = require('node:child_process');
const WebSocket = require('ws');

const PCM_RATE = 16000;

/** A Page stand-in: data and setData (keys may be paths such as 'pusher.url' or 'playerList[0].url'). */
function makePage(handlers) {
  const page = {
    data: {},
    setDataCalls: [],
    setData(obj, cb) {
      for (const key of Object.keys(obj)) setPath(page.data, key, clone(obj[key]));
      page.setDataCalls.push(clone(obj));
      if (typeof cb === 'function') setImmediate(cb);   // WeChat calls back once the view is updated
    }
  };
  Object.assign(page, handlers || {});
  return page;
}

function clone(v) {
  return v === undefined ? undefined : JSON.parse(JSON.stringify(v));
}

function setPath(target, key, value) {
  const parts = key.replace(/\[(\d+)\]/g, '.$1').split('.');
  let o = target;
  for (let i = 0; i < parts.length - 1; i++) {
    if (o[parts[i]] == null) o[parts[i]] = /^\d+$/.test(parts[i + 1]) ? [] : {};
    o = o[parts[i]];
  }
  o[parts[parts.length - 1]] = value;
}

class WxStandIn {
  /**
   * @param {object} opts {page, pushAtr, playAtr, toneHz, log}
   */
  constructor(opts) {
    this.page = opts.page;
    this.pushAtr = opts.pushAtr || 'pusher';
    this.playAtr = opts.playAtr || 'playerList';
    this.toneHz = opts.toneHz || 440;
    this.name = opts.name || 'wx';
    this.log = opts.log || (() => {});
    this.sockets = [];
    this.pushers = [];
    this.players = [];
  }

  connectSocket(options) {
    const task = new SocketTask(options.url, this);
    this.sockets.push(task);
    return task;
  }

  createLivePusherContext() {
    const ctx = new PusherContext(this);
    this.pushers.push(ctx);
    return ctx;
  }

  createLivePlayerContext(id) {
    const ctx = new PlayerContext(this, id);
    this.players.push(ctx);
    return ctx;
  }

  /** The last socket opened (the one in use). */
  get socket() {
    return this.sockets[this.sockets.length - 1];
  }

  /** The player context of a stream, most recent first. */
  player(id) {
    for (let i = this.players.length - 1; i >= 0; i--) if (this.players[i].id === id) return this.players[i];
    return null;
  }

  /** Stops every ffmpeg (end of a test). */
  shutdown() {
    for (const p of this.pushers) p.stop({});
    for (const p of this.players) p.stop({});
    for (const s of this.sockets) s.close({});
  }
}

class SocketTask {
  constructor(url, wx) {
    this.url = url;
    this.sent = [];
    this.received = [];
    this._h = {open: [], message: [], close: [], error: []};
    this.ws = new WebSocket(url);
    this.ws.on('open', () => this._fire('open', {}));
    this.ws.on('message', (data) => {
      const text = data.toString('utf8');
      this.received.push(text);
      this._fire('message', {data: text});
    });
    this.ws.on('close', (code, reason) => this._fire('close', {code, reason: reason.toString()}));
    this.ws.on('error', (e) => this._fire('error', {errMsg: e.message}));
    this.wx = wx;
  }

  _fire(kind, res) {
    for (const fn of this._h[kind]) fn(res);
  }

  onOpen(fn) { this._h.open.push(fn); }
  onMessage(fn) { this._h.message.push(fn); }
  onClose(fn) { this._h.close.push(fn); }
  onError(fn) { this._h.error.push(fn); }

  send(o) {
    if (this.ws.readyState !== WebSocket.OPEN) {
      if (o.fail) o.fail({errMsg: 'sendSocketMessage:fail socket is not open'});
      return;
    }
    this.sent.push(o.data);
    this.ws.send(o.data, (err) => {
      if (err) {
        if (o.fail) o.fail({errMsg: err.message});
      } else if (o.success) {
        o.success({});
      }
    });
  }

  close(o) {
    if (this.ws.readyState === WebSocket.CLOSED || this.ws.readyState === WebSocket.CLOSING) return;
    this.ws.close((o && o.code) || 1000, (o && o.reason) || '');
  }

  /** The network goes away: the TCP connection dies without a close frame (the server sees no goodbye). */
  drop() {
    this.ws.terminate();
  }
}

/** Runs ffmpeg with args, feeding stderr lines and stdout chunks to the callbacks; resolves nothing. */
function runFfmpeg(args, onStderr, onStdout, onExit) {
  const p = spawn('ffmpeg', args, {stdio: ['ignore', 'pipe', 'pipe']});
  let err = '';
  p.stderr.on('data', (d) => {
    err += d.toString();
    const lines = err.split(/\r?\n|\r/);
    err = lines.pop();
    for (const l of lines) onStderr(l);
  });
  p.stdout.on('data', onStdout);
  p.on('error', (e) => onStderr('spawn error: ' + e.message));
  p.on('exit', (code, signal) => {
    if (err) onStderr(err);
    onExit(code, signal);
  });
  return p;
}

class PusherContext {
  constructor(wx) {
    this.wx = wx;
    this.proc = null;
    this.codes = [];
    this.stderr = [];
    this.starts = 0;
  }

  _emit(code, message) {
    this.codes.push(code);
    const pusher = this.wx.page.data[this.wx.pushAtr] || {};
    const e = {type: 'statechange', currentTarget: {id: pusher.id}, target: {id: pusher.id}, detail: {code, message}};
    this.wx.log(this.wx.name + ' live-pusher ' + code + ' ' + message);
    if (typeof this.wx.page.onPushStateChange === 'function') this.wx.page.onPushStateChange(e);
  }

  start(o) {
    const url = (this.wx.page.data[this.wx.pushAtr] || {}).url;
    if (!url) {
      if (o && o.fail) o.fail({errMsg: 'operateLivePusher:fail no url'});
      return;
    }
    this._kill();
    this.starts++;
    this.url = url;
    const run = {pushing: false, stopped: false};
    this.run = run;
    const args = ['-hide_banner', '-nostdin', '-loglevel', 'info', '-re',
      '-f', 'lavfi', '-i', 'sine=frequency=' + this.wx.toneHz + ':sample_rate=44100',
      '-c:a', 'aac', '-b:a', '64k', '-ac', '1', '-ar', '44100',
      '-progress', 'pipe:1', '-stats_period', '0.25', '-nostats', '-f', 'flv', url];
    let progress = '';
    this.proc = runFfmpeg(args, (line) => {
      this.stderr.push(line);
      if (this.stderr.length > 200) this.stderr.shift();
    }, (chunk) => {
      progress += chunk.toString();
      const m = /total_size=(\d+)/g;
      let x;
      let size = 0;
      while ((x = m.exec(progress)) !== null) size = Number(x[1]);
      progress = progress.slice(-200);
      if (!run.pushing && !run.stopped && size > 0) {
        run.pushing = true;
        this._emit(1001, 'connected to the RTMP server');
        this._emit(1002, 'handshake done, pushing');
      }
    }, (code, signal) => {
      if (run.stopped) return;
      run.stopped = true;
      const tail = this.stderr.slice(-5).join(' | ');
      if (!run.pushing) {
        this._emit(/Connection refused|Cannot assign|Network is unreachable/i.test(tail) ? 3002 : 3004,
          'ffmpeg exited ' + (code === null ? signal : code) + ' before pushing: ' + tail);
      } else {
        this._emit(-1307, 'connection ended (ffmpeg exited ' + (code === null ? signal : code) + '): ' + tail);
      }
    });
    if (o && o.success) o.success({errMsg: 'operateLivePusher:ok'});
  }

  _kill() {
    if (this.run) this.run.stopped = true;
    if (this.proc && this.proc.exitCode === null) this.proc.kill('SIGKILL');
    this.proc = null;
  }

  stop(o) {
    this._kill();
    if (o && o.success) o.success({});
  }

  /** The network dies under the pusher: kill ffmpeg as if the connection broke (the page is told -1307). */
  breakConnection() {
    if (this.proc) this.proc.kill('SIGKILL');
  }

  pause(o) { if (o && o.success) o.success({}); }
  resume(o) { if (o && o.success) o.success({}); }
}

class PlayerContext {
  constructor(wx, id) {
    this.wx = wx;
    this.id = id;
    this.proc = null;
    this.codes = [];
    this.stderr = [];
    this.pcm = Buffer.alloc(0);
    this.starts = 0;
  }

  _emit(code, message) {
    this.codes.push(code);
    const e = {type: 'statechange', currentTarget: {id: this.id}, target: {id: this.id}, detail: {code, message}};
    this.wx.log(this.wx.name + ' live-player ' + this.id + ' ' + code + ' ' + message);
    if (typeof this.wx.page.onPlayStateChange === 'function') this.wx.page.onPlayStateChange(e);
  }

  _url() {
    const list = this.wx.page.data[this.wx.playAtr] || [];
    for (const p of list) if (p && p.id === this.id) return p.url;
    return '';
  }

  play(o) {
    const url = this._url();
    if (!url) {
      if (o && o.fail) o.fail({errMsg: 'operateLivePlayer:fail no src'});
      return;
    }
    this._kill();
    this.starts++;
    this.url = url;
    this.pcm = Buffer.alloc(0);
    const run = {playing: false, stopped: false, info: false};
    this.run = run;
    const args = ['-hide_banner', '-nostdin', '-loglevel', 'info', '-fflags', 'nobuffer', '-probesize', '32768',
      '-analyzeduration', '500000', '-i', url, '-vn', '-f', 's16le', '-ac', '1', '-ar', String(PCM_RATE), 'pipe:1'];
    this._emit(2001, 'connecting');
    this.proc = runFfmpeg(args, (line) => {
      this.stderr.push(line);
      if (this.stderr.length > 200) this.stderr.shift();
      if (!run.info && !run.stopped && /^Input #0/.test(line)) {
        run.info = true;
        this._emit(2002, 'connected, stream info read');
      }
    }, (chunk) => {
      if (run.stopped) return;
      this.pcm = Buffer.concat([this.pcm, chunk]);
      if (this.pcm.length > PCM_RATE * 2 * 10) this.pcm = this.pcm.subarray(this.pcm.length - PCM_RATE * 2 * 5);
      if (!run.playing) {
        run.playing = true;
        this._emit(2004, 'playing: first audio decoded');
      }
    }, (code, signal) => {
      if (run.stopped) return;
      run.stopped = true;
      const tail = this.stderr.slice(-5).join(' | ');
      if (run.playing && code === 0) this._emit(2006, 'stream ended');
      else this._emit(-2301, 'ffmpeg exited ' + (code === null ? signal : code) + ': ' + tail);
    });
    if (o && o.success) o.success({errMsg: 'operateLivePlayer:ok'});
  }

  _kill() {
    if (this.run) this.run.stopped = true;
    if (this.proc && this.proc.exitCode === null) this.proc.kill('SIGKILL');
    this.proc = null;
  }

  stop(o) {
    this._kill();
    if (o && o.success) o.success({});
  }

  get playing() {
    return !!(this.run && this.run.playing && !this.run.stopped);
  }

  pause(o) { if (o && o.success) o.success({}); }
  resume(o) { if (o && o.success) o.success({}); }
  mute(o) { if (o && o.success) o.success({}); }
}

module.exports = {WxStandIn, makePage, PCM_RATE};
