// Tokens come from YOUR business server, never from the mini-program: it holds the App secret and mints a
// Parley token (a JWT with ZEGO's privilege-token claims, or a ZEGO token04: a server that already mints ZEGO
// tokens works unchanged). For example, with the Parley jar:
//   java -jar parley-server.jar token --app 1234567 --secret $SECRET --user alice --room room-1 --publish --ttl 1h
// or any JWT library (HS256 over {app_id, user_id, room_id, privilege, stream_id_list, iat, nbf, exp}).
// This helper asks GET <tokenUrl>?userID=..&roomID=.. and expects {"token": "..."}.

function fetchToken(tokenUrl, userID, roomID) {
  return new Promise(function (resolve, reject) {
    wx.request({
      url: tokenUrl,
      method: 'GET',
      data: {userID: userID, roomID: roomID},
      success: function (res) {
        if (res.statusCode === 200 && res.data && typeof res.data.token === 'string') resolve(res.data.token);
        else reject(new Error('token server answered ' + res.statusCode));
      },
      fail: function (err) {
        reject(new Error('token server unreachable: ' + (err && err.errMsg)));
      }
    });
  });
}

module.exports = {fetchToken: fetchToken};
