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
  /** passed to every RTCPeerConnection (e.g. iceServers; not needed with Parley's ICE-lite server) */
  rtcConfiguration?: RTCConfiguration;
  /** receives the SDK's diagnostics (failed requests, unreadable frames); default: none */
  logger?: (...args: unknown[]) => void;
}

export type ZegoRoomStateChangedReason = 'LOGINING' | 'LOGINED' | 'LOGIN_FAILED' | 'RECONNECT_FAILED' | 'KICKOUT'
  | 'LOGOUT';
export type ZegoUpdateType = 'ADD' | 'DELETE';
export type ZegoPublisherState = 'NO_PUBLISH' | 'PUBLISH_REQUESTING' | 'PUBLISHING';
export type ZegoPlayerState = 'NO_PLAY' | 'PLAY_REQUESTING' | 'PLAYING';

export interface ZegoStreamList {
  streamID: string;
  user: ParleyUser;
  extraInfo: string;
}

export interface ZegoPublisherStateResult {
  streamID: string;
  state: ZegoPublisherState;
  errorCode: number;
  /** a JSON string such as {"reason":"peer_closed"}, or the error's message, or '' */
  extendedData: string;
}

export interface ZegoPlayerStateResult {
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

export interface ParleyEvents {
  roomStateChanged: (roomID: string, reason: ZegoRoomStateChangedReason, errorCode: number, extendedData: string) => void;
  roomUserUpdate: (roomID: string, updateType: ZegoUpdateType, userList: ParleyUser[]) => void;
  roomStreamUpdate: (roomID: string, updateType: ZegoUpdateType, streamList: ZegoStreamList[], extendedData: string) => void;
  publisherStateUpdate: (result: ZegoPublisherStateResult) => void;
  playerStateUpdate: (result: ZegoPlayerStateResult) => void;
  publishQualityUpdate: (streamID: string, stats: ParleyQualityStats) => void;
  playQualityUpdate: (streamID: string, stats: ParleyQualityStats) => void;
  /** handed on if the server pushes it; Parley's server does not push it yet (README.md, "Events") */
  tokenWillExpire: (roomID: string) => void;
}

export interface ParleyStreamSource {
  /** audio: true or constraints (the default: true); video is not carried */
  camera?: {audio?: boolean | MediaTrackConstraints; video?: false};
}

export interface ParleyPublishOptions {
  /** up to 1024 bytes, given to the room's members in roomStreamUpdate */
  extraInfo?: string;
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
  }>;
  static readonly EVENTS: ReadonlyArray<keyof ParleyEvents>;
  static readonly VERSION: string;
  readonly appID: number;
  readonly server: string;
  readonly requestTimeout: number;
  readonly rtcConfiguration: RTCConfiguration;

  /** false for an unknown event or a non-function */
  on<K extends keyof ParleyEvents>(event: K, fn: ParleyEvents[K]): boolean;
  /** without fn: every handler of the event */
  off<K extends keyof ParleyEvents>(event: K, fn?: ParleyEvents[K]): boolean;

  /** resolves false (never rejects) when refused or unreachable: roomStateChanged LOGIN_FAILED says why */
  loginRoom(roomID: string, token: string, user: ParleyUser, config?: ParleyRoomConfig): Promise<boolean>;
  logoutRoom(roomID?: string): Promise<void>;

  createStream(source?: ParleyStreamSource): Promise<MediaStream>;
  destroyStream(stream: MediaStream): void;

  /** WebRTC: resolves true once the server's answer is applied (false if stopped meanwhile) */
  startPublishingStream(streamID: string, mediaStream: MediaStream, options?: ParleyPublishOptions): Promise<boolean>;
  /** RTMP: a push URL for an RTMP pusher (OBS, ffmpeg, a WeChat <live-pusher>) */
  startPublishingUrl(streamID: string, options?: ParleyPublishOptions): Promise<ParleyStreamUrl>;
  /** false when not publishing streamID or the server refused */
  stopPublishingStream(streamID: string): Promise<boolean>;

  /** WebRTC: the remote audio, for an <audio autoplay> element's srcObject */
  startPlayingStream(streamID: string): Promise<MediaStream>;
  /** a URL for a native player: 'flv' (HTTP-FLV, the default) or 'rtmp' */
  startPlayingUrl(streamID: string, transport?: 'flv' | 'rtmp'): Promise<ParleyStreamUrl>;
  /** false when not playing streamID or the server refused */
  stopPlayingStream(streamID: string): Promise<boolean>;

  /** the WebRTC transport's stats of streamID (the player's unless kind says 'publish'); null without one */
  getStats(streamID: string, kind?: 'publish' | 'play'): Promise<RTCStatsReport | null>;
}

/** The same class under ZEGO's name, so that code written for ZEGO changes only its import. */
export declare const ZegoExpressEngine: typeof ParleyEngine;
export default ParleyEngine;
