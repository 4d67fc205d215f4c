// The same package as an ES module consumer sees it (the "import" condition of package.json's exports).
import ParleyEngine, {ZegoExpressEngine, ZegoServerResponse} from 'parley-web';

export async function join(token: string): Promise<boolean> {
  const zg = new ZegoExpressEngine(1, 'ws://127.0.0.1:8080/ws', {bundle: true});
  const same: typeof ParleyEngine = ZegoExpressEngine;
  console.log(same.VERSION);
  zg.on('IMRecvCustomCommand', (roomID, fromUser, command) => console.log(roomID, fromUser.userID, command));
  zg.enableMultiRoom(true);
  const ok = await zg.loginRoom('room-1', token, {userID: 'bob'});
  if (ok) {
    const sent: ZegoServerResponse = await zg.sendBroadcastMessage('room-1', 'hi');
    console.log(sent.errorCode);
  }
  return ok;
}
