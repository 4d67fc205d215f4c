// The only place that says where Parley and your business server are (see config.js).
const config = require('./config.js');

App({
  globalData: {
    appID: config.appID,
    server: config.server,
    tokenUrl: config.tokenUrl
  }
});
