'use strict';
// Starts the real Parley server (the built jar) on free ports for a test file, and mints its tokens.
const {spawn} = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const os = require('node:os');
const {until} = require('./wait');

const APP_ID = 1234567;
// A fresh secret per run (the server refuses secrets published in its own docs).
const SECRET = crypto.randomBytes(16).toString('hex');
const JAR = process.env.PARLEY_SERVER_JAR || path.resolve(__dirname, '../../../../server/target/parley-server.jar');

/** Starts `java -jar parley-server.jar` on 127.0.0.1, port 0; resolves {port, ws, http, stop(), log()}. */
async function startServer(extraEnv) {
  if (!fs.existsSync(JAR)) {
    throw new Error('no server jar at ' + JAR + ' (build it: mvn -B -DskipTests package -pl server -am, or set PARLEY_SERVER_JAR)');
  }
  const logFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'parley-wx-test-')), 'server.log');
  const env = Object.assign({}, process.env, {
    ['PARLEY_APP_' + APP_ID + '_SECRET']: SECRET,
    PARLEY_MEDIA_PORT: '0',
    PARLEY_MEDIA_ANNOUNCED_ADDRESS: '127.0.0.1',
    PARLEY_MEDIA_BIND_ADDRESS: '127.0.0.1',
    PARLEY_SERVER_IO_THREADS: '2',
    // The RTMP side (PROTOCOL.md "RTMP and HTTP-FLV"): free port, URLs pointing at loopback. A server without it
    // ignores these variables (with a warning in its log).
    PARLEY_RTMP_ENABLED: 'true',
    PARLEY_RTMP_PORT: '0',
    PARLEY_RTMP_ANNOUNCED_HOST: '127.0.0.1',
    PARLEY_RTMP_BIND_HOST: '127.0.0.1',
    // The server API (its own port, 8081 by default): a free port too, so that test servers can run side by side.
    PARLEY_API_PORT: '0',
    PARLEY_API_HOST: '127.0.0.1'
  }, extraEnv || {});
  const out = fs.openSync(logFile, 'a');
  const proc = spawn('java', ['-Xmx256m', '-XX:TieredStopAtLevel=1', '-jar', JAR, '--host', '127.0.0.1', '--port', '0'],
    {env, stdio: ['ignore', out, out]});
  fs.closeSync(out);
  let exited = null;
  proc.on('exit', (code, signal) => { exited = code === null ? signal : code; });
  const log = () => fs.readFileSync(logFile, 'utf8');
  let port;
  try {
    await until('the server to log its port', 30000, () => {
      if (exited !== null) throw new Error('parley server exited with ' + exited + ':\n' + log());
      const m = /ParleyServer - listening on \/?127\.0\.0\.1:(\d+)/.exec(log());   // the gateway (not the RTMP listener)
      if (m) port = Number(m[1]);
      return !!m;
    });
  } catch (e) {
    proc.kill('SIGKILL');
    throw e;
  }
  return {
    port,
    ws: 'ws://127.0.0.1:' + port + '/ws',
    http: 'http://127.0.0.1:' + port,
    logFile,
    log,
    async stop() {
      if (exited !== null) return;
      proc.kill('SIGKILL');
      await until('the server to exit', 10000, () => exited !== null);
    }
  };
}

function b64url(buf) {
  return Buffer.from(buf).toString('base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

/** An HS256 JWT with ZEGO's privilege-token claims (PROTOCOL.md "Tokens"). ttl in seconds (negative: expired). */
function token(userID, opts) {
  const o = Object.assign({ttl: 3600, room: '', publish: true, streams: null, secret: SECRET, appID: APP_ID}, opts || {});
  const nowS = Math.floor(Date.now() / 1000);
  const iat = o.ttl < 0 ? nowS + o.ttl - 60 : nowS;
  const claims = {app_id: o.appID, user_id: userID, room_id: o.room, privilege: {1: 1, 2: o.publish ? 1 : 0},
    iat: iat, nbf: iat, exp: nowS + o.ttl};
  if (o.streams) claims.stream_id_list = o.streams;
  const head = b64url(JSON.stringify({alg: 'HS256', typ: 'JWT'}));
  const body = b64url(JSON.stringify(claims));
  const sig = b64url(crypto.createHmac('sha256', Buffer.from(o.secret, 'utf8')).update(head + '.' + body).digest());
  return head + '.' + body + '.' + sig;
}

module.exports = {startServer, token, APP_ID, SECRET, JAR};

/**
 * Whether this server speaks the rtmp/flv transports (PROTOCOL.md "RTMP and HTTP-FLV"): a startPublishing with
 * transport rtmp answers a url. A server without them takes it for a signalling-only publish (no url).
 */
async function hasTransports(srv) {
  const {rawClient} = require('./raw');
  const c = await rawClient(srv.ws);
  try {
    const u = 'probe-' + Math.random().toString(36).slice(2, 10);
    const login = await c.request('loginRoom', {appID: APP_ID, roomID: 'probe-' + u, token: token(u), user: {userID: u}});
    if (login.code !== 0) throw new Error('probe login failed: ' + login.message);
    const r = await c.request('startPublishing', {streamID: u, transport: 'rtmp'});
    const ok = r.code === 0 && typeof r.data.url === 'string' && r.data.url.length > 0;
    // main's server has them: their absence is a failure, unless asked to test an older server
    if (!ok && process.env.PARLEY_WX_ALLOW_NO_TRANSPORTS !== 'true') {
      throw new Error('the server answered startPublishing transport rtmp with ' + JSON.stringify(r)
        + ' (expected a url; PARLEY_WX_ALLOW_NO_TRANSPORTS=true skips the media tests instead)');
    }
    return ok;
  } finally {
    c.close();
  }
}

module.exports.hasTransports = hasTransports;
module.exports.NO_TRANSPORTS = 'the server does not answer transport rtmp/flv with a url (PROTOCOL.md "RTMP and HTTP-FLV"), '
  + 'and PARLEY_WX_ALLOW_NO_TRANSPORTS=true';
