/*
 * parley-wx.js: the Parley WeChat mini-program SDK. One ES5 file, no dependencies, no build step.
 * Shaped like ZEGO Express's mini-program SDK: new ParleyEngine(appID, 'wss://host/ws'), loginRoom,
 * initContext({wxContext, pushAtr, playAtr}), createPusher, getPusherInstance().start(streamID),
 * getPlayerInstance(streamID).play(), updatePlayerState / updatePlayerNetStatus, on(event, fn).
 * Media goes over the RTMP / HTTP-FLV transports of protocol/PROTOCOL.md ("RTMP and HTTP-FLV"): the server
 * answers a URL, this SDK writes it to the page (data[pushAtr].url, data[playAtr][i].url) with setData and
 * starts the page's <live-pusher> / <live-player> through their contexts.
 *
 * Errors reject with {code, message} (server codes from PROTOCOL.md; client-side ones below).
 * A dropped socket is resumed (PROTOCOL.md "Resume after a dropped connection"): RECONNECTING (1000017), then
 * RECONNECTED once the server took the session back on a new socket (pusher and players keep their URLs, the pushes
 * missed arrive next in order) or, when it says the session is gone, after a fresh login (extendedData
 * {"relogin": code}); RECONNECT_FAILED (1002053) after options.reconnectWindow (5 min).
 * The canonical copy is sdk/wechat/parley-wx.js in the Parley repository; the server serves it at /parley-wx.js.
 */
