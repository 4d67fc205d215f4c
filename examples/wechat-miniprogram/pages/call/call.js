// An audio call page in ZEGO's component flow. Moving from ZEGO Express: the require below, the server address
// and the token endpoint (config.js) are the only differences; every call and event keeps ZEGO's name.
const {ZegoExpressEngine} = require('../../libs/parley-wx.js');   // was: require('zego-express-engine-miniprogram')
const {fetchToken} = require('../../utils/token.js');

let zg = null;

Page({
  data: {
    roomID: 'room-1',
    userID: 'wx-' + Math.floor(Math.random() * 100000),
    joined: false,
    busy: false,
    roomState: 'DISCONNECTED',
    publishState: 'NO_PUBLISH',
    error: '',
    pusher: {},        // <live-pusher> attributes: written by the SDK (initContext pushAtr)
    playerList: []     // <live-player> attributes, one per stream: written by the SDK (initContext playAtr)
  },

  onLoad() {
    const app = getApp();
    zg = new ZegoExpressEngine(app.globalData.appID, app.globalData.server);
    zg.initContext({wxContext: this, pushAtr: 'pusher', playAtr: 'playerList'});
    this.bindEvents();
  },

  onUnload() {
    if (zg) {
      zg.destroyEngine();
      zg = null;
    }
  },

  bindEvents() {
    zg.on('roomStateUpdate', (roomID, state) => this.setData({roomState: state}));
    zg.on('roomStateChanged', (roomID, reason, errorCode) => {
      if (reason === 'KICKOUT' || reason === 'RECONNECT_FAILED') {
        this.setData({joined: false, error: reason + ' ' + errorCode});
      }
    });
    zg.on('roomStreamUpdate', (roomID, updateType, streamList) => {
      streamList.forEach((stream) => {
        if (updateType === 'ADD') {
          zg.getPlayerInstance(stream.streamID).play().catch((e) => this.setData({error: 'play ' + e.code + ' ' + e.message}));
        } else {
          zg.getPlayerInstance(stream.streamID).stop();
        }
      });
    });
    zg.on('publisherStateUpdate', (result) => {
      this.setData({publishState: result.state + (result.errorCode ? ' (' + result.errorCode + ')' : '')});
    });
    zg.on('playerStateUpdate', (result) => console.log('player', result.streamID, result.state, result.errorCode));
    zg.on('tokenWillExpire', (roomID) => {
      fetchToken(getApp().globalData.tokenUrl, this.data.userID, roomID).then((token) => zg.renewToken(token, roomID));
    });
  },

  onRoomInput(e) { this.setData({roomID: e.detail.value}); },
  onUserInput(e) { this.setData({userID: e.detail.value}); },

  async join() {
    this.setData({busy: true, error: ''});
    try {
      const {roomID, userID} = this.data;
      const token = await fetchToken(getApp().globalData.tokenUrl, userID, roomID);
      const ok = await zg.loginRoom(roomID, token, {userID, userName: userID}, {userUpdate: true});
      if (!ok) throw new Error('login refused (see roomStateChanged)');
      this.setData({joined: true});
      zg.createPusher({mode: 'RTC', enableCamera: false, enableMic: true, autopush: false});
      await zg.getPusherInstance().start(userID + '-mic', {extraInfo: JSON.stringify({from: 'miniprogram'})});
    } catch (e) {
      this.setData({error: (e.code ? e.code + ' ' : '') + e.message});
    } finally {
      this.setData({busy: false});
    }
  },

  async leave() {
    const pusher = zg.getPusherInstance();
    if (pusher) await pusher.stop();
    this.data.playerList.forEach((p) => zg.getPlayerInstance(p.id).stop());
    await zg.logoutRoom();
    this.setData({joined: false, publishState: 'NO_PUBLISH'});
  },

  // The components' events go to the SDK, which turns them into publisherStateUpdate / playerStateUpdate
  // (1002 -> PUBLISHING, 2004 -> PLAYING, failures -> restart, then NO_PUBLISH / NO_PLAY) and quality events.
  onPushStateChange(e) { zg.updatePlayerState(e.currentTarget.id, e); },
  onPushNetStatus(e) { zg.updatePlayerNetStatus(e.currentTarget.id, e); },
  onPlayStateChange(e) { zg.updatePlayerState(e.currentTarget.id, e); },
  onPlayNetStatus(e) { zg.updatePlayerNetStatus(e.currentTarget.id, e); }
});
