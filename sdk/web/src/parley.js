/*
 * parley.js: the Parley browser SDK (npm package parley-web, sdk/web in the Parley repository). Plain ES2017,
 * no dependencies. Shaped like ZEGO Express Web: new ParleyEngine(appID, 'ws://host:port/ws'), loginRoom,
 * createStream, startPublishingStream, startPlayingStream, on(event, fn). The wire contract is
 * protocol/PROTOCOL.md; every call and event: sdk/web/README.md; types: sdk/web/parley.d.ts.
 *
 * This file is the UMD build as it is (a <script> tag gets the global ParleyEngine, CommonJS and AMD get
 * {ParleyEngine, ZegoExpressEngine}); scripts/build.js copies it to dist/ and derives the ES module build
 * from the factory below, so keep the two wrapper lines around the factory as they are.
 *
 * Errors reject with {code, message} (server codes from PROTOCOL.md; client-side ones below). As in ZEGO Express Web,
 * the room-feature calls (setRoomExtraInfo, setStreamExtraInfo, sendBroadcastMessage, sendBarrageMessage,
 * sendCustomCommand, renewToken) resolve {errorCode, extendedData} instead: errorCode 0 is success, anything else the
 * server's (or a client-side) code with the reason in extendedData.
 *
 * A connection lost without a close frame (network loss or change) while logged in is resumed: roomStateChanged
 * RECONNECTING (1000017) for each room of the session, then RECONNECTED once the server took the session back, with
 * all its rooms (publishers and players keep their RTCPeerConnections, the pushes missed arrive next in order), or
 * after fresh logins when the server says the session is gone (extendedData {"relogin": code}); RECONNECT_FAILED
 * (1002053) for each room after options.reconnectWindow (5 min). The legacy roomStateUpdate (DISCONNECTED /
 * CONNECTING / CONNECTED) follows every room state.
 */
