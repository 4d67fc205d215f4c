// Compiled by `tsc -p test/types` (test/types.test.js): the declarations match what an app writes, as a CommonJS
// consumer that resolves 'parley-web' through package.json (exports, types). Each @ts-expect-error is a misuse the
// declarations must refuse.
import {ParleyEngine, ParleyError, ZegoExpressEngine, ZegoStreamList} from 'parley-web';
import Default from 'parley-web';

async function call(token: string, audio: HTMLAudioElement): Promise<void> {
  const zg: ParleyEngine = new ParleyEngine(1234567, 'wss://rtc.example.com/ws', {requestTimeout: 5000,
    rtcConfiguration: {iceServers: []}, logger: (...args) => console.log(...args)});
  const same: typeof ParleyEngine = ZegoExpressEngine;
  const alsoSame: typeof ParleyEngine = Default;
  console.log(same === alsoSame, ParleyEngine.VERSION, ParleyEngine.ERRORS.NOT_LOGGED_IN, ParleyEngine.EVENTS.length);

  zg.on('roomStateChanged', (roomID, reason, errorCode, extendedData) => {
    if (reason === 'KICKOUT') console.log(roomID, errorCode, JSON.parse(extendedData).kickout_reason);
  });
  zg.on('roomUserUpdate', (roomID, updateType, users) => users.forEach((u) => console.log(updateType, u.userID, u.userName)));
  zg.on('roomStreamUpdate', async (roomID, updateType, streams: ZegoStreamList[], extendedData) => {
    for (const s of streams) {
      if (updateType === 'ADD') audio.srcObject = await zg.startPlayingStream(s.streamID);
      else await zg.stopPlayingStream(s.streamID);
      console.log(s.user.userID, s.extraInfo, extendedData);
    }
  });
  zg.on('publisherStateUpdate', (r) => console.log(r.streamID, r.state === 'PUBLISHING', r.errorCode, r.extendedData));
  zg.on('playerStateUpdate', (r) => console.log(r.streamID, r.state === 'PLAYING', r.errorCode));
  zg.on('publishQualityUpdate', (streamID, stats) => console.log(streamID, stats.audioBitrate, stats.rtt));
  zg.on('playQualityUpdate', (streamID, stats) => console.log(streamID, stats.packetsLostRate, stats.jitter));
  zg.on('tokenWillExpire', (roomID) => console.log(roomID));
  // @ts-expect-error: not an event
  zg.on('roomStateUpdate', () => {});
  // @ts-expect-error: publisherStateUpdate hands one result object, not (streamID, state)
  zg.on('publisherStateUpdate', (streamID: string, state: string) => console.log(streamID, state));
  zg.off('roomStreamUpdate');

  const ok: boolean = await zg.loginRoom('room-1', token, {userID: 'alice', userName: 'Alice'}, {userUpdate: true});
  if (!ok) return;
  // @ts-expect-error: user is an object
  await zg.loginRoom('room-1', token, 'alice');

  const mic: MediaStream = await zg.createStream({camera: {audio: {echoCancellation: true}, video: false}});
  const published: boolean = await zg.startPublishingStream('alice-mic', mic, {extraInfo: '{"mic":true}'});
  const stats: RTCStatsReport | null = await zg.getStats('alice-mic', 'publish');
  stats?.forEach((s) => console.log(published, s.type));
  const push = await zg.startPublishingUrl('alice-obs');
  const flv = await zg.startPlayingUrl('bob-mic', 'flv');
  console.log(push.url, push.urlExpiresAt, flv.url);
  // @ts-expect-error: HLS is not a transport
  await zg.startPlayingUrl('bob-mic', 'hls');

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
