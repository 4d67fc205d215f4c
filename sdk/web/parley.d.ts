// Type declarations of parley.js, the Parley browser SDK (npm package parley-web; ZEGO Express Web shape).
// The wire contract is protocol/PROTOCOL.md; every call and event with its behaviour: README.md.
// A <script src="/parley.js"> page gets the class as the global ParleyEngine; modules import it:
//   import {ParleyEngine} from 'parley-web';   // or: const {ParleyEngine} = require('parley-web');

export interface ParleyError {
  /** A server code from PROTOCOL.md, or a client-side one (ParleyEngine.ERRORS). */
  code: number;
  message: string;
}

export interface ParleyUser {
  userID: string;
  /** defaults to the userID */
  userName?: string;
}

export interface ParleyRoomConfig {
  /** receive roomUserUpdate (ZEGO Web's name for isUserStatusNotify); default false */
  userUpdate?: boolean;
  /** member limit, 0 = unlimited; only the room's first member sets it */
  maxMemberCount?: number;
}

export interface ParleyEngineOptions {
  /** ms to wait for a response, and for the WebSocket to open (default 10000) */
  requestTimeout?: number;
  /**
   * ms a dropped session is retried (resumeSession, or fresh logins when the server says it is gone) before
   * RECONNECT_FAILED 1002053 for each room (default 300000: 5 minutes)
   */
  reconnectWindow?: number;
  /** passed to every RTCPeerConnection (e.g. iceServers; not needed with Parley's ICE-lite server) */
  rtcConfiguration?: RTCConfiguration;
  /** receives the SDK's diagnostics (failed requests, unreadable frames); default: none */
  logger?: (...args: unknown[]) => void;
  /**
   * one RTCPeerConnection for the whole session (every room of it in multi-room), an m-line per stream, streams
   * added and removed by renegotiation (PROTOCOL.md "One transport per session"); default false: one per stream
   */
  bundle?: boolean;
}

export type ZegoRoomStateChangedReason = 'LOGINING' | 'LOGINED' | 'LOGIN_FAILED' | 'RECONNECTING' | 'RECONNECTED'
  | 'RECONNECT_FAILED' | 'KICKOUT' | 'LOGOUT' | 'LOGOUT_FAILED';
/** the legacy room state (ZEGO's roomStateUpdate), derived from each roomStateChanged */
export type ZegoRoomState = 'DISCONNECTED' | 'CONNECTING' | 'CONNECTED';
export type ZegoUpdateType = 'ADD' | 'DELETE';
export type ZegoPublisherState = 'NO_PUBLISH' | 'PUBLISH_REQUESTING' | 'PUBLISHING';
export type ZegoPlayerState = 'NO_PLAY' | 'PLAY_REQUESTING' | 'PLAYING';
/** a remote microphone's state (remoteMicStatusUpdate) */
export type ZegoDeviceState = 'OPEN' | 'MUTE';

export interface ZegoStreamList {
  streamID: string;
  user: ParleyUser;
  extraInfo: string;
}

export interface ZegoPublisherStateResult {
  /** the stream's room: in the server's pushes; absent when the SDK reports a refused startPublishingStream itself */
  roomID?: string;
  streamID: string;
  state: ZegoPublisherState;
  errorCode: number;
  /** a JSON string such as {"reason":"peer_closed"}, or the error's message, or '' */
  extendedData: string;
}

export interface ZegoPlayerStateResult {
  /** the stream's room: in the server's pushes; absent when the SDK reports a refused startPlayingStream itself */
  roomID?: string;
  streamID: string;
  state: ZegoPlayerState;
  errorCode: number;
  /** a JSON string such as {"reason":"publisher_stopped"}, or the error's message, or '' */
  extendedData: string;
}

/** The server's measurement over the last 3 s (PROTOCOL.md, "publishQualityUpdate / playQualityUpdate"). */
export interface ParleyQualityStats {
  /** kbit/s */
  audioBitrate?: number;
  packets?: number;
  packetsLost?: number;
  /** 0..1 */
  packetsLostRate?: number;
  /** ms */
  jitter?: number;
  /** ms, -1 until known */
  rtt?: number;
}

/** A key of the room's extra info (PROTOCOL.md, "setRoomExtraInfo / roomExtraInfoUpdate"). */
export interface ZegoRoomExtraInfo {
  key: string;
  value: string;
  /** the member who set it */
  updateUser: ParleyUser;
  /** Unix ms */
  updateTime: number;
}

/** A reliable room message (IMRecvBroadcastMessage). */
export interface ZegoBroadcastMessageInfo {
  fromUser: ParleyUser;
  message: string;
  /** Unix ms */
  sendTime: number;
  /** grows by one per accepted broadcast in the room: the room's order */
  messageID: number;
}

/** An unreliable (barrage, danmaku) room message (IMRecvBarrageMessage). */
export interface ZegoBarrageMessageInfo {
  fromUser: ParleyUser;
  message: string;
  /** Unix ms */
  sendTime: number;
  /** unique in the room's life */
  messageID: string;
}

