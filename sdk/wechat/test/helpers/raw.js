'use strict';
// A bare protocol client (PROTOCOL.md requests and pushes, nothing else): a peer in the room for signalling tests.
const WebSocket = require('ws');
const {until} = require('./wait');

async function rawClient(url) {
  const ws = new WebSocket(url);
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
    ws, pushes,
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

module.exports = {rawClient};
