// Type declarations of parley-wx.js, the Parley WeChat mini-program SDK (ZEGO Express mini-program shape).
// The wire contract is protocol/PROTOCOL.md; docs/wechat-miniprogram.md maps every call to ZEGO's.

export interface ParleyError {
  /** A server code from PROTOCOL.md, or a client-side one (ParleyEngine.ERRORS). */
  code: number;
  message: string;
}

export interface ParleyUser {
  userID: string;
  userName?: string;
}

export interface ParleyRoomConfig {
  /** receive roomUserUpdate (ZEGO Web's name for isUserStatusNotify) */
  userUpdate?: boolean;
  /** member limit, 0 = unlimited; only the room's first member sets it */
  maxMemberCount?: number;
}

export interface ParleyEngineOptions {
  /** ms to wait for a response (default 10000) */
  requestTimeout?: number;
  /** ms of resume (or login) attempts after a dropped connection before RECONNECT_FAILED 1002053 (default 300000, ZEGO Web's 5 min) */
  reconnectWindow?: number;
  /** longest pause between two reconnection attempts, ms (default 5000) */
  reconnectMaxDelay?: number;
  /** restarts of a pusher/player after a network failure before NO_PUBLISH / NO_PLAY (default 3) */
  mediaRetries?: number;
  /** ms before the first restart; the n-th waits n times this (default 1000) */
  mediaRetryDelay?: number;
  /** a URL this close to its urlExpiresAt is replaced before (re)connecting (default 30000) */
  urlRefreshMargin?: number;
  /** tokenWillExpire fires this long before the token's expiry (default 30000) */
  tokenWillExpireLead?: number;
  /** transport of <live-player> URLs (default 'rtmp') */
  playTransport?: 'rtmp' | 'flv';
  /** id written to data[pushAtr].id, the <live-pusher id> to pass to updatePlayerState (default 'parley-pusher') */
  pusherID?: string;
  logger?: (...args: unknown[]) => void;
  /** the wx object (default: the global wx of the mini-program) */
  wx?: unknown;
}

export type ZegoRoomStateChangedReason = 'LOGINING' | 'LOGINED' | 'LOGIN_FAILED' | 'RECONNECTING' | 'RECONNECTED'
  | 'RECONNECT_FAILED' | 'KICKOUT' | 'LOGOUT' | 'LOGOUT_FAILED';
export type ZegoRoomState = 'DISCONNECTED' | 'CONNECTING' | 'CONNECTED';
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
  extendedData: string;
}

export interface ZegoPlayerStateResult {
  streamID: string;
  state: ZegoPlayerState;
  errorCode: number;
  extendedData: string;
}

/** ZEGO's mini-program stats, plus the server's measurements (PROTOCOL.md) when it sent them. */
export interface ZegoQualityStats {
  video: {videoBitrate: number; videoFPS: number; videoWidth: number; videoHeight: number};
  audio: {audioBitrate: number};
  netSpeed?: number;
  netJitter?: number;
  audioBitrate?: number;
  packets?: number;
  packetsLost?: number;
  packetsLostRate?: number;
  jitter?: number;
  rtt?: number;
}

