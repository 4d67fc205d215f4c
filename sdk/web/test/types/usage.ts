// Compiled by `tsc -p test/types` (test/types.test.js): the declarations match what an app writes, as a CommonJS
// consumer that resolves 'parley-web' through package.json (exports, types). Each @ts-expect-error is a misuse the
// declarations must refuse.
import {ParleyEngine, ParleyError, ParleyRenewTokenResponse, ZegoBroadcastMessageInfo, ZegoExpressEngine, ZegoServerResponse,
  ZegoStreamList} from 'parley-web';
import Default from 'parley-web';

async function call(token: string, audio: HTMLAudioElement): Promise<void> {
  const zg: ParleyEngine = new ParleyEngine(1234567, 'wss://rtc.example.com/ws', {requestTimeout: 5000,
    rtcConfiguration: {iceServers: []}, logger: (...args) => console.log(...args), bundle: true});
  const bundled: boolean = zg.bundle;
  console.log(bundled);
  // @ts-expect-error: bundle is a boolean
  new ParleyEngine(1234567, 'wss://rtc.example.com/ws', {bundle: 'yes'});
  const same: typeof ParleyEngine = ZegoExpressEngine;
  const alsoSame: typeof ParleyEngine = Default;
  console.log(same === alsoSame, ParleyEngine.VERSION, ParleyEngine.ERRORS.NOT_LOGGED_IN, ParleyEngine.EVENTS.length);
  const multi: boolean = zg.enableMultiRoom(true);
  console.log(multi);

  zg.on('roomStateChanged', (roomID, reason, errorCode, extendedData) => {
    if (reason === 'KICKOUT') console.log(roomID, errorCode, JSON.parse(extendedData).kickout_reason);
    if (reason === 'LOGOUT_FAILED') console.log(roomID, errorCode === 1002002);
  });
  zg.on('roomUserUpdate', (roomID, updateType, users) => users.forEach((u) => console.log(updateType, u.userID, u.userName)));
  zg.on('roomStreamUpdate', async (roomID, updateType, streams: ZegoStreamList[], extendedData) => {
    for (const s of streams) {
      if (updateType === 'ADD') audio.srcObject = await zg.startPlayingStream(s.streamID);
      else await zg.stopPlayingStream(s.streamID);
      console.log(s.user.userID, s.extraInfo, extendedData);
    }
  });
  zg.on('publisherStateUpdate', (r) => console.log(r.roomID ?? '(refused)', r.streamID, r.state === 'PUBLISHING', r.errorCode, r.extendedData));
  // @ts-expect-error: roomID is absent when the SDK reports a refused publish itself
  zg.on('publisherStateUpdate', (r) => { const room: string = r.roomID; console.log(room); });
  zg.on('playerStateUpdate', (r) => console.log(r.streamID, r.state === 'PLAYING', r.errorCode));
  zg.on('publishQualityUpdate', (streamID, stats) => console.log(streamID, stats.audioBitrate, stats.rtt));
  zg.on('playQualityUpdate', (streamID, stats) => console.log(streamID, stats.packetsLostRate, stats.jitter));
  zg.on('tokenWillExpire', (roomID) => console.log(roomID));
  zg.on('tokenWillExpire', async (roomID, remainTimeInSecond) => {
    const renewed: ParleyRenewTokenResponse = await zg.renewToken(token, roomID);
    if (renewed.errorCode === 0) console.log(renewed.roomID, renewed.tokenExpireTime);
    else console.log(remainTimeInSecond - 1, renewed.extendedData);
  });
  zg.on('roomExtraInfoUpdate', (roomID, list) => list.forEach((i) => console.log(roomID, i.key, i.value, i.updateUser.userID, i.updateTime)));
  zg.on('streamExtraInfoUpdate', (roomID, streams) => streams.forEach((s) => console.log(roomID, s.streamID, s.user.userID, s.extraInfo)));
  zg.on('IMRecvBroadcastMessage', (roomID, messages: ZegoBroadcastMessageInfo[]) => {
    for (const m of messages) console.log(roomID, m.fromUser.userName, m.message, m.sendTime, m.messageID + 1);
  });
  zg.on('IMRecvBarrageMessage', (roomID, messages) => messages.forEach((m) => console.log(m.fromUser.userID, m.message, m.messageID.length)));
  // @ts-expect-error: a barrage message's messageID is a string, not a broadcast's integer
  zg.on('IMRecvBarrageMessage', (roomID: string, messages: ZegoBroadcastMessageInfo[]) => console.log(roomID, messages));
  zg.on('IMRecvCustomCommand', (roomID, fromUser, command) => console.log(roomID, fromUser.userID, command.toUpperCase()));
  zg.on('roomOnlineUserCountUpdate', (roomID, count) => console.log(roomID, count.toFixed(0)));
  zg.on('remoteMicStatusUpdate', (streamID, status) => console.log(streamID, status === 'MUTE' || status === 'OPEN'));
  // @ts-expect-error: the status is 'OPEN' or 'MUTE'
  zg.on('remoteMicStatusUpdate', (streamID, status) => console.log(streamID, status === 'MUTED'));
  zg.on('roomStateUpdate', (roomID, state) => console.log(roomID, state === 'CONNECTING' || state === 'CONNECTED'));
  // @ts-expect-error: the legacy state is DISCONNECTED, CONNECTING or CONNECTED, not a roomStateChanged reason
  zg.on('roomStateUpdate', (roomID, state) => console.log(roomID, state === 'RECONNECTING'));
  zg.on('roomStateChanged', (roomID, reason) => console.log(roomID, reason === 'RECONNECTING' || reason === 'RECONNECTED'));
  // @ts-expect-error: not an event
  zg.on('roomStateUpdated', () => {});
  // @ts-expect-error: publisherStateUpdate hands one result object, not (streamID, state)
  zg.on('publisherStateUpdate', (streamID: string, state: string) => console.log(streamID, state));
  zg.off('roomStreamUpdate');

  const ok: boolean = await zg.loginRoom('room-1', token, {userID: 'alice', userName: 'Alice'}, {userUpdate: true});
  if (!ok) return;
  // @ts-expect-error: user is an object
  await zg.loginRoom('room-1', token, 'alice');
  // multi-room: a further room on the same connection
  const second: boolean = await zg.loginRoom('room-2', token, {userID: 'alice', userName: 'Alice'});

  const mic: MediaStream = await zg.createStream({camera: {audio: {echoCancellation: true}, video: false}});
  const published: boolean = await zg.startPublishingStream('alice-mic', mic, {extraInfo: '{"mic":true}'});
  const stats: RTCStatsReport | null = await zg.getStats('alice-mic', 'publish');
  stats?.forEach((s) => console.log(published, s.type));
  const push = await zg.startPublishingUrl('alice-obs');
  const flv = await zg.startPlayingUrl('bob-mic', 'flv');
  console.log(push.url, push.urlExpiresAt, flv.url);
  // @ts-expect-error: HLS is not a transport
  await zg.startPlayingUrl('bob-mic', 'hls');
  // @ts-expect-error: roomID is a string
  await zg.startPublishingUrl('alice-obs-2', {roomID: 2});
  await zg.startPublishingUrl('alice-obs-2', {roomID: 'room-1', extraInfo: ''});
  await zg.startPlayingUrl('bob-mic', 'flv', {roomID: 'room-1'});
  if (second) {
    await zg.startPublishingStream('alice-mic-2', mic, {roomID: 'room-2', extraInfo: ''});
    audio.srcObject = await zg.startPlayingStream('bob-mic-2', {roomID: 'room-2'});
  }

  const renewed = await zg.renewToken(token);
  const set: ZegoServerResponse = await zg.setRoomExtraInfo('room-1', 'topic', 'music');
  const streamInfo: ZegoServerResponse = await zg.setStreamExtraInfo('alice-mic', '{"seat":2}');
  console.log(renewed.tokenExpireTime, set.errorCode === 0, streamInfo.extendedData);
  // @ts-expect-error: the room-feature calls resolve {errorCode, extendedData}, not a boolean
  const setOk: boolean = await zg.setRoomExtraInfo('room-1', 'topic', 'music');
  const broadcast = await zg.sendBroadcastMessage('room-1', 'hello');
  const broadcastID: number | undefined = broadcast.messageID;
  const barrage = await zg.sendBarrageMessage('room-1', '666');
  const barrageID: string | undefined = barrage.messageID;
  const command = await zg.sendCustomCommand('room-1', 'raise-hand', ['bob', 'ghost']);
  command.failUserList?.forEach((f) => console.log(f.userID, f.errorCode));
  const toEveryone = await zg.sendCustomCommand('room-2', 'mute-all');
  console.log(setOk, broadcastID, barrageID, toEveryone.errorCode, toEveryone.extendedData);
  const muted: boolean = await zg.mutePublishStreamAudio(mic, true);
  // @ts-expect-error: mutePublishStreamAudio takes the MediaStream (as ZEGO Web's), not a streamID
  await zg.mutePublishStreamAudio('alice-mic', false);
  console.log(muted);
  await zg.logoutRoom('room-2');

  const stopped: boolean = await zg.stopPublishingStream('alice-mic');
  await zg.stopPlayingStream('bob-mic');
  zg.destroyStream(mic);
  await zg.logoutRoom();
  try {
    await zg.startPlayingStream('nobody');
  } catch (e) {
    const err = e as ParleyError;
    console.log(stopped, err.code, err.message);
  }
}

export {call};