(function (root, factory) {
  if (typeof module === 'object' && module && module.exports) {
    module.exports = factory(root);
  } else if (typeof define === 'function' && define.amd) {
    define([], function () { return factory(root); });
  } else {
    root.ParleyEngine = factory(root).ParleyEngine;
  }
})(typeof window !== 'undefined' ? window : globalThis, function (global) {
  'use strict';

  const VERSION = '0.1.0';   // the package's version (a test holds it to package.json and the Maven project)

  // Client-side error codes (ZEGO Web's numbers for the same situations).
  const ERR_PARAM = 1100001;          // a bad argument, caught before sending
  const ERR_TIMEOUT = 1100002;        // no response within requestTimeout
  const ERR_NETWORK = 1000017;        // the WebSocket closed or could not open
  const ERR_LOGIN_NETWORK = 1002030;  // loginRoom could not reach the server
  const ERR_NOT_LOGGED_IN = 1000002;
  const ERR_PUBLISH_PARAM = 1103001;
  const ERR_PLAY_PARAM = 1104001;
  const ERR_RECONNECT_TIMEOUT = 1002053;   // no resume within reconnectWindow
  // resumeSession answers that send the client to log in again (PROTOCOL.md, "Resume after a dropped connection").
  const RELOGIN_CODES = [1102001, 1102015, 1102016];
  const DEFAULT_RECONNECT_WINDOW_MS = 5 * 60 * 1000;
  const FIRST_PAUSE_MS = 200;
  const MAX_PAUSE_MS = 5000;

  const DEFAULT_REQUEST_TIMEOUT_MS = 10000;
  const EVENTS = ['roomStateChanged', 'roomUserUpdate', 'roomStreamUpdate', 'publisherStateUpdate',
    'playerStateUpdate', 'publishQualityUpdate', 'playQualityUpdate', 'tokenWillExpire', 'roomExtraInfoUpdate',
    'streamExtraInfoUpdate', 'IMRecvBroadcastMessage', 'IMRecvBarrageMessage', 'IMRecvCustomCommand',
    'roomOnlineUserCountUpdate', 'remoteMicStatusUpdate', 'roomStateUpdate'];
  const LEGACY = {LOGINING: 'CONNECTING', RECONNECTING: 'CONNECTING', LOGINED: 'CONNECTED', RECONNECTED: 'CONNECTED'};

  function parleyError(code, message) {
    return {code: code, message: message};
  }

  /** loginRoom's user, first or further login alike: rejects with 1100001 before anything is sent. */
  function checkUser(user) {
    if (!user || typeof user.userID !== 'string') {
      throw parleyError(ERR_PARAM, 'user: ' + JSON.stringify(user) + ' (expected: {userID, userName?})');
    }
  }

  function toError(e, fallbackCode) {
    if (e && typeof e.code === 'number' && typeof e.message === 'string') return e;
    return parleyError(fallbackCode, (e && (e.message || e.name)) || String(e));
  }

  class ParleyEngine {
    /**
     * @param {number} appID the App
     * @param {string} server 'ws://host:port/ws' (or wss:// behind a TLS proxy)
     * @param {{requestTimeout?: number, reconnectWindow?: number, rtcConfiguration?: RTCConfiguration,
     *          logger?: function, bundle?: boolean}} [options]
     *   reconnectWindow: how long (ms) a dropped session is retried before RECONNECT_FAILED (default 5 minutes).
     *   bundle: one RTCPeerConnection for the whole session (all its rooms in multi-room), an m-line per stream, added and removed by
     *   renegotiation (PROTOCOL.md "One transport per session"); default false: a connection per stream.
     */
    constructor(appID, server, options) {
      if (typeof appID !== 'number' || !Number.isInteger(appID) || appID <= 0) {
        throw parleyError(ERR_PARAM, 'appID: ' + appID + ' (expected: a positive integer)');
      }
      if (typeof server !== 'string' || !/^wss?:\/\//.test(server)) {
        throw parleyError(ERR_PARAM, 'server: ' + server + ' (expected: ws://host:port/ws or wss://...)');
      }
      const opts = options || {};
      this.appID = appID;
      this.server = server;
      this.requestTimeout = opts.requestTimeout || DEFAULT_REQUEST_TIMEOUT_MS;
      this.reconnectWindow = opts.reconnectWindow || DEFAULT_RECONNECT_WINDOW_MS;
      this.rtcConfiguration = opts.rtcConfiguration || {};
      this.bundle = !!opts.bundle;
      this._session = null;            // bundle: {pc, queue} for the room session
      this._iceServers = [];           // TURN servers with short-lived credentials, from the login response
      this._log = opts.logger || function () {};
      this._handlers = new Map();      // event name -> Set of functions
      this._pending = new Map();       // request id -> {resolve, reject, timer, type}
      this._nextId = 1;
      this._ws = null;
      this._heartbeat = null;
      this._roomID = null;           // the first room (the one calls without a roomID mean)
      this._rooms = new Set();       // every room this engine is in (several after enableMultiRoom(true))
      this._multiRoom = false;
      this._user = null;
      this._state = 'LOGOUT';          // LOGOUT -> LOGINING -> LOGINED -> LOGOUT (client view of the room)
      this._publishers = new Map();    // streamID -> {pc, stream} (bundled: + transceiver)
      this._players = new Map();       // streamID -> {pc, stream} (bundled: + transceiver)
      this._logins = new Map();        // roomID -> its loginRoom request data, for fresh logins after a lost session
      this._sessionID = null;          // with _resumeToken: what resumes the session after a drop
      this._resumeToken = null;
      this._lastSeq = 0;               // the highest push seq handled on this session
      this._reconnect = null;          // {deadline, pause, timer} while RECONNECTING
      this._relogging = new Set();     // rooms whose LOGINED (of a fresh login after a lost session) is not reported
      this._heardAt = 0;
    }

    /**
     * The RTCPeerConnection configuration: the login's TURN servers (iceServers) unless options.rtcConfiguration
     * names its own, then the rest of options.rtcConfiguration (e.g. iceTransportPolicy: 'relay').
     */
    _rtcConfig() {
      return Object.assign({bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require'},
        this._iceServers.length ? {iceServers: this._iceServers} : {}, this.rtcConfiguration);
    }

    // ---- events -------------------------------------------------------------------------------

    /** Registers fn for an event of ParleyEngine.EVENTS (sdk/web/README.md, "Events"). False for an unknown event. */
    on(event, fn) {
      if (EVENTS.indexOf(event) < 0 || typeof fn !== 'function') return false;
      if (!this._handlers.has(event)) this._handlers.set(event, new Set());
      this._handlers.get(event).add(fn);
      return true;
    }

    /** Removes fn, or every handler of the event when fn is omitted. */
    off(event, fn) {
      const set = this._handlers.get(event);
      if (!set) return false;
      if (fn) set.delete(fn); else set.clear();
      return true;
    }

    /** roomStateChanged, and the legacy roomStateUpdate that follows it. */
    _emitState(roomID, reason, code, extendedData) {
      this._emit('roomStateChanged', roomID, reason, code, extendedData);
      this._emit('roomStateUpdate', roomID, LEGACY[reason] || 'DISCONNECTED', code, extendedData);
    }

    _emit(event) {
      const args = Array.prototype.slice.call(arguments, 1);
      const set = this._handlers.get(event);
      if (!set) return;
      for (const fn of Array.from(set)) {
        try {
          fn.apply(null, args);
        } catch (e) {
          console.error('parley: a ' + event + ' handler threw', e);
        }
      }
    }

    // ---- room ---------------------------------------------------------------------------------

    /**
     * Multi-room mode (the App must allow it: apps[].multiRoom): loginRoom may then be called again for further rooms,
     * and calls that act in a room take its roomID. Call before the first loginRoom; returns false afterwards.
     */
    enableMultiRoom(enable) {
      if (this._state !== 'LOGOUT') return false;
      this._multiRoom = !!enable;
      return true;
    }

    /**
     * Logs in to a room (created if it does not exist). Resolves true on success and false when the server
     * refuses or cannot be reached; the reason comes through roomStateChanged (LOGIN_FAILED, errorCode).
     */
    async loginRoom(roomID, token, user, config) {
      if (this._state === 'LOGINED' && this._multiRoom) return this._loginAnother(roomID, token, user, config);
      if (this._state === 'RECONNECT_FAILED') this._state = 'LOGOUT';
      if (this._state !== 'LOGOUT') {
        this._emitState(roomID, 'LOGIN_FAILED', 1002001, 'already in room ' + this._roomID);
        return false;
      }
      checkUser(user);
      const cfg = config || {};
      this._state = 'LOGINING';
      this._roomID = roomID;
      this._user = {userID: user.userID, userName: user.userName || user.userID};
      this._emitState(roomID, 'LOGINING', 0, '');
      try {
        await this._connect();
      } catch (e) {
        this._resetRoom();
        this._emitState(roomID, 'LOGIN_FAILED', ERR_LOGIN_NETWORK, e.message);
        return false;
      }
      this._lastSeq = 0;
      const login = {
        appID: this.appID, roomID: roomID, token: token, user: this._user,
        config: {userUpdate: cfg.userUpdate === true, maxMemberCount: cfg.maxMemberCount || 0, multiRoom: this._multiRoom}
      };
      let data;
      try {
        data = await this._request('loginRoom', login);
      } catch (e) {
        // Reported from the response (the server's own LOGIN_FAILED push may come before or after it; see _onPush).
        this._log('loginRoom failed', e);
        this._resetRoom();
        this._closeSocket();
        this._emitState(roomID, 'LOGIN_FAILED', e.code, e.message);
        return false;
      }
      this._loggedIn(login, data);
      return true;
    }

    /** The session's first login answered (a login, or a fresh one after a lost session). */
    _loggedIn(login, data) {
      this._state = 'LOGINED';
      this._iceServers = Array.isArray(data.iceServers) ? data.iceServers : [];
      this._sessionID = data.sessionID || null;
      this._resumeToken = data.resumeToken || null;
      this._rooms.add(login.roomID);
      this._logins.set(login.roomID, login);
      this._startHeartbeat(data.heartbeatInterval);
    }

    /** A further room (multi-room): same connection, same user; a refusal leaves the other rooms alone. */
    async _loginAnother(roomID, token, user, config) {
      checkUser(user);
      const cfg = config || {};
      this._emitState(roomID, 'LOGINING', 0, '');
      const login = {
        appID: this.appID, roomID: roomID, token: token,
        user: {userID: user.userID, userName: user.userName || user.userID},
        config: {userUpdate: cfg.userUpdate === true, maxMemberCount: cfg.maxMemberCount || 0, multiRoom: true}
      };
      try {
        await this._request('loginRoom', login);
      } catch (e) {
        const err = toError(e, ERR_LOGIN_NETWORK);
        this._emitState(roomID, 'LOGIN_FAILED', err.code, err.message);
        return false;
      }
      this._rooms.add(roomID);
      this._logins.set(roomID, login);
      return true;
    }

    /** Leaves the room: stops every publish and play, tells the server, closes the connection. */
    async logoutRoom(roomID) {
      if (this._state === 'LOGOUT') return;
      if (this._state === 'RECONNECTING' || this._state === 'RECONNECT_FAILED') {
        // Nobody to tell: the server's session, if any, ends at its heartbeat timeout. Every room goes.
        const all = this._state === 'RECONNECTING' ? Array.from(this._rooms) : [roomID || this._roomID];
        this._stopReconnect();
        this._closeAllMedia();
        this._resetRoom();
        this._closeSocket();
        for (const id of all) if (id) this._emitState(id, 'LOGOUT', 0, '');
        return;
      }
      if (roomID && this._state === 'LOGINED' && !this._rooms.has(roomID)) {
        // A room the engine is not in (one room or several): nothing is left.
        this._emitState(roomID, 'LOGOUT_FAILED', 1002002, 'not logged in to room ' + roomID);
        return;
      }
      if (this._rooms.size > 1 && roomID) {
        // Multi-room: leave this room only; its streams stop, the others go on.
        try {
          await this._request('logoutRoom', {roomID: roomID});
        } catch (e) {
          this._log('logoutRoom', roomID, e);
        }
        this._rooms.delete(roomID);
        this._logins.delete(roomID);
        // A bundled stream's transceiver goes inactive (the session's connection serves the other rooms too);
        // the server ended the room's streams, so the next offer's answer rejects their m-lines.
        for (const [id, entry] of this._publishers) {
          if (entry.roomID === roomID) {
            this._release(entry);
            this._publishers.delete(id);
          }
        }
        for (const [id, entry] of this._players) {
          if (entry.roomID === roomID) {
            this._release(entry);
            this._players.delete(id);
          }
        }
        if (this._roomID === roomID) this._roomID = this._rooms.values().next().value;
        this._emitState(roomID, 'LOGOUT', 0, '');
        return;
      }
      if (this._rooms.size > 1) {
        // No roomID: every room.
        const all = Array.from(this._rooms);
        this._state = 'LOGOUT';
        try {
          await this._request('logoutRoom', {});
        } catch (e) {
          this._log('logoutRoom', e);
        }
        this._closeAllMedia();
        this._resetRoom();
        this._closeSocket();
        for (const id of all) this._emitState(id, 'LOGOUT', 0, '');
        return;
      }
      const room = roomID || this._roomID;
      this._state = 'LOGOUT';   // no new publish or play from here on
      try {
        await this._request('logoutRoom', {roomID: room});   // before closing transports: see stopPublishingStream
      } catch (e) {
        this._log('logoutRoom', e);
      }
      this._closeAllMedia();
      this._resetRoom();
      this._closeSocket();
      this._emitState(room, 'LOGOUT', 0, '');
    }

    // ---- room features: token renewal, extra info, messages --------------------------------------

    /** Sends a room-feature request; resolves ZEGO's ZegoServerResponse {errorCode, extendedData} plus the result. */
    async _roomCall(type, roomID, data) {
      if (this._state !== 'LOGINED') {
        return {errorCode: ERR_NOT_LOGGED_IN, extendedData: type + ': not logged in (expected: await loginRoom(...) first)'};
      }
      if (roomID && !this._rooms.has(roomID)) {
        return {errorCode: 1002002, extendedData: type + ': not logged in to room ' + roomID};
      }
      try {
        // In several rooms without a roomID the server answers 1100001 (it must be named).
        const room = roomID || (this._rooms.size > 1 ? undefined : this._roomID);
        const result = await this._request(type, Object.assign({roomID: room}, data));
        return Object.assign({errorCode: 0, extendedData: ''}, result);
      } catch (e) {
        const err = toError(e, ERR_PARAM);
        return {errorCode: err.code, extendedData: err.message};
      }
    }

    /** Replaces the login token (after tokenWillExpire); checked by the server like a login token. */
    renewToken(token, roomID) {
      return this._roomCall('renewToken', roomID, {token: token});
    }

    /** Room extra info: the others get roomExtraInfoUpdate; it lasts as long as the room. */
    setRoomExtraInfo(roomID, key, value) {
      return this._roomCall('setRoomExtraInfo', roomID, {key: key, value: value});
    }

    /**
     * Changes the extraInfo of a stream this engine publishes: the others get streamExtraInfoUpdate. A streamID this
     * engine does not publish goes to the first room, so that the server answers its own code (1103055, or
     * 1000014/1000015/1000016 for a bad streamID) rather than 1100001 for a missing roomID in several rooms.
     */
    setStreamExtraInfo(streamID, extraInfo) {
      const entry = this._publishers.get(streamID);
      return this._roomCall('setStreamExtraInfo', (entry && entry.roomID) || this._roomID,
        {streamID: streamID, extraInfo: extraInfo});
    }

    /** A reliable message to the room (not to yourself); resolves with its integer messageID. */
    sendBroadcastMessage(roomID, message) {
      return this._roomCall('sendBroadcastMessage', roomID, {message: message});
    }

    /** An unreliable (barrage) message; resolves with its string messageID. */
    sendBarrageMessage(roomID, message) {
      return this._roomCall('sendBarrageMessage', roomID, {message: message});
    }

    /** A command to some users (an empty list: everyone else); failUserList names those not reached. */
    sendCustomCommand(roomID, command, toUserList) {
      return this._roomCall('sendCustomCommand', roomID, {command: command, toUserIDs: toUserList || []});
    }

    /**
     * Mutes (or opens) the microphone of a published stream: its audio track is disabled (silence is sent) and the
     * players of every stream published from mediaStream get remoteMicStatusUpdate. Resolves true when the server took it.
     */
    async mutePublishStreamAudio(mediaStream, mute) {
      if (!mediaStream || !mediaStream.getAudioTracks) throw parleyError(ERR_PARAM, 'mediaStream: expected a MediaStream from createStream()');
      mediaStream.getAudioTracks().forEach(function (t) { t.enabled = !mute; });
      let ok = true;
      for (const [streamID, entry] of this._publishers) {
        if (entry.stream !== mediaStream) continue;
        const r = await this._roomCall('mutePublishStreamAudio', entry.roomID, {streamID: streamID, mute: !!mute});
        if (r.errorCode !== 0) {
          this._log('mutePublishStreamAudio', streamID, r);
          ok = false;
        }
      }
      return ok;
    }

    // ---- local media --------------------------------------------------------------------------

    /** Opens the microphone: {camera: {audio: true | MediaTrackConstraints, video: false}} (audio only for now). */
    async createStream(source) {
      const camera = (source && source.camera) || {audio: true, video: false};
      const audio = camera.audio === undefined ? true : camera.audio;
      if (!audio) throw parleyError(ERR_PARAM, 'camera.audio: false (expected: true or constraints; Parley carries audio)');
      if (!global.navigator || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        throw parleyError(ERR_PARAM, 'getUserMedia is not available (expected: https:// or http://localhost)');
      }
      try {
        return await navigator.mediaDevices.getUserMedia({audio: audio, video: false});
      } catch (e) {
        throw parleyError(ERR_PARAM, 'getUserMedia: ' + (e.name || '') + ' ' + (e.message || ''));
      }
    }

    /** Stops the tracks of a stream made by createStream. */
    destroyStream(stream) {
      if (stream && stream.getTracks) stream.getTracks().forEach(function (t) { t.stop(); });
    }

    // ---- publish ------------------------------------------------------------------------------

    /**
     * Publishes the stream's audio track as streamID. Resolves true once the server accepted the offer and its
     * answer is applied; publisherStateUpdate then says PUBLISHING when the server receives media.
     */
    async startPublishingStream(streamID, mediaStream, options) {
      this._requireLogin();
      if (this._publishers.has(streamID)) throw parleyError(1103056, 'already publishing ' + streamID);
      const track = mediaStream && mediaStream.getAudioTracks && mediaStream.getAudioTracks()[0];
      if (!track) throw parleyError(ERR_PUBLISH_PARAM, 'mediaStream: no audio track (expected: createStream())');
      const extraInfo = (options && options.extraInfo) || '';
      const roomID = (options && options.roomID) || this._roomID;
      if (this.bundle) return this._publishBundled(streamID, track, mediaStream, extraInfo, roomID);
      const pc = new RTCPeerConnection(this._rtcConfig());
      const entry = {pc: pc, stream: mediaStream, roomID: roomID};
      this._publishers.set(streamID, entry);
      try {
        pc.addTransceiver(track, {direction: 'sendonly', streams: [mediaStream]});
        await pc.setLocalDescription(await pc.createOffer());
        // The server is ICE-lite: it learns our address from our checks, so the offer goes without candidates.
        const data = await this._request('startPublishing', {streamID: streamID, extraInfo: extraInfo,
          sdp: pc.localDescription.sdp, roomID: roomID});
        if (this._publishers.get(streamID) !== entry) return false;   // stopped meanwhile
        if (data.sdp) {
          await pc.setRemoteDescription({type: 'answer', sdp: data.sdp});
        } else {
          // A server without a media plane announces the stream but answers no SDP.
          this._log('startPublishing: no SDP answer; the stream is announced without media', streamID);
          pc.close();
          entry.pc = null;
        }
        return true;
      } catch (e) {
        const err = toError(e, ERR_PUBLISH_PARAM);
        if (this._publishers.get(streamID) === entry) this._publishers.delete(streamID);
        pc.close();
        // As ZEGO does, a refused publish also shows up as NO_PUBLISH with the code.
        this._emit('publisherStateUpdate', {streamID: streamID, state: 'NO_PUBLISH', errorCode: err.code, extendedData: err.message});
        throw err;
      }
    }

    /**
     * Publishes streamID over RTMP instead of WebRTC (for an RTMP pusher such as OBS, ffmpeg or a WeChat
     * <live-pusher>): resolves {streamID, url, urlExpiresAt}; push to url. The room sees the stream when the push
     * sends media (publisherStateUpdate PUBLISHING). stopPublishingStream ends it. options.roomID: in several rooms,
     * the room to publish in (default the first; the server takes RTMP in the session's first room only).
     */
    async startPublishingUrl(streamID, options) {
      this._requireLogin();
      if (this._publishers.has(streamID)) throw parleyError(1103056, 'already publishing ' + streamID);
      const roomID = (options && options.roomID) || this._roomID;
      const entry = {pc: null, stream: null, roomID: roomID};
      this._publishers.set(streamID, entry);
      try {
        const data = await this._request('startPublishing', {streamID: streamID,
          extraInfo: (options && options.extraInfo) || '', transport: 'rtmp', roomID: roomID});
        return {streamID: streamID, url: data.url, urlExpiresAt: data.urlExpiresAt};
      } catch (e) {
        if (this._publishers.get(streamID) === entry) this._publishers.delete(streamID);
        throw toError(e, ERR_PUBLISH_PARAM);
      }
    }

    /** Stops publishing streamID (the server tells the room and closes the players' transports). */
    async stopPublishingStream(streamID) {
      const entry = this._publishers.get(streamID);
      if (!entry) return false;
      this._publishers.delete(streamID);
      if (entry.transceiver) return this._removeBundled(entry, 'stopPublishing', streamID);
      // Close the transport only after the server answered: a DTLS close_notify that beats the request over
      // UDP is taken by the server as a transport failure (NO_PUBLISH 1103028) and the request then fails.
      try {
        await this._request('stopPublishing', {streamID: streamID, roomID: entry.roomID});
      } catch (e) {
        this._log('stopPublishing', streamID, e);
        if (this._keepRefused(this._publishers, streamID, entry, e, 1103055)) return false;
        if (entry.pc) entry.pc.close();
        return false;
      }
      if (entry.pc) entry.pc.close();
      return true;
    }

    /**
     * A stop the server refused (or did not answer) while still logged in: the stream goes on there, so the engine
     * keeps it (its transport stays open) and a later stop may retry. Not when the server says there is no such
     * stream (notFound), nor after the connection went (every stream is gone then).
     */
    _keepRefused(map, streamID, entry, e, notFound) {
      if (this._state !== 'LOGINED' || !e || e.code === notFound || e.code === ERR_NETWORK || map.has(streamID)) return false;
      map.set(streamID, entry);
      return true;
    }

    // ---- play ---------------------------------------------------------------------------------

    /**
     * Plays streamID: resolves a MediaStream carrying its audio (attach it to an <audio autoplay> element).
     * playerStateUpdate says PLAYING when the server forwards the first packet.
     */
    async startPlayingStream(streamID, options) {
      this._requireLogin();
      const roomID = (options && options.roomID) || this._roomID;
      if (this._players.has(streamID)) throw parleyError(1104032, 'already playing ' + streamID);
      if (this.bundle) return this._playBundled(streamID, roomID);
      const pc = new RTCPeerConnection(this._rtcConfig());
      const transceiver = pc.addTransceiver('audio', {direction: 'recvonly'});
      const stream = new MediaStream([transceiver.receiver.track]);
      const entry = {pc: pc, stream: stream, roomID: roomID};
      this._players.set(streamID, entry);
      try {
        await pc.setLocalDescription(await pc.createOffer());
        const data = await this._request('startPlaying', {streamID: streamID, sdp: pc.localDescription.sdp, roomID: roomID});
        if (this._players.get(streamID) !== entry) throw parleyError(ERR_PLAY_PARAM, 'stopped while starting ' + streamID);
        if (!data.sdp) throw parleyError(ERR_PLAY_PARAM, 'startPlaying: the server answered no SDP');
        await pc.setRemoteDescription({type: 'answer', sdp: data.sdp});
        return stream;
      } catch (e) {
        const err = toError(e, ERR_PLAY_PARAM);
        if (this._players.get(streamID) === entry) this._players.delete(streamID);
        pc.close();
        this._emit('playerStateUpdate', {streamID: streamID, state: 'NO_PLAY', errorCode: err.code, extendedData: err.message});
        throw err;
      }
    }

    /**
     * Asks for a URL to play streamID with a native player instead of WebRTC: transport 'flv' (HTTP-FLV, e.g.
     * flv.js or a WeChat <live-player>) or 'rtmp'. Resolves {streamID, url, urlExpiresAt}; stopPlayingStream ends it.
     * options.roomID: in several rooms, the stream's room (default the first; the server serves these transports in
     * the session's first room only).
     */
    async startPlayingUrl(streamID, transport, options) {
      this._requireLogin();
      if (this._players.has(streamID)) throw parleyError(1104032, 'already playing ' + streamID);
      const roomID = (options && options.roomID) || this._roomID;
      const entry = {pc: {close: function () {}}, stream: null, roomID: roomID};
      this._players.set(streamID, entry);
      try {
        const data = await this._request('startPlaying', {streamID: streamID, transport: transport || 'flv', roomID: roomID});
        return {streamID: streamID, url: data.url, urlExpiresAt: data.urlExpiresAt};
      } catch (e) {
        if (this._players.get(streamID) === entry) this._players.delete(streamID);
        throw toError(e, ERR_PLAY_PARAM);
      }
    }

    /** Stops playing streamID. */
    async stopPlayingStream(streamID) {
      const entry = this._players.get(streamID);
      if (!entry) return false;
      this._players.delete(streamID);
      if (entry.transceiver) return this._removeBundled(entry, 'stopPlaying', streamID);
      if (this._state !== 'LOGINED') {
        entry.pc.close();
        return true;
      }
      try {
        await this._request('stopPlaying', {streamID: streamID, roomID: entry.roomID});   // before closing: see stopPublishingStream
      } catch (e) {
        this._log('stopPlaying', streamID, e);
        if (!this._keepRefused(this._players, streamID, entry, e, 1104039)) entry.pc.close();
        return false;
      }
      entry.pc.close();
      return true;
    }

    /**
     * The RTCStatsReport of the transport of streamID: the player's when playing it (or kind === 'play'),
     * else the publisher's. Resolves null when there is none.
     */
    async getStats(streamID, kind) {
      const play = this._players.get(streamID);
      const pub = this._publishers.get(streamID);
      const entry = kind === 'publish' ? pub : kind === 'play' ? play : (play || pub);
      return entry && entry.pc ? entry.pc.getStats() : null;
    }

    // ---- connection ---------------------------------------------------------------------------

    _connect() {
      if (this._ws && this._ws.readyState === WebSocket.OPEN) return Promise.resolve();
      return new Promise((resolve, reject) => {
        let ws;
        try {
          ws = new WebSocket(this.server);
        } catch (e) {
          reject(parleyError(ERR_LOGIN_NETWORK, 'WebSocket ' + this.server + ': ' + e.message));
          return;
        }
        this._ws = ws;
        let opened = false;
        const timer = setTimeout(() => {
          if (!opened) {
            ws.close();
            reject(parleyError(ERR_LOGIN_NETWORK, 'WebSocket ' + this.server + ': not open after ' + this.requestTimeout + ' ms'));
          }
        }, this.requestTimeout);
        ws.onopen = () => {
          opened = true;
          clearTimeout(timer);
          resolve();
        };
        ws.onmessage = (ev) => this._onMessage(ev.data);
        ws.onclose = (ev) => {
          clearTimeout(timer);
          if (!opened) {
            reject(parleyError(ERR_LOGIN_NETWORK, 'WebSocket ' + this.server + ': could not connect (close ' + ev.code + ')'));
          }
          if (this._ws === ws) this._onClosed(ev);
        };
        ws.onerror = () => {};   // onclose follows with the details
      });
    }

    _onClosed(ev) {
      this._ws = null;
      this._stopHeartbeat();
      const err = parleyError(ERR_NETWORK, 'connection closed (' + ev.code + (ev.reason ? ' ' + ev.reason : '') + ')');
      for (const p of this._pending.values()) {
        clearTimeout(p.timer);
        p.reject(err);
      }
      this._pending.clear();
      if (this._state === 'LOGINED' && ev.code === 1006 && this._sessionID) {
        this._startReconnect();   // dropped without a close frame: the session waits on the server
      } else if (this._state === 'LOGINED') {
        // The server closed it (with a status): the session is over, in every room.
        const rooms = Array.from(this._rooms);
        this._closeAllMedia();
        this._resetRoom();
        for (const room of rooms) this._emitState(room, 'RECONNECT_FAILED', ERR_NETWORK, err.message);
      }
    }

    // ---- resume after a dropped connection (PROTOCOL.md) -----------------------------------------

    /** Every room of the session gets the same state (a resume takes the session back with all its rooms). */
    _emitStateAll(rooms, reason, code, extendedData) {
      for (const room of rooms) this._emitState(room, reason, code, extendedData);
    }

    _startReconnect() {
      this._state = 'RECONNECTING';
      this._emitStateAll(Array.from(this._rooms), 'RECONNECTING', ERR_NETWORK, '');
      this._reconnect = {deadline: Date.now() + this.reconnectWindow, pause: FIRST_PAUSE_MS, timer: null};
      this._attempt();
    }

    _stopReconnect() {
      if (this._reconnect && this._reconnect.timer) clearTimeout(this._reconnect.timer);
      this._reconnect = null;
      this._relogging.clear();
    }

    _later() {
      const r = this._reconnect;
      if (!r) return;
      this._detachSocket();
      const pause = r.pause;
      r.pause = Math.min(MAX_PAUSE_MS, pause * 2);
      r.timer = setTimeout(() => this._attempt(), pause);
    }

    /** RECONNECT_FAILED for every room of the session: it is over. */
    _reconnectFailed(code, message) {
      const rooms = Array.from(this._rooms);
      this._stopReconnect();
      this._closeAllMedia();
      this._resetRoom();
      this._closeSocket();
      this._state = 'RECONNECT_FAILED';
      this._emitStateAll(rooms, 'RECONNECT_FAILED', code, message);
    }

    async _attempt() {
      const r = this._reconnect;
      if (!r || this._state !== 'RECONNECTING') return;
      if (Date.now() >= r.deadline) {
        this._reconnectFailed(ERR_RECONNECT_TIMEOUT, 'no reconnect within ' + this.reconnectWindow + ' ms');
        return;
      }
      try {
        await this._connect();
      } catch (e) {
        if (this._reconnect === r) this._later();
        return;
      }
      if (this._reconnect !== r) return;
      let data;
      try {
        data = await this._request('resumeSession', {appID: this.appID, roomID: this._roomID, userID: this._user.userID,
          sessionID: this._sessionID, resumeToken: this._resumeToken, lastSeq: this._lastSeq});
      } catch (e) {
        if (this._reconnect !== r) return;
        if (RELOGIN_CODES.indexOf(e.code) >= 0) {
          this._relogin(r, e.code);
        } else {
          this._later();   // the new connection dropped too, or the server cannot take us now
        }
        return;
      }
      if (this._reconnect !== r) return;
      this._stopReconnect();
      this._state = 'LOGINED';
      this._startHeartbeat(data.heartbeatInterval);
      this._emitStateAll(Array.from(this._rooms), 'RECONNECTED', 0, '');
    }

    /**
     * The session is gone on the server: drop what belonged to it and log in again with the same parameters, the
     * first room first, then (multi-room) the others; a room refused then gets RECONNECT_FAILED on its own.
     */
    async _relogin(r, why) {
      this._lastSeq = 0;
      this._closeAllMedia();
      const rooms = Array.from(this._rooms);
      const first = this._logins.get(this._roomID);
      for (const room of rooms) this._relogging.add(room);
      let data;
      try {
        data = await this._request('loginRoom', first);
      } catch (e) {
        if (this._reconnect !== r) return;
        if (e.code === ERR_NETWORK || e.code === ERR_TIMEOUT) {
          this._relogging.clear();
          this._later();
          return;
        }
        this._reconnectFailed(e.code, e.message);
        return;
      }
      if (this._reconnect !== r) return;
      this._reconnect = null;   // _relogging keeps each room until its login's LOGINED push (it follows the answer)
      this._rooms.clear();
      this._loggedIn(first, data);
      const extended = JSON.stringify({relogin: why});
      this._emitState(first.roomID, 'RECONNECTED', 0, extended);
      for (const room of rooms) {
        if (room === first.roomID) continue;
        const login = this._logins.get(room);
        try {
          await this._request('loginRoom', login);
        } catch (e) {
          this._relogging.delete(room);
          this._logins.delete(room);
          this._emitState(room, 'RECONNECT_FAILED', e.code, e.message);
          continue;
        }
        this._rooms.add(room);
        this._emitState(room, 'RECONNECTED', 0, extended);
      }
    }

    /** Forgets the current socket without waiting for a close handshake a dead network cannot carry. */
    _detachSocket() {
      const ws = this._ws;
      this._ws = null;
      if (ws) {
        ws.onclose = null;
        ws.onmessage = null;
        try { ws.close(); } catch (e) { /* already closed */ }
      }
    }

    _closeSocket() {
      this._stopHeartbeat();
      const ws = this._ws;
      this._ws = null;
      if (ws && ws.readyState <= WebSocket.OPEN) ws.close(1000, 'logout');
    }

    _request(type, data) {
      const ws = this._ws;
      if (!ws || ws.readyState !== WebSocket.OPEN) {
        return Promise.reject(parleyError(ERR_NETWORK, type + ': not connected'));
      }
      const id = String(this._nextId++);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          this._pending.delete(id);
          reject(parleyError(ERR_TIMEOUT, type + ': no response within ' + this.requestTimeout + ' ms'));
        }, this.requestTimeout);
        this._pending.set(id, {resolve: resolve, reject: reject, timer: timer, type: type});
        ws.send(JSON.stringify({id: id, type: type, data: data || {}}));
      });
    }

    _onMessage(text) {
      this._heardAt = Date.now();
      let msg;
      try {
        msg = JSON.parse(text);
      } catch (e) {
        this._log('unreadable frame', text);
        return;
      }
      if (typeof msg.push === 'string') {
        if (typeof msg.seq === 'number') {
          if (msg.seq <= this._lastSeq) return;   // handled before a resume
          this._lastSeq = msg.seq;
        }
        this._onPush(msg.push, msg.data || {});
        return;
      }
      const p = msg.id == null ? undefined : this._pending.get(String(msg.id));
      if (!p) {
        if (msg.code) this._log('unsolicited error', msg);
        return;
      }
      this._pending.delete(String(msg.id));
      clearTimeout(p.timer);
      if (msg.code === 0) p.resolve(msg.data || {});
      else p.reject(parleyError(msg.code, msg.message || ('error ' + msg.code)));
    }

    _onPush(name, d) {
      switch (name) {
        case 'roomStateChanged':
          if (d.reason === 'LOGIN_FAILED') break;   // loginRoom reports it once, from the response
          if (d.reason === 'LOGINED' && this._relogging.delete(d.roomID)) {
            break;   // a login that repaired a lost session: reported as RECONNECTED
          }
          if (d.reason === 'KICKOUT') {
            this._stopReconnect();
            this._closeAllMedia();
            this._resetRoom();
          }
          this._emit(name, d.roomID, d.reason, d.errorCode, d.extendedData || '');
          break;
        case 'roomUserUpdate':
          this._emit(name, d.roomID, d.updateType, d.userList || []);
          break;
        case 'roomStreamUpdate':
          this._emit(name, d.roomID, d.updateType, d.streamList || [], d.extendedData || '');
          break;
        case 'publisherStateUpdate': {
          const entry = this._publishers.get(d.streamID);
          if (d.state === 'NO_PUBLISH' && entry) {
            this._publishers.delete(d.streamID);
            this._release(entry);
          }
          this._emit(name, d);
          break;
        }
        case 'playerStateUpdate': {
          const entry = this._players.get(d.streamID);
          if (d.state === 'NO_PLAY' && entry) {
            this._players.delete(d.streamID);
            this._release(entry);
          }
          this._emit(name, d);
          break;
        }
        case 'publishQualityUpdate':
        case 'playQualityUpdate':
          this._emit(name, d.streamID, d.stats || {});
          break;
        case 'tokenWillExpire':
          this._emit(name, d.roomID, d.remainTimeInSecond);
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
        default:
          break;   // newer servers may push more: ignore what we do not know
      }
    }

    _startHeartbeat(intervalMs) {
      this._stopHeartbeat();
      const every = intervalMs > 0 ? intervalMs : 30000;
      this._heardAt = Date.now();
      this._heartbeat = setInterval(() => {
        if (Date.now() - this._heardAt > 2 * every + 1000 && this._state === 'LOGINED' && this._sessionID) {
          // Silent for two intervals (a network change can leave a socket that never reports its death).
          this._stopHeartbeat();
          this._detachSocket();
          this._onClosed({code: 1006, reason: 'silent for ' + (Date.now() - this._heardAt) + ' ms'});
          return;
        }
        this._request('heartbeat', this._lastSeq > 0 ? {ack: this._lastSeq} : {}).catch((e) => this._log('heartbeat', e));
      }, every);
    }

    _stopHeartbeat() {
      if (this._heartbeat) clearInterval(this._heartbeat);
      this._heartbeat = null;
    }

    _requireLogin() {
      if (this._state === 'RECONNECTING') throw parleyError(ERR_NETWORK, 'reconnecting (expected: wait for RECONNECTED)');
      if (this._state !== 'LOGINED') throw parleyError(ERR_NOT_LOGGED_IN, 'not logged in (expected: await loginRoom(...) first)');
    }

    _closeAllMedia() {
      for (const entry of this._publishers.values()) if (entry.pc) entry.pc.close();
      for (const entry of this._players.values()) entry.pc.close();
      this._publishers.clear();
      this._players.clear();
      if (this._session) this._session.pc.close();
      this._session = null;
    }

    // ---- one connection per session (bundle) --------------------------------------------------

    /** The session's RTCPeerConnection (made at the first bundled stream, again once it closed or failed). */
    _bundleSession() {
      const s = this._session;
      if (s && s.pc.connectionState !== 'closed' && s.pc.connectionState !== 'failed') return s;
      if (s) s.pc.close();
      this._session = {pc: new RTCPeerConnection(this._rtcConfig()), queue: Promise.resolve()};
      return this._session;
    }

    /** Runs negotiations one at a time: each offers the whole session and applies the server's answer. */
    _renegotiate(session, step) {
      const run = session.queue.then(step, step);
      session.queue = run.catch(function () {});
      return run;
    }

    /** Offers the session with the new transceiver, sends it with its mid; on refusal the transceiver goes. */
    async _addBundled(session, transceiver, send) {
      const pc = session.pc;
      try {
        await pc.setLocalDescription(await pc.createOffer());
        const data = await send(pc.localDescription.sdp, transceiver.mid);
        if (!data.sdp) throw parleyError(ERR_PARAM, 'the server answered no SDP');
        await pc.setRemoteDescription({type: 'answer', sdp: data.sdp});
      } catch (e) {
        if (pc.signalingState === 'have-local-offer') {
          try { await pc.setLocalDescription({type: 'rollback'}); } catch (ignored) { /* closed meanwhile */ }
        }
        try { transceiver.stop(); } catch (ignored) { /* closed meanwhile */ }
        throw e;
      }
    }

    async _publishBundled(streamID, track, mediaStream, extraInfo, roomID) {
      const session = this._bundleSession();
      const entry = {pc: session.pc, stream: mediaStream, transceiver: null, roomID: roomID};
      this._publishers.set(streamID, entry);
      try {
        await this._renegotiate(session, async () => {
          entry.transceiver = session.pc.addTransceiver(track, {direction: 'sendonly', streams: [mediaStream]});
          await this._addBundled(session, entry.transceiver, (sdp, mid) => this._request('startPublishing',
            {streamID: streamID, extraInfo: extraInfo, sdp: sdp, mid: mid, roomID: roomID}));
        });
        return true;
      } catch (e) {
        const err = toError(e, ERR_PUBLISH_PARAM);
        if (this._publishers.get(streamID) === entry) this._publishers.delete(streamID);
        this._emit('publisherStateUpdate', {streamID: streamID, state: 'NO_PUBLISH', errorCode: err.code, extendedData: err.message});
        throw err;
      }
    }

    async _playBundled(streamID, roomID) {
      const session = this._bundleSession();
      const entry = {pc: session.pc, stream: null, transceiver: null, roomID: roomID};
      this._players.set(streamID, entry);
      try {
        await this._renegotiate(session, async () => {
          entry.transceiver = session.pc.addTransceiver('audio', {direction: 'recvonly'});
          entry.stream = new MediaStream([entry.transceiver.receiver.track]);
          await this._addBundled(session, entry.transceiver, (sdp, mid) => this._request('startPlaying',
            {streamID: streamID, sdp: sdp, mid: mid, roomID: roomID}));
        });
        if (this._players.get(streamID) !== entry) throw parleyError(ERR_PLAY_PARAM, 'stopped while starting ' + streamID);
        return entry.stream;
      } catch (e) {
        const err = toError(e, ERR_PLAY_PARAM);
        if (this._players.get(streamID) === entry) this._players.delete(streamID);
        this._emit('playerStateUpdate', {streamID: streamID, state: 'NO_PLAY', errorCode: err.code, extendedData: err.message});
        throw err;
      }
    }

    /** Stops a bundled stream: its transceiver stops (port 0 in the offer), the stop request carries the offer. */
    async _removeBundled(entry, type, streamID) {
      const session = this._session;
      if (!session || session.pc !== entry.pc || this._state !== 'LOGINED') {
        this._release(entry);
        return true;
      }
      try {
        await this._renegotiate(session, async () => {
          this._disable(entry.transceiver);
          await session.pc.setLocalDescription(await session.pc.createOffer());
          const data = await this._request(type, {streamID: streamID, sdp: session.pc.localDescription.sdp,
            roomID: entry.roomID});
          if (data.sdp) await session.pc.setRemoteDescription({type: 'answer', sdp: data.sdp});
        });
        return true;
      } catch (e) {
        this._log(type, streamID, e);
        return false;
      }
    }

    /** A stream ended: its own connection closes, or (bundled) its transceiver stops; the next offer drops it. */
    _release(entry) {
      if (entry.transceiver) {
        this._disable(entry.transceiver);
      } else if (entry.pc) {
        entry.pc.close();
      }
    }

    /**
     * A bundled stream's transceiver stops (its m-line is offered with port 0, and once the answer has rejected it the
     * browser recycles that m-line for the next stream under a new mid, JSEP 5.2.2, so the offer stays as long as the
     * live streams). The session's first m-line goes inactive instead: stopping the group's tagged m-line would make
     * the browser move the bundle to a new transport and cut every other stream; the server answers it inactive.
     */
    _disable(transceiver) {
      try {
        if (transceiver.sender && transceiver.sender.track) transceiver.sender.replaceTrack(null);
        if (transceiver.stopped || transceiver.currentDirection === 'stopped') return;
        const pc = this._session && this._session.pc;
        const group = pc && pc.localDescription && /a=group:BUNDLE ([^\s]+)/.exec(pc.localDescription.sdp);
        if (transceiver.mid !== null && group && group[1] !== transceiver.mid) transceiver.stop();
        else transceiver.direction = 'inactive';
      } catch (ignored) { /* stopped or closed meanwhile */ }
    }

    _resetRoom() {
      this._state = 'LOGOUT';
      this._roomID = null;
      this._rooms.clear();
      this._logins.clear();
      this._sessionID = null;
      this._resumeToken = null;
      this._stopHeartbeat();
    }
  }

  ParleyEngine.ERRORS = Object.freeze({PARAM: ERR_PARAM, TIMEOUT: ERR_TIMEOUT, NETWORK: ERR_NETWORK,
    LOGIN_NETWORK: ERR_LOGIN_NETWORK, NOT_LOGGED_IN: ERR_NOT_LOGGED_IN, RECONNECT_TIMEOUT: ERR_RECONNECT_TIMEOUT});
  ParleyEngine.EVENTS = Object.freeze(EVENTS.slice());
  ParleyEngine.VERSION = VERSION;

  // ZEGO's class name too (as parley-wx.js exports it), so that code written for ZEGO changes only its import.
  const api = {ParleyEngine: ParleyEngine, ZegoExpressEngine: ParleyEngine, default: ParleyEngine};
  Object.defineProperty(api, '__esModule', {value: true});   // `import ParleyEngine from` through CommonJS interop
  return Object.freeze(api);
});