(function (root, factory) {
  var api = factory();
  if (typeof module === 'object' && module && module.exports) {
    module.exports = api;
  } else if (root) {
    root.ParleyEngine = api.ParleyEngine;
    root.ZegoExpressEngine = api.ZegoExpressEngine;
  }
})(typeof globalThis !== 'undefined' ? globalThis : (typeof window !== 'undefined' ? window : this), function () {
  'use strict';

  var VERSION = '0.1.0';

  // Client-side error codes (ZEGO's numbers for the same situations, as in parley.js).
  var ERR_PARAM = 1100001;          // a bad argument, caught before sending
  var ERR_TIMEOUT = 1100002;        // no response within requestTimeout
  var ERR_NETWORK = 1000017;        // the socket closed or could not open (RECONNECTING)
  var ERR_LOGIN_NETWORK = 1002030;  // loginRoom could not reach the server
  var ERR_RECONNECT_FAILED = 1002053;
  var ERR_NOT_LOGGED_IN = 1000002;
  var ERR_PUBLISH_PARAM = 1103001;
  var ERR_PUBLISH_MEDIA = 1103028;  // the <live-pusher> could not push (network, RTMP refusal, device)
  var ERR_PLAY_PARAM = 1104001;
  var ERR_PLAY_MEDIA = 1104028;     // the <live-player> could not play

  var EVENTS = ['roomStateChanged', 'roomStateUpdate', 'roomUserUpdate', 'roomStreamUpdate',
    'publisherStateUpdate', 'playerStateUpdate', 'publishQualityUpdate', 'playQualityUpdate',
    'tokenWillExpire', 'serverDraining', 'roomExtraInfoUpdate', 'streamExtraInfoUpdate', 'IMRecvBroadcastMessage',
    'IMRecvBarrageMessage', 'IMRecvCustomCommand', 'roomOnlineUserCountUpdate', 'remoteMicStatusUpdate'];

  // Legacy roomStateUpdate state for each roomStateChanged reason (zego-semantics §2.1).
  var LEGACY_STATE = {LOGINING: 'CONNECTING', LOGINED: 'CONNECTED', LOGIN_FAILED: 'DISCONNECTED',
    RECONNECTING: 'CONNECTING', RECONNECTED: 'CONNECTED', RECONNECT_FAILED: 'DISCONNECTED',
    KICKOUT: 'DISCONNECTED', LOGOUT: 'DISCONNECTED', LOGOUT_FAILED: 'DISCONNECTED'};

  // Login errors that retrying with the same token cannot fix: reconnection gives up at once.
  var FATAL_LOGIN_CODES = [1001004, 1102016, 1102018, 1002034, 1002005, 1002006, 1002007, 1002011, 1002012, 1002013];

  // <live-pusher> bindstatechange codes (WeChat docs).
  var PUSH_STARTED = 1002;                    // handshake done, pushing
  var PUSH_RECONNECTING = 1102;               // network lost, the component retries by itself
  var PUSH_NETWORK_FAILED = [-1307, 3001, 3002, 3003, 3004, 3005];   // given up / RTMP DNS, connect, handshake, closed, I/O
  var PUSH_DEVICE_FAILED = [-1301, -1302, -1303, -1304, -1305, -1306, -1308, -1309, -1310, -1311, 5001];
  // <live-player> bindstatechange codes.
  var PLAY_STARTED = 2004;
  var PLAY_RECONNECTING = 2103;
  var PLAY_NETWORK_FAILED = [-2301, 3001, 3002, 3003, 3005];
  var PLAY_DECODE_FAILED = [2101, 2102];
  var PLAY_ENDED = 2006;

  var DEFAULTS = {
    requestTimeout: 10000,
    reconnectWindow: 5 * 60 * 1000,  // ZEGO Web's retry window before RECONNECT_FAILED
    reconnectMaxDelay: 5000,
    mediaRetries: 3,                 // restarts of a pusher/player after a network failure before NO_PUBLISH/NO_PLAY
    mediaRetryDelay: 1000,
    urlRefreshMargin: 30000,         // a URL this close to urlExpiresAt is refreshed before (re)connecting with it
    tokenWillExpireLead: 30000,      // tokenWillExpire fires this long before the token's expiry
    playTransport: 'rtmp',           // 'rtmp' or 'flv' for <live-player>
    pusherID: 'parley-pusher'
  };

  function parleyError(code, message) {
    return {code: code, message: message};
  }

  function toError(e, fallbackCode) {
    if (e && typeof e.code === 'number' && typeof e.message === 'string') return e;
    return parleyError(fallbackCode, (e && (e.message || e.errMsg || e.name)) || String(e));
  }

  function extend(target) {
    for (var i = 1; i < arguments.length; i++) {
      var src = arguments[i];
      if (!src) continue;
      for (var k in src) if (Object.prototype.hasOwnProperty.call(src, k)) target[k] = src[k];
    }
    return target;
  }

  function contains(list, v) {
    for (var i = 0; i < list.length; i++) if (list[i] === v) return true;
    return false;
  }

  function keys(o) {
    var out = [];
    for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) out.push(k);
    return out;
  }

  function now() {
    return Date.now();
  }

  function noop() {}

  // ---- ParleyEngine ---------------------------------------------------------------------------------

  /**
   * @param {number} appID the App
   * @param {string} server 'wss://host/ws' (a legal socket domain of the mini-program) or ws:// in tests
   * @param {object} [options] {requestTimeout, reconnectWindow, mediaRetries, playTransport, logger, wx}
   */
  function ParleyEngine(appID, server, options) {
    if (typeof appID !== 'number' || Math.floor(appID) !== appID || appID <= 0) {
      throw parleyError(ERR_PARAM, 'appID: ' + appID + ' (expected: a positive integer)');
    }
    if (typeof server !== 'string' || !/^wss?:\/\//.test(server)) {
      throw parleyError(ERR_PARAM, 'server: ' + server + ' (expected: wss://host/ws, or ws:// outside WeChat)');
    }
    var opts = extend({}, DEFAULTS, options || {});
    if (opts.playTransport !== 'rtmp' && opts.playTransport !== 'flv') {
      throw parleyError(ERR_PARAM, 'playTransport: ' + opts.playTransport + " (expected: 'rtmp' or 'flv')");
    }
    this.appID = appID;
    this.server = server;
    this.options = opts;
    this._wx = opts.wx || (typeof wx !== 'undefined' ? wx : null);   // eslint-disable-line no-undef
    this._log = opts.logger || noop;
    this._handlers = {};         // event -> [fn]
    this._pending = {};          // request id -> {resolve, reject, timer, type}
    this._nextId = 1;
    this._socket = null;         // the current SocketTask
    this._heartbeat = null;
    this._heartbeatInterval = 30000;
    this._state = 'LOGOUT';      // LOGOUT, LOGINING, LOGINED, RECONNECTING
    this._room = null;           // {roomID, token, user, config}
    this._users = {};            // userID -> user (as told by the server)
    this._streams = {};          // streamID -> stream (others' streams in the room)
    this._resync = null;         // during a re-login: {users: {}, streams: {}}
    this._reconnect = null;      // {deadline, attempt, timer}
    this._sessionID = null;      // with _resumeToken (login response): what resumes the session after a drop
    this._resumeToken = null;
    this._lastSeq = 0;           // the highest push seq handled on this session (reported in heartbeat ack)
    this._setAsideSockets = [];  // sockets given up without a close frame (_setAside)
    this._tokenTimer = null;
    this._ctx = null;            // {wxContext, pushAtr, playAtr}
    this._pusher = null;         // ParleyPusher
    this._players = {};          // streamID -> ParleyPlayer (component flow)
    this._publishes = {};        // streamID -> publish record (both flows)
    this._plays = {};            // streamID -> play record (both flows)
    this._destroyed = false;
  }

  ParleyEngine.prototype.getVersion = function () {
    return VERSION;
  };

  // ---- events -----------------------------------------------------------------------------------------

  /** Registers fn for an event (see EVENTS). Returns false for an unknown event. */
  ParleyEngine.prototype.on = function (event, fn) {
    if (!contains(EVENTS, event) || typeof fn !== 'function') return false;
    (this._handlers[event] = this._handlers[event] || []).push(fn);
    return true;
  };

  /** Removes fn, or every handler of the event when fn is omitted. */
  ParleyEngine.prototype.off = function (event, fn) {
    var list = this._handlers[event];
    if (!list) return false;
    if (!fn) {
      this._handlers[event] = [];
      return true;
    }
    for (var i = list.length - 1; i >= 0; i--) if (list[i] === fn) list.splice(i, 1);
    return true;
  };

  ParleyEngine.prototype._emit = function (event) {
    var args = Array.prototype.slice.call(arguments, 1);
    var list = (this._handlers[event] || []).slice();
    for (var i = 0; i < list.length; i++) {
      try {
        list[i].apply(null, args);
      } catch (e) {
        if (typeof console !== 'undefined') console.error('parley-wx: a ' + event + ' handler threw', e);
      }
    }
  };

  ParleyEngine.prototype._emitRoomState = function (roomID, reason, errorCode, extendedData) {
    this._emit('roomStateChanged', roomID, reason, errorCode, extendedData || '');
    this._emit('roomStateUpdate', roomID, LEGACY_STATE[reason] || 'DISCONNECTED', errorCode, extendedData || '');
  };

  // ---- room -------------------------------------------------------------------------------------------

  /**
   * Logs in to a room (created if it does not exist). Resolves true on success and false when the server
   * refuses or cannot be reached; the reason comes through roomStateChanged (LOGIN_FAILED, errorCode).
   */
  ParleyEngine.prototype.loginRoom = function (roomID, token, user, config) {
    var self = this;
    if (this._destroyed) return Promise.reject(parleyError(ERR_PARAM, 'the engine was destroyed'));
    if (this._state !== 'LOGOUT') {
      this._emitRoomState(roomID, 'LOGIN_FAILED', 1002001, 'already in room ' + (this._room && this._room.roomID));
      return Promise.resolve(false);
    }
    if (!user || typeof user.userID !== 'string') {
      return Promise.reject(parleyError(ERR_PARAM, 'user: ' + JSON.stringify(user) + ' (expected: {userID, userName?})'));
    }
    if (typeof token !== 'string' || token === '') {
      return Promise.reject(parleyError(ERR_PARAM, 'token: empty (expected: a token from your business server)'));
    }
    var cfg = config || {};
    this._state = 'LOGINING';
    this._room = {roomID: roomID, token: token, user: {userID: user.userID, userName: user.userName || user.userID},
      config: {userUpdate: cfg.userUpdate === true, maxMemberCount: cfg.maxMemberCount || 0}};
    this._users = {};
    this._streams = {};
    this._emitRoomState(roomID, 'LOGINING', 0, '');
    return this._connect().then(function () {
      return self._login();
    }).then(function () {
      self._state = 'LOGINED';
      return true;
    }, function (e) {
      self._log('loginRoom failed', e);
      self._closeSocket();
      self._resetRoom();
      self._emitRoomState(roomID, 'LOGIN_FAILED', e.code, e.message);
      return false;
    });
  };

  ParleyEngine.prototype._login = function () {
    var self = this;
    var r = this._room;
    this._lastSeq = 0;   // a new session numbers its pushes from 1
    return this._request('loginRoom', {appID: this.appID, roomID: r.roomID, token: r.token, user: r.user, config: r.config})
      .then(function (data) {
        self._sessionID = data.sessionID || null;
        self._resumeToken = data.resumeToken || null;
        self._startHeartbeat(data.heartbeatInterval);
        self._scheduleTokenWillExpire(data.tokenExpireTime);
        return data;
      });
  };

  /** Leaves the room: stops the pusher and every player, tells the server, closes the connection. */
  ParleyEngine.prototype.logoutRoom = function (roomID) {
    var self = this;
    if (this._state === 'LOGOUT') return Promise.resolve();
    var room = roomID || this._room.roomID;
    var wasLogined = this._state === 'LOGINED';
    this._state = 'LOGOUT';
    this._stopReconnect();
    this._stopAllMedia();
    var done = function () {
      self._closeSocket();
      self._resetRoom();
      self._emitRoomState(room, 'LOGOUT', 0, '');
    };
    if (!wasLogined) {
      done();
      return Promise.resolve();
    }
    return this._request('logoutRoom', {roomID: room}).then(done, function (e) {
      self._log('logoutRoom', e);
      done();
    });
  };

  /**
   * Replaces the token: kept for the logins that reconnection makes, and sent to the server (renewToken), which checks it
   * like a login token and uses it for the publishes that follow. Returns false at once for an empty token or another
   * room; a refusal by the server is logged, and the server keeps the old token (publishing refused once it expires).
   */
  ParleyEngine.prototype.renewToken = function (token, roomID) {
    var self = this;
    if (!this._room || typeof token !== 'string' || token === '') return false;
    if (roomID && roomID !== this._room.roomID) return false;
    this._room.token = token;
    var exp = tokenExpiry(token);
    if (exp) this._scheduleTokenWillExpire(exp);
    if (this._state === 'LOGINED') {
      this._request('renewToken', {roomID: this._room.roomID, token: token}).catch(function (e) {
        self._log('renewToken refused by the server', e && e.code, e && e.message);
      });
    }
    return true;
  };

  // ---- room features: extra info, messages (ZEGO's ZegoServerResponse: {errorCode, extendedData}) ----------

  ParleyEngine.prototype._roomCall = function (type, roomID, data) {
    if (this._state !== 'LOGINED' || !this._room) {
      return Promise.resolve({errorCode: ERR_NOT_LOGGED_IN, extendedData: type + ': not logged in'});
    }
    if (roomID && roomID !== this._room.roomID) {
      return Promise.resolve({errorCode: 1002002, extendedData: type + ': not logged in to room ' + roomID});
    }
    var body = {roomID: this._room.roomID};
    for (var k in data) if (Object.prototype.hasOwnProperty.call(data, k)) body[k] = data[k];
    return this._request(type, body).then(function (result) {
      var out = {errorCode: 0, extendedData: ''};
      for (var r in result) if (Object.prototype.hasOwnProperty.call(result, r)) out[r] = result[r];
      return out;
    }, function (e) {
      return {errorCode: (e && e.code) || ERR_PARAM, extendedData: (e && e.message) || String(e)};
    });
  };

  /** Room extra info: the others get roomExtraInfoUpdate; it lasts as long as the room. */
  ParleyEngine.prototype.setRoomExtraInfo = function (roomID, key, value) {
    return this._roomCall('setRoomExtraInfo', roomID, {key: key, value: value});
  };

  /** Changes the extraInfo of a stream this engine publishes: the others get streamExtraInfoUpdate. */
  ParleyEngine.prototype.setStreamExtraInfo = function (streamID, extraInfo) {
    return this._roomCall('setStreamExtraInfo', null, {streamID: streamID, extraInfo: extraInfo});
  };

  /** A reliable room message (not to yourself); resolves with its integer messageID. */
  ParleyEngine.prototype.sendBroadcastMessage = function (roomID, message) {
    return this._roomCall('sendBroadcastMessage', roomID, {message: message});
  };

  /** An unreliable (barrage) message; resolves with its string messageID. */
  ParleyEngine.prototype.sendBarrageMessage = function (roomID, message) {
    return this._roomCall('sendBarrageMessage', roomID, {message: message});
  };

  /** A command to some users (an empty list: everyone else); failUserList names those not reached. */
  ParleyEngine.prototype.sendCustomCommand = function (roomID, command, toUserList) {
    return this._roomCall('sendCustomCommand', roomID, {command: command, toUserIDs: toUserList || []});
  };

  /**
   * Tells the players of streamID that its microphone is muted (or open again): remoteMicStatusUpdate. The
   * <live-pusher> is muted through its `muted` attribute (setPusherAttributes), which the page controls.
   */
  ParleyEngine.prototype.mutePublishStreamAudio = function (streamID, mute) {
    return this._roomCall('mutePublishStreamAudio', null, {streamID: streamID, mute: !!mute});
  };

  /** Logs out if needed, stops every timer and forgets the handlers. */
  ParleyEngine.prototype.destroyEngine = function () {
    var self = this;
    var p = this.logoutRoom();
    return p.then(function () {
      self._closeSocket();
      self._handlers = {};
      self._pusher = null;
      self._players = {};
      self._ctx = null;
      self._destroyed = true;
    });
  };

  // ---- the page and its components ---------------------------------------------------------------------

  /**
   * Binds the page (or component): the SDK writes data[pushAtr] (the <live-pusher> attributes, url included)
   * and data[playAtr] (an array of <live-player> attributes, one per played stream, with id = streamID) through
   * wxContext.setData.
   */
  ParleyEngine.prototype.initContext = function (option) {
    if (!option || !option.wxContext || typeof option.wxContext.setData !== 'function') {
      throw parleyError(ERR_PARAM, 'initContext: wxContext (expected: the Page or Component `this`)');
    }
    this._ctx = {wxContext: option.wxContext, pushAtr: option.pushAtr || 'pusher', playAtr: option.playAtr || 'playerList'};
    return true;
  };

  ParleyEngine.prototype._requireContext = function () {
    if (!this._ctx) throw parleyError(ERR_PARAM, 'call initContext({wxContext: this, pushAtr, playAtr}) first');
    if (!this._wx) throw parleyError(ERR_PARAM, 'no wx object (expected: a mini-program, or options.wx)');
  };

  /** Creates the pusher (once) with <live-pusher> attributes; written to data[pushAtr]. */
  ParleyEngine.prototype.createPusher = function (attributes) {
    this._requireContext();
    if (!this._pusher) this._pusher = new ParleyPusher(this);
    this._pusher.setAttributes(attributes || {});
    return this._pusher;
  };

  ParleyEngine.prototype.getPusherInstance = function () {
    return this._pusher || undefined;
  };

  ParleyEngine.prototype.setPusherAttributes = function (attributes) {
    if (!this._pusher) return false;
    this._pusher.setAttributes(attributes || {});
    return true;
  };

  /** The player of streamID, created on first use (component: the Component `this` holding its <live-player>). */
  ParleyEngine.prototype.getPlayerInstance = function (streamID, component) {
    this._requireContext();
    var p = this._players[streamID];
    if (!p) {
      p = new ParleyPlayer(this, streamID, component);
      this._players[streamID] = p;
    } else if (component) {
      p.component = component;
    }
    return p;
  };

  ParleyEngine.prototype.setPlayerAttributes = function (streamID, attributes) {
    var p = this._players[streamID];
    if (!p) return false;
    p.setAttributes(attributes || {});
    return true;
  };

  ParleyEngine.prototype._writePusher = function (cb) {
    if (!this._ctx || !this._pusher) {
      if (cb) cb();
      return;
    }
    var o = {};
    o[this._ctx.pushAtr] = extend({}, this._pusher.attributes);
    this._ctx.wxContext.setData(o, cb);
  };

  ParleyEngine.prototype._writePlayers = function (cb) {
    if (!this._ctx) {
      if (cb) cb();
      return;
    }
    var list = [];
    var ids = keys(this._players);
    for (var i = 0; i < ids.length; i++) {
      var p = this._players[ids[i]];
      if (p.listed) list.push(extend({}, p.attributes));
    }
    var o = {};
    o[this._ctx.playAtr] = list;
    this._ctx.wxContext.setData(o, cb);
  };

  /**
   * Forward the bindstatechange events of the page's <live-pusher> (id = pusher.id) and <live-player>
   * (id = streamID) here: 1002 -> PUBLISHING, 2004 -> PLAYING, failures -> a restart, then NO_PUBLISH / NO_PLAY.
   */
  ParleyEngine.prototype.updatePlayerState = function (id, e) {
    var code = e && e.detail ? Number(e.detail.code) : NaN;
    var message = (e && e.detail && e.detail.message) || '';
    var pub = this._publishFor(id);
    if (pub) {
      this._onPusherCode(pub, code, message);
      return true;
    }
    var play = this._plays[id];
    if (play) {
      this._onPlayerCode(play, code, message);
      return true;
    }
    return false;
  };

  /** Forward bindnetstatus here: publishQualityUpdate / playQualityUpdate with ZEGO's mini-program stats. */
  ParleyEngine.prototype.updatePlayerNetStatus = function (id, e) {
    var info = (e && e.detail && e.detail.info) || {};
    var stats = {
      video: {videoBitrate: num(info.videoBitrate), videoFPS: num(info.videoFPS), videoWidth: num(info.videoWidth),
        videoHeight: num(info.videoHeight)},
      audio: {audioBitrate: num(info.audioBitrate)},
      netSpeed: num(info.netSpeed), netJitter: num(info.netJitter)
    };
    var pub = this._publishFor(id);
    if (pub) return this._componentQuality('publishQualityUpdate', pub, stats);
    var play = this._plays[id];
    if (play) return this._componentQuality('playQualityUpdate', play, stats);
    return false;
  };

  function num(v) {
    var n = Number(v);
    return isFinite(n) ? n : 0;
  }

  ParleyEngine.prototype._componentQuality = function (event, rec, stats) {
    rec.netStats = stats;
    // The server reports quality every 3 s; the component's figures go with it. Without it, at most every 3 s.
    var t = now();
    if ((rec.serverQualityAt && t - rec.serverQualityAt < 6000) || (rec.componentQualityAt && t - rec.componentQualityAt < 3000)) {
      return true;
    }
    rec.componentQualityAt = t;
    this._emit(event, rec.streamID, extend({}, stats));
    return true;
  };

  ParleyEngine.prototype._publishFor = function (id) {
    if (this._publishes[id]) return this._publishes[id];
    if (this._pusher && id === this._pusher.attributes.id && this._pusher.streamID) {
      return this._publishes[this._pusher.streamID] || null;
    }
    return null;
  };

  // ---- publish and play (signalling) ---------------------------------------------------------------------

  /**
   * Publishes streamID over RTMP: resolves {streamID, url} for a <live-pusher url="..."> (the native-component
   * flow; the component flow is getPusherInstance().start()). Refusals reject and push NO_PUBLISH with the code.
   */
  ParleyEngine.prototype.startPublishingStream = function (streamID, option) {
    return this._startPublish(streamID, option || {}, 'native');
  };

  ParleyEngine.prototype._startPublish = function (streamID, option, mode) {
    var self = this;
    if (this._state !== 'LOGINED') {
      return Promise.reject(parleyError(ERR_NOT_LOGGED_IN, 'not logged in (expected: await loginRoom(...) first)'));
    }
    if (typeof streamID !== 'string' || streamID === '') {
      return Promise.reject(parleyError(1000015, 'streamID: empty'));
    }
    if (this._publishes[streamID]) return Promise.reject(parleyError(1103056, 'already publishing ' + streamID));
    var rec = {streamID: streamID, extraInfo: option.extraInfo || '', mode: mode, url: '', urlExpiresAt: 0,
      state: 'NO_PUBLISH', failures: 0, restarting: false, active: true};
    this._publishes[streamID] = rec;
    return this._requestPublishUrl(rec).then(function () {
      return {streamID: streamID, url: rec.url};
    }, function (e) {
      var err = toError(e, ERR_PUBLISH_PARAM);
      if (self._publishes[streamID] === rec) delete self._publishes[streamID];
      rec.active = false;
      self._setPublishState(rec, 'NO_PUBLISH', err.code, err.message, true);
      throw err;
    });
  };

  ParleyEngine.prototype._requestPublishUrl = function (rec) {
    var self = this;
    return this._request('startPublishing', {streamID: rec.streamID, extraInfo: rec.extraInfo, transport: 'rtmp'})
      .then(function (data) {
        if (!data.url) {
          // A server without the rtmp transport took it for a signalling-only publish: take it back.
          self._request('stopPublishing', {streamID: rec.streamID}).then(null, noop);
          throw parleyError(ERR_PUBLISH_PARAM, 'startPublishing: the server answered no RTMP url (a server without the rtmp transport)');
        }
        rec.url = data.url;
        rec.urlExpiresAt = data.urlExpiresAt || 0;
        return rec;
      });
  };

  /** Stops publishing streamID (native flow; the pusher's stop() does this for the component flow). */
  ParleyEngine.prototype.stopPublishingStream = function (streamID) {
    var rec = this._publishes[streamID];
    if (!rec) return Promise.resolve(false);
    delete this._publishes[streamID];
    rec.active = false;
    clearTimeout(rec.retryTimer);
    if (this._state !== 'LOGINED') return Promise.resolve(true);
    var self = this;
    return this._request('stopPublishing', {streamID: streamID}).then(function () {
      return true;
    }, function (e) {
      self._log('stopPublishing', streamID, e);
      return false;
    });
  };

  /**
   * Plays streamID over RTMP (or option.transport 'flv'): resolves {streamID, url} for a <live-player src="...">
   * (the native-component flow; the component flow is getPlayerInstance(streamID).play()).
   */
  ParleyEngine.prototype.startPlayingStream = function (streamID, option) {
    return this._startPlay(streamID, option || {}, 'native');
  };

  ParleyEngine.prototype._startPlay = function (streamID, option, mode) {
    var self = this;
    if (this._state !== 'LOGINED') {
      return Promise.reject(parleyError(ERR_NOT_LOGGED_IN, 'not logged in (expected: await loginRoom(...) first)'));
    }
    var transport = option.transport || this.options.playTransport;
    if (transport !== 'rtmp' && transport !== 'flv') {
      return Promise.reject(parleyError(ERR_PARAM, 'transport: ' + transport + " (expected: 'rtmp' or 'flv')"));
    }
    var old = this._plays[streamID];
    if (old && (old.finished || (old.ended && !old.restarting))) {
      // The server ended that play (the stream went, or its connection did): playing it again is a new play.
      old.active = false;
      clearTimeout(old.retryTimer);
      delete this._plays[streamID];
    } else if (old) {
      return Promise.reject(parleyError(1104032, 'already playing ' + streamID));
    }
    var rec = {streamID: streamID, transport: transport, mode: mode, url: '', urlExpiresAt: 0, state: 'NO_PLAY',
      failures: 0, restarting: false, active: true};
    this._plays[streamID] = rec;
    return this._requestPlayUrl(rec).then(function () {
      return {streamID: streamID, url: rec.url};
    }, function (e) {
      var err = toError(e, ERR_PLAY_PARAM);
      if (self._plays[streamID] === rec) delete self._plays[streamID];
      rec.active = false;
      self._setPlayState(rec, 'NO_PLAY', err.code, err.message, true);
      throw err;
    });
  };

  ParleyEngine.prototype._requestPlayUrl = function (rec) {
    var self = this;
    return this._request('startPlaying', {streamID: rec.streamID, transport: rec.transport}).then(function (data) {
      if (!data.url) {
        self._request('stopPlaying', {streamID: rec.streamID}).then(null, noop);
        throw parleyError(ERR_PLAY_PARAM, 'startPlaying: the server answered no ' + rec.transport + ' url (a server without that transport)');
      }
      rec.url = data.url;
      rec.urlExpiresAt = data.urlExpiresAt || 0;
      return rec;
    });
  };

  /** Stops playing streamID (native flow; the player's stop() does this for the component flow). */
  ParleyEngine.prototype.stopPlayingStream = function (streamID) {
    var rec = this._plays[streamID];
    if (!rec) return Promise.resolve(false);
    delete this._plays[streamID];
    rec.active = false;
    clearTimeout(rec.retryTimer);
    if (this._state !== 'LOGINED' || rec.ended) return Promise.resolve(true);
    var self = this;
    return this._request('stopPlaying', {streamID: streamID}).then(function () {
      return true;
    }, function (e) {
      self._log('stopPlaying', streamID, e);
      return false;
    });
  };

  /**
   * A fresh URL for streamID (ZEGO rotates hosts here; Parley has one, so this asks the server for a new key,
   * e.g. once urlExpiresAt has passed). The component flow writes it to the page too. Resolves the URL.
   */
  ParleyEngine.prototype.getNextUrl = function (streamID) {
    var self = this;
    var pub = this._publishes[streamID];
    var play = this._plays[streamID];
    if (!pub && !play) return Promise.reject(parleyError(ERR_PARAM, 'getNextUrl: neither publishing nor playing ' + streamID));
    if (this._state !== 'LOGINED') return Promise.reject(parleyError(ERR_NOT_LOGGED_IN, 'not logged in'));
    var p = pub ? this._refreshPublishUrl(pub) : this._refreshPlayUrl(play);
    return p.then(function (rec) {
      return rec.url;
    }, function (e) {
      throw toError(e, pub ? ERR_PUBLISH_PARAM : ERR_PLAY_PARAM);
    }).then(function (url) {
      if (pub && pub.mode === 'pusher' && self._pusher) self._pusher._setUrl(url);
      if (play && play.mode === 'player' && self._players[streamID]) self._players[streamID]._setUrl(url);
      return url;
    });
  };

  // A new key for a publish: stopPublishing then startPublishing (PROTOCOL.md: ask again for a fresh URL).
  ParleyEngine.prototype._refreshPublishUrl = function (rec) {
    var self = this;
    return this._request('stopPublishing', {streamID: rec.streamID}).then(null, function (e) {
      self._log('refresh: stopPublishing', rec.streamID, e);
    }).then(function () {
      return self._requestPublishUrl(rec);
    });
  };

  ParleyEngine.prototype._refreshPlayUrl = function (rec) {
    var self = this;
    var stop = rec.ended ? Promise.resolve() : this._request('stopPlaying', {streamID: rec.streamID});
    return stop.then(null, function (e) {
      self._log('refresh: stopPlaying', rec.streamID, e);
    }).then(function () {
      rec.ended = false;
      return self._requestPlayUrl(rec);
    });
  };

  var RESYNC_QUIET_MS = 100;

  // Resolves once `rs.lastPushAt` is quietMs old (or after maxMs).
  function quiet(rs, quietMs, maxMs) {
    var start = now();
    rs.lastPushAt = rs.lastPushAt || start;
    return new Promise(function (resolve) {
      (function check() {
        var t = now();
        if (t - rs.lastPushAt >= quietMs || t - start >= maxMs) resolve();
        else setTimeout(check, quietMs - (t - rs.lastPushAt));
      })();
    });
  }

  function withTimeout(promise, ms, what) {
    return new Promise(function (resolve, reject) {
      var timer = setTimeout(function () {
        reject(parleyError(ERR_TIMEOUT, what + ' within ' + ms + ' ms'));
      }, ms);
      promise.then(function (v) {
        clearTimeout(timer);
        resolve(v);
      }, function (e) {
        clearTimeout(timer);
        reject(e);
      });
    });
  }

  function urlStale(rec, margin) {
    return rec.urlExpiresAt > 0 && now() > rec.urlExpiresAt - margin;
  }

  // ---- publisher and player state ---------------------------------------------------------------------------

  ParleyEngine.prototype._setPublishState = function (rec, state, errorCode, extendedData, force) {
    if (!force && rec.state === state && !errorCode) return;
    rec.state = state;
    if (this._pusher && this._pusher.streamID === rec.streamID) this._pusher.state = state;
    this._emit('publisherStateUpdate', {streamID: rec.streamID, state: state, errorCode: errorCode || 0,
      extendedData: extendedData || ''});
  };

  ParleyEngine.prototype._setPlayState = function (rec, state, errorCode, extendedData, force) {
    if (!force && rec.state === state && !errorCode) return;
    rec.state = state;
    var p = this._players[rec.streamID];
    if (p) p.state = state;
    this._emit('playerStateUpdate', {streamID: rec.streamID, state: state, errorCode: errorCode || 0,
      extendedData: extendedData || ''});
  };

  ParleyEngine.prototype._onPusherCode = function (rec, code, message) {
    if (!rec.active) return;
    var ext = JSON.stringify({wxCode: code, message: message});
    if (code === PUSH_STARTED) {
      rec.failures = 0;
      this._setPublishState(rec, 'PUBLISHING', 0, '');
    } else if (code === PUSH_RECONNECTING) {
      if (rec.state === 'PUBLISHING') this._setPublishState(rec, 'PUBLISH_REQUESTING', ERR_PUBLISH_MEDIA, ext);
    } else if (contains(PUSH_NETWORK_FAILED, code)) {
      this._mediaFailed(rec, true, ext);
    } else if (contains(PUSH_DEVICE_FAILED, code)) {
      // The microphone or the encoder: a restart will not help. The stream stays announced until stop().
      rec.failures = this.options.mediaRetries;
      this._mediaFailed(rec, true, ext);
    }
  };

  ParleyEngine.prototype._onPlayerCode = function (rec, code, message) {
    if (!rec.active || rec.ended) return;
    var ext = JSON.stringify({wxCode: code, message: message});
    if (code === PLAY_STARTED) {
      rec.failures = 0;
      this._setPlayState(rec, 'PLAYING', 0, '');
    } else if (code === PLAY_RECONNECTING) {
      if (rec.state === 'PLAYING') this._setPlayState(rec, 'PLAY_REQUESTING', ERR_PLAY_MEDIA, ext);
    } else if (contains(PLAY_NETWORK_FAILED, code) || contains(PLAY_DECODE_FAILED, code) || code === PLAY_ENDED) {
      this._mediaFailed(rec, false, ext);
    }
  };

  /**
   * A pusher or player lost its media path (its component said so, or the server did). While logged in, restart
   * it (with a fresh URL when the key is about to expire) up to mediaRetries times; then NO_PUBLISH / NO_PLAY.
   * During a reconnection the failure is kept: a resumed session restarts the component then (its URL is still
   * valid), a fresh login restarts every component anyway.
   */
  ParleyEngine.prototype._mediaFailed = function (rec, isPublish, ext) {
    var self = this;
    if (this._state === 'RECONNECTING' && rec.active && !rec.finished) rec.awayFailure = {isPublish: isPublish, ext: ext};
    if (!rec.active || rec.finished || rec.restarting || this._state !== 'LOGINED') return;
    var code = isPublish ? ERR_PUBLISH_MEDIA : ERR_PLAY_MEDIA;
    rec.failures++;
    rec.restarting = true;
    // Wait a moment before reporting: the server may be about to say why (the stream ended, the room changed).
    rec.retryTimer = setTimeout(function () {
      if (!rec.active || rec.finished || self._state !== 'LOGINED') {
        rec.restarting = false;
        if (self._state === 'RECONNECTING' && rec.active && !rec.finished) {
          rec.failures--;
          rec.awayFailure = {isPublish: isPublish, ext: ext};
        }
        return;
      }
      if (rec.failures > self.options.mediaRetries || rec.mode === 'native') {
        // The native flow owns its components: it gets the state and restarts them itself (e.g. with getNextUrl).
        rec.restarting = false;
        if (isPublish) self._setPublishState(rec, 'NO_PUBLISH', code, ext, true);
        else self._setPlayState(rec, 'NO_PLAY', code, ext, true);
        if (rec.mode !== 'native') self._stopComponent(rec, isPublish);
        return;
      }
      if (isPublish) self._setPublishState(rec, 'PUBLISH_REQUESTING', code, ext);
      else self._setPlayState(rec, 'PLAY_REQUESTING', code, ext);
      // A player always asks for a fresh URL (the server may have ended our play); a pusher keeps its URL while
      // the key is valid, so that the room sees only the RTMP gap (PROTOCOL.md: a new push restarts the stream).
      var refresh = !isPublish || urlStale(rec, self.options.urlRefreshMargin);
      self._restartComponent(rec, isPublish, refresh).then(function () {
        rec.restarting = false;
      }, function (e) {
        rec.restarting = false;
        var err = toError(e, code);
        if (!rec.active || rec.finished) return;
        if (isPublish) self._setPublishState(rec, 'NO_PUBLISH', err.code, err.message, true);
        else self._setPlayState(rec, 'NO_PLAY', err.code, err.message, true);
        self._stopComponent(rec, isPublish);
      });
    }, this.options.mediaRetryDelay * rec.failures);
  };

  // Stops the component, optionally gets a fresh URL, writes it to the page and starts the component again.
  ParleyEngine.prototype._restartComponent = function (rec, isPublish, refresh) {
    var self = this;
    var owner = isPublish ? this._pusher : this._players[rec.streamID];
    if (!owner) return Promise.resolve();
    owner._stopContext();
    var p = refresh ? (isPublish ? this._refreshPublishUrl(rec) : this._refreshPlayUrl(rec)) : Promise.resolve(rec);
    return p.then(function () {
      if (!rec.active || rec.finished) return undefined;
      return owner._startWith(rec.url);
    }).then(function (r) {
      return self._log('restarted', rec.streamID, r);
    });
  };

  ParleyEngine.prototype._stopComponent = function (rec, isPublish) {
    var owner = isPublish ? this._pusher : this._players[rec.streamID];
    if (owner && owner.streamID === rec.streamID) owner._stopContext();
  };

  // ---- reconnection (PROTOCOL.md "Resume after a dropped connection") ---------------------------------------

  // resumeSession answers after which only a fresh login helps: the session ended (1102001), the pushes missed are
  // no longer held (1102015), the credential is refused (1102016); or the server cannot take the request at all
  // (1100001), which retrying would not change.
  var RELOGIN_CODES = [1102001, 1102015, 1102016, 1100001];
  // Sockets given up without their close frame (see _setAside), at most this many at once.
  var MAX_SET_ASIDE = 2;

  /**
   * The socket is gone (closed, errored, or a heartbeat unanswered). Logged in: RECONNECTING, then attempts with
   * backoff; each opens a socket and resumes the session (resumeSession with the login's credential and the last
   * push seq handled) or, when the server says the session is gone, logs in again.
   */
  ParleyEngine.prototype._onSocketLost = function (why) {
    var err = parleyError(ERR_NETWORK, why);
    this._failPending(err);
    this._stopHeartbeat();
    this._socket = null;
    if (this._state === 'LOGINED') {
      this._state = 'RECONNECTING';
      var self = this;
      this._reconnect = {deadline: now() + this.options.reconnectWindow, attempt: 0, timer: null};
      this._emitRoomState(this._room.roomID, 'RECONNECTING', ERR_NETWORK, why);
      // Pushers and players keep their components: a resumed session keeps their URLs, a fresh login gets new ones.
      this._reconnect.timer = setTimeout(function () {
        self._reconnectAttempt();
      }, 0);
    }
    // During RECONNECTING the attempt that owned this socket fails and schedules the next one.
  };

  ParleyEngine.prototype._scheduleReconnect = function () {
    var self = this;
    var rc = this._reconnect;
    if (!rc || this._state !== 'RECONNECTING') return;
    var delay = Math.min(this.options.reconnectMaxDelay, 200 * Math.pow(2, rc.attempt - 1));
    // The last pause ends at the deadline, where the attempt gives up (RECONNECT_FAILED at the window, not before).
    rc.timer = setTimeout(function () {
      self._reconnectAttempt();
    }, Math.max(0, Math.min(delay, rc.deadline - now())));
  };

  ParleyEngine.prototype._reconnectAttempt = function () {
    var self = this;
    var rc = this._reconnect;
    if (!rc || this._state !== 'RECONNECTING') return;
    rc.timer = null;
    if (now() >= rc.deadline) {
      this._reconnectFailed(ERR_RECONNECT_FAILED, 'no reconnect within ' + this.options.reconnectWindow + ' ms');
      return;
    }
    rc.attempt++;
    var unanswered = false;   // a resumeSession without its answer: the server may have moved the session to this socket
    this._connect().then(function () {
      if (!self._sessionID || !self._resumeToken) return self._relogin(rc, 0);
      unanswered = true;
      return self._request('resumeSession', {appID: self.appID, roomID: self._room.roomID, userID: self._room.user.userID,
        sessionID: self._sessionID, resumeToken: self._resumeToken, lastSeq: self._lastSeq}, function (data) {
        // Run as the answer arrives: RECONNECTED comes before the pushes replayed right behind it.
        unanswered = false;
        self._resumed(rc, data);
      }).then(null, function (e) {
        if (e.code !== ERR_TIMEOUT && e.code !== ERR_NETWORK) unanswered = false;
        if (self._state !== 'RECONNECTING' || self._reconnect !== rc || !contains(RELOGIN_CODES, e.code)) throw e;
        self._log('resumeSession refused, logging in again', e.code, e.message);
        self._closeSetAside();   // the old session is over: its sockets may close now
        return self._relogin(rc, e.code);   // on the same socket (a refused resume leaves it usable)
      });
    }).then(null, function (e) {
      if (self._state !== 'RECONNECTING' || self._reconnect !== rc) return;
      self._log('reconnect attempt failed', e);
      self._resync = null;
      if (contains(FATAL_LOGIN_CODES, e.code)) {
        self._reconnectFailed(e.code, e.message);
        return;
      }
      var sock = self._socket;
      self._socket = null;
      if (sock && unanswered) self._setAside(sock);
      else if (sock) closeTask(sock);
      self._stopHeartbeat();
      self._scheduleReconnect();
    });
  };

  /** The server took the session back on the new socket: same room, streams and URLs; the missed pushes follow. */
  ParleyEngine.prototype._resumed = function (rc, data) {
    if (this._state !== 'RECONNECTING' || this._reconnect !== rc) return;
    this._state = 'LOGINED';
    this._reconnect = null;
    this._resync = null;
    this._closeSetAside();   // their close frames no longer concern the session (it is carried by this socket)
    this._startHeartbeat(data.heartbeatInterval);
    this._emitRoomState(this._room.roomID, 'RECONNECTED', 0, '');
    this._resumeMedia();
  };

  /**
   * The session is gone on the server (or there is no credential): log in again with the login's parameters (and the
   * latest token), then report only what changed, RECONNECTED ({"relogin": why} when a refused resume led here) and
   * restart every pusher and player with new URLs (the old ones died with the old session).
   */
  ParleyEngine.prototype._relogin = function (rc, why) {
    var self = this;
    var logined;
    var resync = {users: {}, streams: {}, logined: new Promise(function (resolve) {
      logined = resolve;
    })};
    resync.onLogined = logined;
    this._resync = resync;
    this._sessionID = null;
    this._resumeToken = null;
    return this._login().then(function () {
      // The server pushes LOGINED, the users and the streams together after the response; a heartbeat sent
      // once LOGINED is here is answered after all of them.
      return withTimeout(resync.logined, self.options.requestTimeout, 'no LOGINED push after the login response');
    }).then(function () {
      return self._request('heartbeat', {});
    }).then(function () {
      // The room writes those pushes from its own thread: let it finish (no room push for RESYNC_QUIET_MS).
      return quiet(resync, RESYNC_QUIET_MS, 10 * RESYNC_QUIET_MS);
    }).then(function () {
      if (self._state !== 'RECONNECTING' || self._reconnect !== rc) return;
      self._state = 'LOGINED';
      self._reconnect = null;
      self._finishResync();
      self._emitRoomState(self._room.roomID, 'RECONNECTED', 0, why ? JSON.stringify({relogin: why}) : '');
      self._restoreMedia();
    });
  };

  ParleyEngine.prototype._reconnectFailed = function (code, message) {
    var room = this._room ? this._room.roomID : '';
    this._stopReconnect();
    this._stopAllMedia();
    this._closeSocket();
    this._resetRoom();
    this._emitRoomState(room, 'RECONNECT_FAILED', code, message);
  };

  ParleyEngine.prototype._stopReconnect = function () {
    if (this._reconnect && this._reconnect.timer) clearTimeout(this._reconnect.timer);
    this._reconnect = null;
    this._resync = null;
  };

  /**
   * Keeps a socket given up without closing it: a close frame that still reached the server would end the session
   * there (PROTOCOL.md "How a session ends"). It is closed once the session is carried by another socket, or over.
   */
  ParleyEngine.prototype._setAside = function (entry) {
    entry.open = false;
    this._setAsideSockets.push(entry);
    while (this._setAsideSockets.length > MAX_SET_ASIDE) closeTask(this._setAsideSockets.shift());
  };

  ParleyEngine.prototype._closeSetAside = function () {
    var list = this._setAsideSockets;
    this._setAsideSockets = [];
    for (var i = 0; i < list.length; i++) closeTask(list[i]);
  };

  // After a re-login: tell the page only what changed while the connection was down (as ZEGO does).
  ParleyEngine.prototype._finishResync = function () {
    var rs = this._resync;
    this._resync = null;
    if (!rs) return;
    var roomID = this._room.roomID;
    var goneUsers = [];
    var ids = keys(this._users);
    for (var i = 0; i < ids.length; i++) {
      if (!rs.users[ids[i]]) {
        goneUsers.push(this._users[ids[i]]);
        delete this._users[ids[i]];
      }
    }
    if (goneUsers.length && this._room.config.userUpdate) this._emit('roomUserUpdate', roomID, 'DELETE', goneUsers);
    var goneStreams = [];
    var reasons = [];
    var sids = keys(this._streams);
    for (var j = 0; j < sids.length; j++) {
      if (!rs.streams[sids[j]]) {
        goneStreams.push(this._streams[sids[j]]);
        reasons.push({stream_id: sids[j], code: 0, description: 'deleted_while_reconnecting'});
        delete this._streams[sids[j]];
      }
    }
    if (goneStreams.length) {
      this._emit('roomStreamUpdate', roomID, 'DELETE', goneStreams, JSON.stringify({stream_delete_reason: reasons}));
    }
  };

  // The new session has none of the old one's publishes and plays: ask again and restart the components.
  ParleyEngine.prototype._restoreMedia = function () {
    var self = this;
    var pubs = keys(this._publishes);
    for (var i = 0; i < pubs.length; i++) {
      this._publishes[pubs[i]].awayFailure = null;
      this._restorePublish(this._publishes[pubs[i]]);
    }
    var plays = keys(this._plays);
    for (var j = 0; j < plays.length; j++) {
      var rec = this._plays[plays[j]];
      rec.awayFailure = null;
      if (rec.ended) continue;
      this._restorePlay(rec);
    }
    return self;
  };

  // A resumed session keeps its publishes and plays and their URLs: only a component that failed meanwhile restarts.
  ParleyEngine.prototype._resumeMedia = function () {
    var recs = [];
    var pubs = keys(this._publishes);
    for (var i = 0; i < pubs.length; i++) recs.push(this._publishes[pubs[i]]);
    var plays = keys(this._plays);
    for (var j = 0; j < plays.length; j++) recs.push(this._plays[plays[j]]);
    for (var k = 0; k < recs.length; k++) {
      var f = recs[k].awayFailure;
      if (!f) continue;
      recs[k].awayFailure = null;
      this._mediaFailed(recs[k], f.isPublish, f.ext);
    }
  };

  ParleyEngine.prototype._restorePublish = function (rec) {
    var self = this;
    rec.failures = 0;
    rec.restarting = true;
    this._requestPublishUrl(rec).then(function () {
      rec.restarting = false;
      if (!rec.active) return undefined;
      if (rec.mode === 'pusher' && self._pusher && self._pusher.streamID === rec.streamID) {
        self._pusher._stopContext();
        return self._pusher._startWith(rec.url);
      }
      return undefined;
    }).then(null, function (e) {
      rec.restarting = false;
      var err = toError(e, ERR_PUBLISH_MEDIA);
      if (!rec.active) return;
      self._setPublishState(rec, 'NO_PUBLISH', err.code, err.message, true);
      self._stopComponent(rec, true);
    });
  };

  ParleyEngine.prototype._restorePlay = function (rec) {
    var self = this;
    rec.failures = 0;
    rec.restarting = true;
    this._requestPlayUrl(rec).then(function () {
      rec.restarting = false;
      var p = self._players[rec.streamID];
      if (!rec.active) return undefined;
      if (rec.mode === 'player' && p) {
        p._stopContext();
        return p._startWith(rec.url);
      }
      return undefined;
    }).then(null, function (e) {
      rec.restarting = false;
      var err = toError(e, ERR_PLAY_MEDIA);
      if (!rec.active) return;
      self._setPlayState(rec, 'NO_PLAY', err.code, err.message, true);
      self._stopComponent(rec, false);
    });
  };

  // ---- connection -----------------------------------------------------------------------------------------

  ParleyEngine.prototype._connect = function () {
    var self = this;
    if (this._socket && this._socket.open) return Promise.resolve();
    if (!this._wx || typeof this._wx.connectSocket !== 'function') {
      return Promise.reject(parleyError(ERR_LOGIN_NETWORK, 'wx.connectSocket is not available (expected: a mini-program, or options.wx)'));
    }
    return new Promise(function (resolve, reject) {
      var settled = false;
      var entry = {task: null, open: false};
      var fail = function (why) {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (self._socket === entry) self._socket = null;
        closeTask(entry);
        reject(parleyError(ERR_LOGIN_NETWORK, 'socket ' + self.server + ': ' + why));
      };
      var timer = setTimeout(function () {
        fail('not open after ' + self.options.requestTimeout + ' ms');
      }, self.options.requestTimeout);
      var task;
      try {
        task = self._wx.connectSocket({url: self.server, tcpNoDelay: true, fail: function (res) {
          fail((res && res.errMsg) || 'connectSocket failed');
        }});
      } catch (e) {
        fail(e.message || String(e));
        return;
      }
      if (!task) {
        fail('connectSocket returned no SocketTask');
        return;
      }
      entry.task = task;
      self._socket = entry;
      task.onOpen(function () {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        entry.open = true;
        resolve();
      });
      task.onMessage(function (res) {
        if (self._socket === entry) self._onMessage(res && res.data);
      });
      task.onClose(function (res) {
        var why = 'connection closed (' + ((res && res.code) || '') + ((res && res.reason) ? ' ' + res.reason : '') + ')';
        entry.open = false;
        if (!settled) {
          fail(why);
          return;
        }
        if (self._socket === entry) self._onSocketLost(why);
      });
      task.onError(function (res) {
        var why = 'socket error: ' + ((res && res.errMsg) || 'unknown');
        if (!settled) {
          fail(why);
          return;
        }
        if (self._socket === entry) {
          self._socket = null;
          self._setAside(entry);   // no close frame: it would end the session on the server
          self._onSocketLost(why);
        }
      });
    });
  };

  function closeTask(entry) {
    if (!entry || !entry.task) return;
    var task = entry.task;
    entry.task = null;
    entry.open = false;
    try {
      task.close({code: 1000, reason: 'bye'});
    } catch (e) {
      // already closed
    }
  }

  ParleyEngine.prototype._closeSocket = function () {
    this._stopHeartbeat();
    var s = this._socket;
    this._socket = null;
    if (s) closeTask(s);
    this._closeSetAside();
  };

  ParleyEngine.prototype._failPending = function (err) {
    var ids = keys(this._pending);
    for (var i = 0; i < ids.length; i++) {
      var p = this._pending[ids[i]];
      clearTimeout(p.timer);
      p.reject(err);
    }
    this._pending = {};
  };

  /** Sends a request; resolves its data. onAnswer(data), if given, runs as an OK answer arrives, before the frames after it. */
  ParleyEngine.prototype._request = function (type, data, onAnswer) {
    var self = this;
    var s = this._socket;
    if (!s || !s.open || !s.task) return Promise.reject(parleyError(ERR_NETWORK, type + ': not connected'));
    var id = String(this._nextId++);
    return new Promise(function (resolve, reject) {
      var timer = setTimeout(function () {
        delete self._pending[id];
        reject(parleyError(ERR_TIMEOUT, type + ': no response within ' + self.options.requestTimeout + ' ms'));
      }, self.options.requestTimeout);
      self._pending[id] = {resolve: resolve, reject: reject, timer: timer, type: type, onAnswer: onAnswer};
      s.task.send({data: JSON.stringify({id: id, type: type, data: data || {}}), fail: function (res) {
        var p = self._pending[id];
        if (!p) return;
        delete self._pending[id];
        clearTimeout(timer);
        reject(parleyError(ERR_NETWORK, type + ': send failed: ' + ((res && res.errMsg) || '')));
      }});
    });
  };

  ParleyEngine.prototype._onMessage = function (text) {
    var msg;
    try {
      msg = JSON.parse(text);
    } catch (e) {
      this._log('unreadable frame', text);
      return;
    }
    if (!msg || typeof msg !== 'object') return;
    if (typeof msg.push === 'string') {
      if (typeof msg.seq === 'number') {
        if (msg.seq <= this._lastSeq) return;   // handled already (before the connection dropped)
        this._lastSeq = msg.seq;
      }
      this._onPush(msg.push, msg.data || {});
      return;
    }
    var id = msg.id == null ? null : String(msg.id);
    var p = id === null ? undefined : this._pending[id];
    if (!p) {
      if (msg.code) this._log('unsolicited error', msg);
      return;
    }
    delete this._pending[id];
    clearTimeout(p.timer);
    if (msg.code === 0) {
      if (p.onAnswer) {
        try {
          p.onAnswer(msg.data || {});
        } catch (e) {
          this._log('handling the answer to ' + p.type + ' failed', e);
        }
      }
      p.resolve(msg.data || {});
    } else {
      p.reject(parleyError(msg.code, msg.message || ('error ' + msg.code)));
    }
  };

  ParleyEngine.prototype._onPush = function (name, d) {
    switch (name) {
      case 'roomStateChanged':
        this._onRoomStatePush(d);
        break;
      case 'roomUserUpdate':
        this._onUserPush(d);
        break;
      case 'roomStreamUpdate':
        this._onStreamPush(d);
        break;
      case 'publisherStateUpdate':
        this._onPublisherPush(d);
        break;
      case 'playerStateUpdate':
        this._onPlayerPush(d);
        break;
      case 'publishQualityUpdate':
      case 'playQualityUpdate':
        this._onQualityPush(name, d);
        break;
      case 'tokenWillExpire':
        // A warning sent before a renewToken reached the server is about the old token: the current one lives longer.
        if (this._room && typeof d.remainTimeInSecond === 'number'
            && tokenExpiry(this._room.token) > Math.floor(now() / 1000) + d.remainTimeInSecond + 2) break;
        // The server's warning supersedes the local one computed from the token (one per token).
        if (this._tokenTimer) clearTimeout(this._tokenTimer);
        this._tokenTimer = null;
        if (!this._tokenWarned) {
          this._tokenWarned = true;
          this._emit(name, d.roomID || (this._room && this._room.roomID));
        }
        break;
      case 'roomExtraInfoUpdate':
        this._emit(name, d.roomID, d.roomExtraInfoList || []);
        break;
      case 'streamExtraInfoUpdate':
        this._emit(name, d.roomID, d.streamList || []);
        break;
      case 'IMRecvBroadcastMessage':
      case 'IMRecvBarrageMessage':
        this._emit(name, d.roomID, d.messageList || []);
        break;
      case 'IMRecvCustomCommand':
        this._emit(name, d.roomID, d.fromUser, d.command);
        break;
      case 'roomOnlineUserCountUpdate':
        this._emit(name, d.roomID, d.count);
        break;
      case 'remoteMicStatusUpdate':
        this._emit(name, d.streamID, d.status);
        break;
      case 'serverDraining':
        this._emit(name, d.deadline);
        break;
      default:
        break;   // newer servers may push more: ignore what we do not know
    }
  };

  ParleyEngine.prototype._onRoomStatePush = function (d) {
    if (d.reason === 'LOGIN_FAILED') return;   // loginRoom reports it once, from the response
    if (d.reason === 'LOGINED') {
      // The first login reports LOGINED; a re-login's LOGINED is reported as RECONNECTED once resynchronised.
      if (this._state === 'RECONNECTING') {
        if (this._resync && this._resync.onLogined) this._resync.onLogined();
        return;
      }
      this._emitRoomState(d.roomID, 'LOGINED', d.errorCode || 0, d.extendedData || '');
      return;
    }
    if (d.reason === 'KICKOUT') {
      var room = d.roomID || (this._room && this._room.roomID);
      this._stopReconnect();
      this._stopAllMedia();
      this._closeSocket();
      this._resetRoom();
      this._emitRoomState(room, 'KICKOUT', d.errorCode, d.extendedData || '');
      return;
    }
    this._emitRoomState(d.roomID, d.reason, d.errorCode || 0, d.extendedData || '');
  };

  ParleyEngine.prototype._onUserPush = function (d) {
    var list = d.userList || [];
    if (this._resync) this._resync.lastPushAt = now();
    var emit = [];
    for (var i = 0; i < list.length; i++) {
      var u = list[i];
      if (d.updateType === 'ADD') {
        if (this._resync) this._resync.users[u.userID] = true;
        if (this._resync && this._users[u.userID]) continue;   // known before the connection dropped
        this._users[u.userID] = u;
      } else {
        if (!this._users[u.userID] && this._resync) continue;
        delete this._users[u.userID];
      }
      emit.push(u);
    }
    if (emit.length) this._emit('roomUserUpdate', d.roomID, d.updateType, emit);
  };

  ParleyEngine.prototype._onStreamPush = function (d) {
    var list = d.streamList || [];
    if (this._resync) this._resync.lastPushAt = now();
    var emit = [];
    for (var i = 0; i < list.length; i++) {
      var s = list[i];
      if (d.updateType === 'ADD') {
        if (this._resync) this._resync.streams[s.streamID] = true;
        if (this._resync && this._streams[s.streamID]) continue;
        this._streams[s.streamID] = s;
      } else {
        if (!this._streams[s.streamID] && this._resync) continue;
        delete this._streams[s.streamID];
        var play = this._plays[s.streamID];
        if (play && !play.finished) {
          // The web SDK's player gets NO_PLAY publisher_stopped from the server; mark it so that the end of the
          // <live-player>'s connection is not taken for a network failure.
          play.finished = true;
          clearTimeout(play.retryTimer);
          play.restarting = false;
        }
      }
      emit.push(s);
    }
    if (emit.length) this._emit('roomStreamUpdate', d.roomID, d.updateType, emit, d.extendedData || '');
  };

  ParleyEngine.prototype._onPublisherPush = function (d) {
    var rec = this._publishes[d.streamID];
    if (!rec) {
      this._emit('publisherStateUpdate', d);
      return;
    }
    var ext = d.extendedData || '';
    if (d.state === 'NO_PUBLISH' && rec.active && /rtmp_disconnected/.test(ext) && rec.mode !== 'native') {
      // The RTMP connection ended but the page still publishes: restart the pusher (the streamID stays ours).
      this._mediaFailed(rec, true, ext);
      return;
    }
    if (d.state === 'PUBLISHING') rec.failures = 0;
    if (d.state === 'PUBLISH_REQUESTING' && rec.state === 'PUBLISH_REQUESTING') return;
    this._setPublishState(rec, d.state, d.errorCode, ext, d.state === 'NO_PUBLISH');
  };

  ParleyEngine.prototype._onPlayerPush = function (d) {
    var rec = this._plays[d.streamID];
    if (!rec) {
      this._emit('playerStateUpdate', d);
      return;
    }
    var ext = d.extendedData || '';
    if (d.state === 'NO_PLAY') {
      rec.ended = true;   // the server no longer plays it for us: a restart asks again
      if (/player_disconnected/.test(ext) && rec.active && rec.mode !== 'native' && !rec.finished) {
        this._mediaFailed(rec, false, ext);
        return;
      }
      if (/publisher_stopped/.test(ext)) this._finishPlay(rec);
      this._setPlayState(rec, 'NO_PLAY', d.errorCode, ext, true);
      return;
    }
    if (d.state === 'PLAYING') rec.failures = 0;
    if (d.state === 'PLAY_REQUESTING' && rec.state === 'PLAY_REQUESTING') return;
    this._setPlayState(rec, d.state, d.errorCode, ext);
  };

  // The stream is gone from the room: stop its <live-player>, restart nothing (the page decides to stop() it).
  ParleyEngine.prototype._finishPlay = function (rec) {
    rec.finished = true;
    rec.ended = true;
    rec.restarting = false;
    clearTimeout(rec.retryTimer);
    if (rec.mode === 'native') return;
    this._stopComponent(rec, false);
    var p = this._players[rec.streamID];
    if (p) p._setUrl('');
  };

  ParleyEngine.prototype._onQualityPush = function (name, d) {
    var rec = name === 'publishQualityUpdate' ? this._publishes[d.streamID] : this._plays[d.streamID];
    var server = d.stats || {};
    var stats = extend({}, server);
    var net = rec && rec.netStats;
    stats.video = net ? extend({}, net.video) : {videoBitrate: 0, videoFPS: 0, videoWidth: 0, videoHeight: 0};
    stats.audio = {audioBitrate: typeof server.audioBitrate === 'number' ? server.audioBitrate : (net ? net.audio.audioBitrate : 0)};
    if (rec) rec.serverQualityAt = now();
    this._emit(name, d.streamID, stats);
  };

  ParleyEngine.prototype._startHeartbeat = function (intervalMs) {
    var self = this;
    this._stopHeartbeat();
    this._heartbeatInterval = intervalMs > 0 ? intervalMs : 30000;
    this._heartbeat = setInterval(function () {
      var s = self._socket;
      // ack: the server may let go of the pushes handled (PROTOCOL.md "Resume after a dropped connection").
      self._request('heartbeat', self._lastSeq > 0 ? {ack: self._lastSeq} : {}).then(null, function (e) {
        self._log('heartbeat', e);
        // No answer: the connection is dead even if the socket has not noticed (a mobile network switch).
        if (e.code === ERR_TIMEOUT && self._socket === s && s) {
          self._socket = null;
          self._setAside(s);
          self._onSocketLost('heartbeat: ' + e.message);
        }
      });
    }, this._heartbeatInterval);
  };

  ParleyEngine.prototype._stopHeartbeat = function () {
    if (this._heartbeat) clearInterval(this._heartbeat);
    this._heartbeat = null;
  };

  ParleyEngine.prototype._scheduleTokenWillExpire = function (expireSeconds) {
    var self = this;
    if (this._tokenTimer) clearTimeout(this._tokenTimer);
    this._tokenTimer = null;
    this._tokenWarned = false;
    if (!(expireSeconds > 0)) return;
    var delay = expireSeconds * 1000 - this.options.tokenWillExpireLead - now();
    if (delay > 2147483647) return;   // beyond what setTimeout can wait (24 days): a later renewToken reschedules
    this._tokenTimer = setTimeout(function () {
      self._tokenTimer = null;
      if (self._room && self._state !== 'LOGOUT' && !self._tokenWarned) {
        self._tokenWarned = true;
        self._emit('tokenWillExpire', self._room.roomID);
      }
    }, Math.max(0, delay));
  };

  ParleyEngine.prototype._stopAllMedia = function () {
    var pubs = keys(this._publishes);
    for (var i = 0; i < pubs.length; i++) {
      var rec = this._publishes[pubs[i]];
      rec.active = false;
      clearTimeout(rec.retryTimer);
    }
    var plays = keys(this._plays);
    for (var j = 0; j < plays.length; j++) {
      var prec = this._plays[plays[j]];
      prec.active = false;
      clearTimeout(prec.retryTimer);
    }
    this._publishes = {};
    this._plays = {};
    if (this._pusher) this._pusher._reset();
    var ids = keys(this._players);
    for (var k = 0; k < ids.length; k++) this._players[ids[k]]._reset();
    this._players = {};
    this._writePlayers();
  };

  ParleyEngine.prototype._resetRoom = function () {
    this._state = 'LOGOUT';
    this._sessionID = null;
    this._resumeToken = null;
    this._lastSeq = 0;
    this._stopHeartbeat();
    if (this._tokenTimer) clearTimeout(this._tokenTimer);
    this._tokenTimer = null;
    this._room = null;
    this._users = {};
    this._streams = {};
  };

  // exp (Unix seconds) of a JWT, or of a token04's outer expire; 0 when unreadable.
  function tokenExpiry(token) {
    try {
      if (token.indexOf('.') > 0) {
        var part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
        return JSON.parse(base64Decode(part)).exp || 0;
      }
      if (token.indexOf('04') === 0) {
        var raw = base64Decode(token.substring(2));
        var hi = 0;
        for (var i = 0; i < 8; i++) hi = hi * 256 + raw.charCodeAt(i);
        return hi;
      }
    } catch (e) {
      return 0;
    }
    return 0;
  }

  function base64Decode(s) {
    var chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    var out = '';
    var buf = 0;
    var bits = 0;
    for (var i = 0; i < s.length; i++) {
      var c = chars.indexOf(s.charAt(i));
      if (c < 0) continue;
      buf = (buf << 6) | c;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out += String.fromCharCode((buf >> bits) & 0xff);
      }
    }
    return out;
  }

  // ---- ParleyPusher: the page's <live-pusher> ---------------------------------------------------------

  function ParleyPusher(engine) {
    this.engine = engine;
    this.attributes = {id: engine.options.pusherID, url: '', mode: 'RTC', autopush: false, enableCamera: false,
      enableMic: true, enableAgc: true, enableAns: true};
    this.streamID = '';
    this.state = 'NO_PUBLISH';
    this.context = null;
  }

  /** Merges <live-pusher> attributes and writes them to data[pushAtr] (url and id are the SDK's). */
  ParleyPusher.prototype.setAttributes = function (attributes) {
    var url = this.attributes.url;
    var id = this.attributes.id;
    extend(this.attributes, attributes || {});
    this.attributes.url = url;
    if (attributes && attributes.id && !this.streamID) id = attributes.id;
    this.attributes.id = id;
    this.engine._writePusher();
    return true;
  };

  ParleyPusher.prototype.getAttributes = function () {
    return extend({}, this.attributes);
  };

  /**
   * Publishes streamID: asks the server for an RTMP URL, writes it to data[pushAtr].url, then starts the
   * <live-pusher>. Resolves {streamID, url}; refusals reject (and push NO_PUBLISH with the code).
   */
  ParleyPusher.prototype.start = function (streamID, publishOption) {
    var self = this;
    var engine = this.engine;
    if (this.streamID && engine._publishes[this.streamID]) {
      return Promise.reject(parleyError(1103056, 'the pusher already publishes ' + this.streamID + ' (stop() first)'));
    }
    this.streamID = streamID;
    return engine._startPublish(streamID, publishOption || {}, 'pusher').then(function (res) {
      return self._startWith(res.url).then(function () {
        return res;
      });
    }, function (e) {
      if (self.streamID === streamID && !engine._publishes[streamID]) self.streamID = '';
      throw e;
    });
  };

  // Writes url to the page, then (once rendered) starts the <live-pusher>.
  ParleyPusher.prototype._startWith = function (url) {
    var self = this;
    var engine = this.engine;
    this.attributes.url = url;
    return new Promise(function (resolve) {
      engine._writePusher(function () {
        var rec = engine._publishes[self.streamID];
        if (!rec || !rec.active || self.attributes.url !== url) {
          resolve(false);
          return;
        }
        if (!self.context) self.context = engine._wx.createLivePusherContext(engine._ctx.wxContext);
        self.context.start({
          success: function () {
            resolve(true);
          },
          fail: function (res) {
            engine._log('LivePusherContext.start failed', res);
            resolve(false);
          }
        });
      });
    });
  };

  ParleyPusher.prototype._setUrl = function (url) {
    this.attributes.url = url;
    this.engine._writePusher();
  };

  ParleyPusher.prototype._stopContext = function () {
    if (this.context) this.context.stop({});
  };

  /** Stops publishing: tells the server, stops the <live-pusher> and clears data[pushAtr].url. */
  ParleyPusher.prototype.stop = function () {
    var streamID = this.streamID;
    this._stopContext();
    this.attributes.url = '';
    this.engine._writePusher();
    this.streamID = '';
    this.state = 'NO_PUBLISH';
    if (!streamID) return Promise.resolve(false);
    return this.engine.stopPublishingStream(streamID);
  };

  ParleyPusher.prototype.pause = function (options) {
    if (this.context) this.context.pause(options || {});
  };

  ParleyPusher.prototype.resume = function (options) {
    if (this.context) this.context.resume(options || {});
  };

  ParleyPusher.prototype._reset = function () {
    this._stopContext();
    this.streamID = '';
    this.state = 'NO_PUBLISH';
    this.attributes.url = '';
    this.engine._writePusher();
  };

  // ---- ParleyPlayer: one <live-player> of the page's list ---------------------------------------------

  function ParleyPlayer(engine, streamID, component) {
    this.engine = engine;
    this.streamID = streamID;
    this.component = component || null;
    this.attributes = {id: streamID, streamID: streamID, url: '', mode: 'RTC', autoplay: true, muteAudio: false,
      muteVideo: false, objectFit: 'contain', minCache: 1, maxCache: 3, soundMode: 'speaker'};
    this.listed = false;   // in data[playAtr]
    this.state = 'NO_PLAY';
    this.context = null;
  }

  ParleyPlayer.prototype.setAttributes = function (attributes) {
    var url = this.attributes.url;
    extend(this.attributes, attributes || {});
    this.attributes.url = url;
    this.attributes.id = this.streamID;
    this.attributes.streamID = this.streamID;
    if (this.listed) this.engine._writePlayers();
    return true;
  };

  ParleyPlayer.prototype.getAttributes = function () {
    return extend({}, this.attributes);
  };

  /**
   * Plays the stream: asks the server for a URL (option.transport 'rtmp' or 'flv'), writes it to
   * data[playAtr][i].url, then starts the <live-player>. Resolves {streamID, url}.
   */
  ParleyPlayer.prototype.play = function (playOption) {
    var self = this;
    var engine = this.engine;
    if (engine._players[this.streamID] !== this) engine._players[this.streamID] = this;
    return engine._startPlay(this.streamID, playOption || {}, 'player').then(function (res) {
      return self._startWith(res.url).then(function () {
        return res;
      });
    });
  };

  ParleyPlayer.prototype._startWith = function (url) {
    var self = this;
    var engine = this.engine;
    this.attributes.url = url;
    this.listed = true;
    return new Promise(function (resolve) {
      engine._writePlayers(function () {
        var rec = engine._plays[self.streamID];
        if (!rec || !rec.active || self.attributes.url !== url) {
          resolve(false);
          return;
        }
        if (!self.context) self.context = engine._wx.createLivePlayerContext(self.streamID, self.component || engine._ctx.wxContext);
        self.context.play({
          success: function () {
            resolve(true);
          },
          fail: function (res) {
            engine._log('LivePlayerContext.play failed', res);
            resolve(false);
          }
        });
      });
    });
  };

  ParleyPlayer.prototype._setUrl = function (url) {
    this.attributes.url = url;
    if (this.listed) this.engine._writePlayers();
  };

  ParleyPlayer.prototype._stopContext = function () {
    if (this.context) this.context.stop({});
  };

  /** Stops playing: tells the server, stops the <live-player> and removes it from data[playAtr]. */
  ParleyPlayer.prototype.stop = function () {
    var engine = this.engine;
    this._stopContext();
    this.attributes.url = '';
    this.listed = false;
    this.state = 'NO_PLAY';
    if (engine._players[this.streamID] === this) delete engine._players[this.streamID];
    engine._writePlayers();
    return engine.stopPlayingStream(this.streamID);
  };

  ParleyPlayer.prototype.pause = function (options) {
    if (this.context) this.context.pause(options || {});
  };

  ParleyPlayer.prototype.resume = function (options) {
    if (this.context) this.context.resume(options || {});
  };

  ParleyPlayer.prototype.mute = function (options) {
    if (this.context) this.context.mute(options || {});
  };

  ParleyPlayer.prototype._reset = function () {
    this._stopContext();
    this.attributes.url = '';
    this.listed = false;
    this.state = 'NO_PLAY';
  };

  ParleyEngine.ERRORS = {PARAM: ERR_PARAM, TIMEOUT: ERR_TIMEOUT, NETWORK: ERR_NETWORK, LOGIN_NETWORK: ERR_LOGIN_NETWORK,
    RECONNECT_FAILED: ERR_RECONNECT_FAILED, NOT_LOGGED_IN: ERR_NOT_LOGGED_IN, PUBLISH_MEDIA: ERR_PUBLISH_MEDIA,
    PLAY_MEDIA: ERR_PLAY_MEDIA};
  ParleyEngine.EVENTS = EVENTS.slice();
  ParleyEngine.VERSION = VERSION;

  return {ParleyEngine: ParleyEngine, ZegoExpressEngine: ParleyEngine, ParleyPusher: ParleyPusher, ParleyPlayer: ParleyPlayer};
});
