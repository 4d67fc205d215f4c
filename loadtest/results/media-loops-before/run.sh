set -e
cd /tmp/wt-pre
OUT=/work/main/loadtest/results/media-loops-before; mkdir -p $OUT
PARLEY_GATEWAY_MAX_CONNECTIONS_PER_ADDRESS=100000 PARLEY_MEDIA_DTLS_MAX_HANDSHAKES_PER_ADDRESS=128 PARLEY_MEDIA_DTLS_MAX_HANDSHAKES_PER_APP=128 \
PARLEY_API_PORT=0 PARLEY_MANAGEMENT_PORT=0 PARLEY_RTMP_PORT=0 PARLEY_MEDIA_PORT=18091 PARLEY_MEDIA_ANNOUNCED_ADDRESS=127.0.0.1 PARLEY_LOG_LEVEL=WARN \
  java -jar server/target/parley-server.jar --dev --port 18090 > $OUT/server.log 2>&1 &
SPID=$!
for i in $(seq 100); do grep -q Secret: $OUT/server.log && break; sleep 0.2; done
S=$(awk '/Secret:/ {print $2}' $OUT/server.log)
LT="java -jar loadtest/target/parley-loadtest.jar"
$LT signal --url ws://127.0.0.1:18090/ws --app 1 --secret $S -n 1000 -m 100 -r 500 --publish-rate 20 --relogin-rate 100 -d 12s -q --metrics-url none > /dev/null 2>&1 || true
uptime > $OUT/machine.txt
$LT media --rooms 10 --publishers 1 --players 100 -r 25 -d 75s --url ws://127.0.0.1:18090/ws --app 1 --secret $S --out $OUT/media-before.json -q > $OUT/media-before.txt 2>&1 || true
kill $SPID; wait $SPID || true
sed -i -E 's/(Secret: +).*/\1<redacted>/' $OUT/server.log
