'use strict';
// A TCP proxy between an SDK and the server, under the test's control: what a mobile network does to a socket.
//  cut():    every connection through it dies at once, without a WebSocket close frame (the network went away);
//  refuse(): new connections are dropped as they come (the server is unreachable), until refuse(false);
//  freeze(): the open connections stay open but carry nothing more (a socket the network left dead unannounced).
const net = require('node:net');

async function tcpProxy(targetPort) {
  const conns = new Set();
  let refusing = false;
  let accepted = 0;
  const server = net.createServer((client) => {
    accepted++;
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = net.connect(targetPort, '127.0.0.1');
    const c = {client, upstream, frozen: false};
    conns.add(c);
    client.on('data', (d) => { if (!c.frozen) upstream.write(d); });
    upstream.on('data', (d) => { if (!c.frozen) client.write(d); });
    const end = () => {
      conns.delete(c);
      client.destroy();
      upstream.destroy();
    };
    for (const s of [client, upstream]) {
      s.on('error', end);
      s.on('close', end);
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = server.address().port;
  return {
    port,
    ws: 'ws://127.0.0.1:' + port + '/ws',
    /** connections accepted so far (refused ones included) */
    get accepted() { return accepted; },
    cut() {
      for (const c of conns) {
        c.client.destroy();
        c.upstream.destroy();
      }
      conns.clear();
    },
    refuse(on) { refusing = on !== false; },
    freeze() { for (const c of conns) c.frozen = true; },
    async close() {
      this.cut();
      await new Promise((resolve) => server.close(resolve));
    }
  };
}

module.exports = {tcpProxy};