export interface ParleyEvents {
  /**
   * RECONNECTING (1000017) when the socket drops; RECONNECTED when the session was resumed (extendedData '') or, when
   * the server said it was gone, logged in to again (extendedData '{"relogin":<code>}', e.g. 1102001); RECONNECT_FAILED
   * (1002053) after reconnectWindow.
   */
  roomStateChanged: (roomID: string, reason: ZegoRoomStateChangedReason, errorCode: number, extendedData: string) => void;
  roomStateUpdate: (roomID: string, state: ZegoRoomState, errorCode: number, extendedData: string) => void;
  roomUserUpdate: (roomID: string, updateType: ZegoUpdateType, userList: ParleyUser[]) => void;
  roomStreamUpdate: (roomID: string, updateType: ZegoUpdateType, streamList: ZegoStreamList[], extendedData: string) => void;
  publisherStateUpdate: (result: ZegoPublisherStateResult) => void;
  playerStateUpdate: (result: ZegoPlayerStateResult) => void;
  publishQualityUpdate: (streamID: string, stats: ZegoQualityStats) => void;
  playQualityUpdate: (streamID: string, stats: ZegoQualityStats) => void;
  tokenWillExpire: (roomID: string) => void;
  /** the server is draining (SIGTERM): log out and in again before the deadline (Unix ms) */
  serverDraining: (deadline: number) => void;
  roomExtraInfoUpdate: (roomID: string, roomExtraInfoList: ZegoRoomExtraInfo[]) => void;
  streamExtraInfoUpdate: (roomID: string, streamList: Array<{streamID: string; user: ParleyUser; extraInfo: string}>) => void;
  IMRecvBroadcastMessage: (roomID: string, messageList: Array<{fromUser: ParleyUser; message: string; sendTime: number; messageID: number}>) => void;
  IMRecvBarrageMessage: (roomID: string, messageList: Array<{fromUser: ParleyUser; message: string; sendTime: number; messageID: string}>) => void;
  IMRecvCustomCommand: (roomID: string, fromUser: ParleyUser, command: string) => void;
  roomOnlineUserCountUpdate: (roomID: string, count: number) => void;
  remoteMicStatusUpdate: (streamID: string, status: 'OPEN' | 'MUTE') => void;
}

export interface ZegoRoomExtraInfo {
  key: string;
  value: string;
  updateUser: ParleyUser;
  updateTime: number;
}

/** ZEGO's ZegoServerResponse, with the request's result members (messageID, failUserList, tokenExpireTime). */
export interface ZegoServerResponse {
  errorCode: number;
  extendedData: string;
  messageID?: number | string;
  failUserList?: Array<{userID: string; errorCode: number}>;
}

export interface ParleyContextOption {
  /** the Page or Component `this` whose data the SDK writes through setData */
  wxContext: {setData(data: Record<string, unknown>, callback?: () => void): void};
  /** key of the <live-pusher> attributes in data (default 'pusher') */
  pushAtr?: string;
  /** key of the <live-player> attribute list in data (default 'playerList') */
  playAtr?: string;
}

export interface ParleyPublishOption {
  extraInfo?: string;
  /** accepted for ZEGO compatibility; Parley has one room per session */
  roomID?: string;
}

export interface ParleyPlayOption {
  /** 'rtmp' or 'flv' (default: the engine's playTransport) */
  transport?: 'rtmp' | 'flv';
}

export interface ParleyStreamUrl {
  streamID: string;
  url: string;
}

/** The <live-pusher> attributes in data[pushAtr]; url and id are written by the SDK. */
export interface ParleyPusherAttributes {
  id?: string;
  url?: string;
  mode?: 'RTC' | 'SD' | 'HD' | 'FHD';
  autopush?: boolean;
  enableCamera?: boolean;
  enableMic?: boolean;
  enableAgc?: boolean;
  enableAns?: boolean;
  [attribute: string]: unknown;
}

/** One entry of data[playAtr]: id is the streamID. */
export interface ParleyPlayerAttributes {
  id?: string;
  streamID?: string;
  url?: string;
  mode?: 'RTC' | 'live';
  autoplay?: boolean;
  muteAudio?: boolean;
  [attribute: string]: unknown;
}

export interface WxCallbacks {
  success?: (res: unknown) => void;
  fail?: (res: unknown) => void;
  complete?: (res: unknown) => void;
}

export declare class ParleyPusher {
  readonly streamID: string;
  readonly state: ZegoPublisherState;
  readonly attributes: ParleyPusherAttributes;
  setAttributes(attributes: ParleyPusherAttributes): boolean;
  getAttributes(): ParleyPusherAttributes;
  /** asks an RTMP URL, writes it to data[pushAtr].url, starts the <live-pusher> */
  start(streamID: string, publishOption?: ParleyPublishOption): Promise<ParleyStreamUrl>;
  stop(): Promise<boolean>;
  pause(options?: WxCallbacks): void;
  resume(options?: WxCallbacks): void;
}