/**
 * ZEGO's ZegoServerResponse: what the room-feature calls resolve (they never reject). errorCode 0 is success; any
 * other is the server's code (PROTOCOL.md) or a client-side one (1000002 not logged in, 1002002 not in that room,
 * 1000017 / 1100002 connection lost / no answer), with the reason in extendedData ('' on success).
 */
export interface ZegoServerResponse {
  errorCode: number;
  extendedData: string;
}

/** renewToken's response; roomID and tokenExpireTime on success only. */
export interface ParleyRenewTokenResponse extends ZegoServerResponse {
  roomID?: string;
  /** the new token's expiry, Unix seconds */
  tokenExpireTime?: number;
}

/** sendBroadcastMessage's response; roomID and messageID on success only. */
export interface ParleyBroadcastMessageResponse extends ZegoServerResponse {
  roomID?: string;
  /** the message's integer ID, as its receivers see it in IMRecvBroadcastMessage */
  messageID?: number;
}

/** sendBarrageMessage's response; roomID and messageID on success only. */
export interface ParleyBarrageMessageResponse extends ZegoServerResponse {
  roomID?: string;
  /** the message's string ID, as its receivers see it in IMRecvBarrageMessage */
  messageID?: string;
}

/** sendCustomCommand's response; roomID and failUserList on success only. */
export interface ParleyCustomCommandResponse extends ZegoServerResponse {
  roomID?: string;
  /** each listed userID that did not get the command (errorCode 1009010: not in the room) */
  failUserList?: Array<{userID: string; errorCode: number}>;
}

export interface ParleyEvents {
  /**
   * a dropped connection: RECONNECTING (1000017) for every room of the session, then RECONNECTED for each (extendedData
   * {"relogin": code} when the session was gone and the room logged in again) or RECONNECT_FAILED (1002053 after
   * reconnectWindow, or the code a room's fresh login was refused with)
   */
  roomStateChanged: (roomID: string, reason: ZegoRoomStateChangedReason, errorCode: number, extendedData: string) => void;
  /** the legacy event: follows every roomStateChanged (LOGINING/RECONNECTING → CONNECTING, LOGINED/RECONNECTED → CONNECTED) */
  roomStateUpdate: (roomID: string, state: ZegoRoomState, errorCode: number, extendedData: string) => void;
  roomUserUpdate: (roomID: string, updateType: ZegoUpdateType, userList: ParleyUser[]) => void;
  roomStreamUpdate: (roomID: string, updateType: ZegoUpdateType, streamList: ZegoStreamList[], extendedData: string) => void;
  publisherStateUpdate: (result: ZegoPublisherStateResult) => void;
  playerStateUpdate: (result: ZegoPlayerStateResult) => void;
  publishQualityUpdate: (streamID: string, stats: ParleyQualityStats) => void;
  playQualityUpdate: (streamID: string, stats: ParleyQualityStats) => void;
  /** auth.tokenWillExpireLead (default 30 s) before the login token's expiry, once per room: call renewToken */
  tokenWillExpire: (roomID: string, remainTimeInSecond: number) => void;
  /** another member set the room's extra info; at login, every key the room holds */
  roomExtraInfoUpdate: (roomID: string, roomExtraInfoList: ZegoRoomExtraInfo[]) => void;
  /** another member changed the extraInfo of streams it publishes */
  streamExtraInfoUpdate: (roomID: string, streamList: ZegoStreamList[]) => void;
  IMRecvBroadcastMessage: (roomID: string, messageList: ZegoBroadcastMessageInfo[]) => void;
  IMRecvBarrageMessage: (roomID: string, messageList: ZegoBarrageMessageInfo[]) => void;
  IMRecvCustomCommand: (roomID: string, fromUser: ParleyUser, command: string) => void;
  /** the room's member count: after login, then every room.onlineCountInterval (30 s) */
  roomOnlineUserCountUpdate: (roomID: string, count: number) => void;
  /** the publisher of a stream this page plays muted (or opened) its microphone */
  remoteMicStatusUpdate: (streamID: string, status: ZegoDeviceState) => void;
}

export interface ParleyStreamSource {
  /** audio: true or constraints (the default: true); video is not carried */
  camera?: {audio?: boolean | MediaTrackConstraints; video?: false};
}

export interface ParleyPublishUrlOptions {
  /** up to 1024 bytes, given to the room's members in roomStreamUpdate */
  extraInfo?: string;
  /**
   * multi-room: the room to publish in (default: the first room the engine logged in to; the server takes RTMP in
   * the session's first room only, 1100001 elsewhere)
   */
  roomID?: string;
}

export interface ParleyPublishOptions extends ParleyPublishUrlOptions {
  /** multi-room: the room to publish in (default: the first room the engine logged in to) */
  roomID?: string;
}

export interface ParleyPlayOptions {
  /** multi-room: the room of the stream (default: the first room the engine logged in to) */
  roomID?: string;
}

export interface ParleyStreamUrl {
  streamID: string;
  /** rtmp://... to push to, or http(s)://....flv / rtmp://... to play */
  url: string;
  /** Unix ms: a connection must start before this */
  urlExpiresAt: number;
}

