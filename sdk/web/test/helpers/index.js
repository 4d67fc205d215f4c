'use strict';
// What the tests share: the real server and its tokens (sdk/wechat's helper: the same jar, free ports, fresh secret),
// waiting with a deadline, an event recorder, a bare protocol client, and the SDK builds.
const path = require('node:path');
const {pathToFileURL} = require('node:url');
const WS = require('ws');
const {startServer, token, APP_ID} = require('../../../wechat/test/helpers/server');
const {until, recorder} = require('../../../wechat/test/helpers/wait');

// The browser's WebSocket: node >= 22 has one; node 18 and 20 (Debian 12 has 18) get the ws package's. Every frame
// the SDK sends is also kept in `sent`, so that tests see its requests (heartbeats) on the wire; each message's
// (non-enumerable) `socket` says which WebSocket sent it.
const BaseWebSocket = typeof globalThis.WebSocket === 'function' ? globalThis.WebSocket : WS;
const sent = [];
globalThis.WebSocket = class extends BaseWebSocket {
  send(data) {
    sent.push(Object.defineProperty(JSON.parse(data), 'socket', {value: this}));
    super.send(data);
  }
};

const DIST = path.join(__dirname, '..', '..', 'dist');

/** The SDK as each build exports it: the UMD through require, the ES module through import. */
async function builds() {
  return {umd: require(path.join(DIST, 'parley.js')), esm: await import(pathToFileURL(path.join(DIST, 'parley.mjs')).href)};
}

/** A protocol client with nothing of the SDK: PROTOCOL.md's requests and pushes, for the other side of a test. */
async function rawClient(url) {
  const ws = new WS(url);
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  let next = 1;
  const pending = new Map();
  const pushes = [];
  ws.on('message', (d) => {
    const m = JSON.parse(d.toString());
    if (m.push) pushes.push(m);
    else if (pending.has(String(m.id))) { pending.get(String(m.id))(m); pending.delete(String(m.id)); }
  });
  return {
    pushes,
    request(type, data) {
      const id = String(next++);
      return new Promise((resolve) => {
        pending.set(id, resolve);
        ws.send(JSON.stringify({id, type, data: data || {}}));
      });
    },
    waitPush(name, pred, ms) {
      return until('push ' + name, ms || 10000, () => pushes.find((p) => p.push === name && (!pred || pred(p.data))));
    },
    close() { ws.close(); }
  };
}

module.exports = {sent, startServer, token, APP_ID, until, recorder, rawClient, builds, DIST};