export declare class ParleyPlayer {
  readonly streamID: string;
  readonly state: ZegoPlayerState;
  readonly attributes: ParleyPlayerAttributes;
  setAttributes(attributes: ParleyPlayerAttributes): boolean;
  getAttributes(): ParleyPlayerAttributes;
  /** asks a URL, writes it to data[playAtr][i].url, starts the <live-player> */
  play(playOption?: ParleyPlayOption): Promise<ParleyStreamUrl>;
  stop(): Promise<boolean>;
  pause(options?: WxCallbacks): void;
  resume(options?: WxCallbacks): void;
  mute(options?: WxCallbacks): void;
}

export interface WxComponentEvent {
  currentTarget?: {id: string};
  detail: {code?: number; message?: string; info?: Record<string, number>};
}

export declare class ParleyEngine {
  constructor(appID: number, server: string, options?: ParleyEngineOptions);
  static readonly ERRORS: {
    PARAM: number; TIMEOUT: number; NETWORK: number; LOGIN_NETWORK: number; RECONNECT_FAILED: number;
    NOT_LOGGED_IN: number; PUBLISH_MEDIA: number; PLAY_MEDIA: number;
  };
  static readonly EVENTS: Array<keyof ParleyEvents>;
  static readonly VERSION: string;
  readonly appID: number;
  readonly server: string;

  getVersion(): string;
  on<K extends keyof ParleyEvents>(event: K, fn: ParleyEvents[K]): boolean;
  off<K extends keyof ParleyEvents>(event: K, fn?: ParleyEvents[K]): boolean;

  loginRoom(roomID: string, token: string, user: ParleyUser, config?: ParleyRoomConfig): Promise<boolean>;
  logoutRoom(roomID?: string): Promise<void>;
  /** keeps the token for the logins reconnection makes and sends it to the server (renewToken) */
  renewToken(token: string, roomID?: string): boolean;
  setRoomExtraInfo(roomID: string, key: string, value: string): Promise<ZegoServerResponse>;
  setStreamExtraInfo(streamID: string, extraInfo: string): Promise<ZegoServerResponse>;
  sendBroadcastMessage(roomID: string, message: string): Promise<ZegoServerResponse>;
  sendBarrageMessage(roomID: string, message: string): Promise<ZegoServerResponse>;
  sendCustomCommand(roomID: string, command: string, toUserList: string[]): Promise<ZegoServerResponse>;
  mutePublishStreamAudio(streamID: string, mute: boolean): Promise<ZegoServerResponse>;
  destroyEngine(): Promise<void>;

  initContext(option: ParleyContextOption): boolean;
  createPusher(attributes?: ParleyPusherAttributes): ParleyPusher;
  getPusherInstance(): ParleyPusher | undefined;
  setPusherAttributes(attributes: ParleyPusherAttributes): boolean;
  /** component: the Component `this` that holds the <live-player>, if not the page */
  getPlayerInstance(streamID: string, component?: unknown): ParleyPlayer;
  setPlayerAttributes(streamID: string, attributes: ParleyPlayerAttributes): boolean;

  /** native-component flow: an RTMP URL for <live-pusher url> */
  startPublishingStream(streamID: string, option?: ParleyPublishOption): Promise<ParleyStreamUrl>;
  stopPublishingStream(streamID: string): Promise<boolean>;
  /** native-component flow: an RTMP or HTTP-FLV URL for <live-player src> */
  startPlayingStream(streamID: string, option?: ParleyPlayOption): Promise<ParleyStreamUrl>;
  stopPlayingStream(streamID: string): Promise<boolean>;
  /** a fresh URL (new key) for a stream being published or played */
  getNextUrl(streamID: string): Promise<string>;

  /** forward <live-pusher>/<live-player> bindstatechange: id = pusher id or streamID */
  updatePlayerState(id: string, event: WxComponentEvent): boolean;
  /** forward <live-pusher>/<live-player> bindnetstatus */
  updatePlayerNetStatus(id: string, event: WxComponentEvent): boolean;
}

/** The same class under ZEGO's name, so that a page only changes its import. */
export declare const ZegoExpressEngine: typeof ParleyEngine;