export declare class ParleyEngine {
  /** throws a ParleyError (1100001) for an appID that is not a positive integer or a server that is not ws(s):// */
  constructor(appID: number, server: string, options?: ParleyEngineOptions);
  static readonly ERRORS: Readonly<{
    PARAM: number; TIMEOUT: number; NETWORK: number; LOGIN_NETWORK: number; NOT_LOGGED_IN: number;
    RECONNECT_TIMEOUT: number;
  }>;
  static readonly EVENTS: ReadonlyArray<keyof ParleyEvents>;
  static readonly VERSION: string;
  readonly appID: number;
  readonly server: string;
  readonly requestTimeout: number;
  readonly reconnectWindow: number;
  readonly rtcConfiguration: RTCConfiguration;
  /** the bundle option: one RTCPeerConnection for the session */
  readonly bundle: boolean;

  /** false for an unknown event or a non-function */
  on<K extends keyof ParleyEvents>(event: K, fn: ParleyEvents[K]): boolean;
  /** without fn: every handler of the event */
  off<K extends keyof ParleyEvents>(event: K, fn?: ParleyEvents[K]): boolean;

  /**
   * multi-room mode (the App must allow it: apps[].multiRoom): loginRoom may then be called again for further
   * rooms. False (nothing changed) while logged in or logging in.
   */
  enableMultiRoom(enable: boolean): boolean;
  /**
   * resolves false (never rejects) when refused or unreachable: roomStateChanged LOGIN_FAILED says why. After
   * enableMultiRoom(true), a call while logged in adds a room (same user; a refusal leaves the other rooms alone).
   * Rejects with 1100001 for a user without a string userID (first or further login).
   */
  loginRoom(roomID: string, token: string, user: ParleyUser, config?: ParleyRoomConfig): Promise<boolean>;
  /**
   * in several rooms: with a roomID leaves that room only, without one every room; a roomID the engine is not in
   * leaves nothing (roomStateChanged LOGOUT_FAILED 1002002)
   */
  logoutRoom(roomID?: string): Promise<void>;

  /** the roomID is needed in several rooms (multi-room); in one room it defaults to it */
  renewToken(token: string, roomID?: string): Promise<ParleyRenewTokenResponse>;
  setRoomExtraInfo(roomID: string, key: string, value: string): Promise<ZegoServerResponse>;
  /** for a stream this engine publishes (another streamID: the server's 1103055 from the first room) */
  setStreamExtraInfo(streamID: string, extraInfo: string): Promise<ZegoServerResponse>;
  sendBroadcastMessage(roomID: string, message: string): Promise<ParleyBroadcastMessageResponse>;
  sendBarrageMessage(roomID: string, message: string): Promise<ParleyBarrageMessageResponse>;
  /** toUserList: userIDs; empty or omitted: every other member */
  sendCustomCommand(roomID: string, command: string, toUserList?: string[]): Promise<ParleyCustomCommandResponse>;
  /**
   * disables (or enables) mediaStream's audio tracks and tells the server for every stream published from it:
   * true when the server took each (or none is published); rejects with 1100001 for a non-MediaStream
   */
  mutePublishStreamAudio(mediaStream: MediaStream, mute: boolean): Promise<boolean>;

  createStream(source?: ParleyStreamSource): Promise<MediaStream>;
  destroyStream(stream: MediaStream): void;

  /** WebRTC: resolves true once the server's answer is applied (false if stopped meanwhile) */
  startPublishingStream(streamID: string, mediaStream: MediaStream, options?: ParleyPublishOptions): Promise<boolean>;
  /** RTMP: a push URL for an RTMP pusher (OBS, ffmpeg, a WeChat <live-pusher>) */
  startPublishingUrl(streamID: string, options?: ParleyPublishUrlOptions): Promise<ParleyStreamUrl>;
  /**
   * false when not publishing streamID or the server refused; a refused or unanswered stop keeps the stream (retry),
   * unless the server says it has none (1103055)
   */
  stopPublishingStream(streamID: string): Promise<boolean>;

  /** WebRTC: the remote audio, for an <audio autoplay> element's srcObject */
  startPlayingStream(streamID: string, options?: ParleyPlayOptions): Promise<MediaStream>;
  /** a URL for a native player: 'flv' (HTTP-FLV, the default) or 'rtmp'; options.roomID as for startPublishingUrl */
  startPlayingUrl(streamID: string, transport?: 'flv' | 'rtmp', options?: ParleyPlayOptions): Promise<ParleyStreamUrl>;
  /**
   * false when not playing streamID or the server refused; a refused or unanswered stop keeps the stream (retry),
   * unless the server says it has none (1104039)
   */
  stopPlayingStream(streamID: string): Promise<boolean>;

  /** the WebRTC transport's stats of streamID (the player's unless kind says 'publish'); null without one */
  getStats(streamID: string, kind?: 'publish' | 'play'): Promise<RTCStatsReport | null>;
}

/** The same class under ZEGO's name, so that code written for ZEGO changes only its import. */
export declare const ZegoExpressEngine: typeof ParleyEngine;
export default ParleyEngine;
