import json,sys,collections,subprocess,os
f=sys.argv[1]
data=json.loads(subprocess.check_output(['jfr','print','--json','--stack-depth','200','--events','jdk.ExecutionSample',f]))
ev=data['recording']['events']
start=os.environ.get('FROM')
if start: ev=[e for e in ev if e['values']['startTime'][11:19]>=start]
cats=[('DTLS handshake: CertificateVerify check (ECDSA verify)','processCertificateVerify'),
('DTLS handshake: ServerKeyExchange (ECDHE + ECDSA sign)','generateServerKeyExchange'),
('DTLS handshake: other','DtlsEndpoint.runHandshake'),
('DTLS handshake done -> SRTP contexts','SrtpSession.<init>'),
('login token check (JwtTokens.verify: jjwt before, own code after)','JwtTokens.verify'),
('login token check (token04)','Token04'),
('SDP parse/plan/answer','MediaSessions.play'),
('SDP parse/plan/answer','MediaSessions.publish'),
('forwarding RTP','Producer.onRtp'),
('RTCP/quality ticks','MediaPlane.tick'),
('RTCP in','WebRtcTransport.onRtcp'),
('STUN/ICE','MediaPlane.onStun'),
('JSON encode (signals out)','SignalEncoder.encode'),
('JSON parse (requests in)','SignalCodec.parseRequest'),
('JSON parse (requests in)','SignalCodec.bind'),
('WebSocket handshake','WebSocketServerProtocolHandshakeHandler'),
('room logic','RequestDispatcher.dispatch'),
('room logic','io/parley/server/room/'),
('socket write/flush','flush0'),
('socket write/flush','doWrite'),
('channel register/accept/close','register0'),
('channel register/accept/close','epollRdHupReady'),
('channel register/accept/close','ServerBootstrap'),
('channel register/accept/close','close'),
('metrics','Prometheus'),
]
c=collections.Counter(); n=len(ev)
tc=collections.Counter()
for e in ev:
    st=e['values']['stackTrace']
    fr=[x['method']['type']['name']+'.'+x['method']['name'] for x in st['frames']] if st else []
    s='|'.join(fr)
    for name,key in cats:
        if key in s: c[name]+=1; break
    else:
        c['other: '+(fr[0] if fr else '?')]+=1; tc['other']+=1
print('samples',n)
other=0
for k,v in c.most_common():
    if k.startswith('other: '): other+=v; continue
    print(f'{v/n*100:5.1f}% {k}')
print(f'{other/n*100:5.1f}% other')
if len(sys.argv)>2:
    for k,v in c.most_common(30):
        if k.startswith('other'): print(f'   {v/n*100:5.1f}% {k}')
