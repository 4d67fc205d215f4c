'use strict';
// A mini-program user: a page (with the bindings of examples/wechat-miniprogram's call page), a wx stand-in,
// and a ParleyEngine bound to both, with every event recorded.
const {ParleyEngine} = require('../../parley-wx.js');
const {WxStandIn, makePage} = require('./wx-standin');
const {recorder} = require('./wait');
const {APP_ID} = require('./server');

const VERBOSE = !!process.env.PARLEY_WX_TEST_VERBOSE;

function miniUser(serverUrl, name, opts) {
  const o = Object.assign({toneHz: 440, engine: {}}, opts || {});
  let zg;
  const page = makePage({
    // As the call page binds them: <live-pusher bindstatechange="onPushStateChange" bindnetstatus="onPushNetStatus">
    onPushStateChange(e) { zg.updatePlayerState(e.currentTarget.id, e); },
    onPushNetStatus(e) { zg.updatePlayerNetStatus(e.currentTarget.id, e); },
    onPlayStateChange(e) { zg.updatePlayerState(e.currentTarget.id, e); },
    onPlayNetStatus(e) { zg.updatePlayerNetStatus(e.currentTarget.id, e); }
  });
  const log = VERBOSE ? (m) => console.log('[' + new Date().toISOString() + '] ' + m) : () => {};
  const wx = new WxStandIn({page, toneHz: o.toneHz, name, log});
  zg = new ParleyEngine(APP_ID, serverUrl, Object.assign({wx, logger: VERBOSE ? (...a) => log(name + ' sdk: ' + a.map(String).join(' ')) : undefined}, o.engine));
  zg.initContext({wxContext: page, pushAtr: 'pusher', playAtr: 'playerList'});
  const events = recorder(zg, ParleyEngine.EVENTS);
  if (VERBOSE) for (const ev of ParleyEngine.EVENTS) zg.on(ev, (...a) => log(name + ' event ' + ev + ' ' + JSON.stringify(a)));
  return {name, page, wx, zg, events, shutdown() { wx.shutdown(); }};
}

module.exports = {miniUser};
