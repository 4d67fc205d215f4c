// Where your deployment is. Both hosts must be listed in the mini-program's legal domains
// (WeChat admin console: Development > Development settings > Server domains):
//   socket legal domain:  wss://parley.example.com      (Parley's /ws, behind a TLS proxy on 443)
//   request legal domain: https://api.example.com       (your business server, which mints tokens)
// See docs/wechat-miniprogram.md in the Parley repository.
module.exports = {
  // The AppID of your Parley App (apps[].appId in parley.yaml), not the mini-program's WeChat AppID.
  appID: 1234567,
  // Parley's signalling address: wss://<your TLS proxy>/ws (ws:// works only in DevTools with URL checks off).
  server: 'wss://parley.example.com/ws',
  // Your business server's endpoint that answers {token} for ?userID=&roomID= (see utils/token.js).
  tokenUrl: 'https://api.example.com/parley/token'
};
