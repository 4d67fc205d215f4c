#!/usr/bin/env bash
# Runs the RTMP/HTTP-FLV scenarios behind BENCHMARKS.md ("WeChat mini-program media") on this machine, server and
# load generator side by side over loopback, and keeps every report, log, top snapshot, CPU-time and memory figure
# under loadtest/results/<UTC stamp>-rtmp/ (or $OUT).
# Needs: mvn -B -pl loadtest -am package -DskipTests (server/target/parley-server.jar, loadtest/target/parley-loadtest.jar).
# Usage: loadtest/bench/rtmp.sh [latency|first_tag|first_tag_quiet|ingest|ingest_pinned]...  (default: all, about 8 minutes)
#   ROOMS=200 FLV=5 DURATION=90s: the ingest run's size (latency and first_tag have fixed sizes).
set -euo pipefail
cd "$(dirname "$0")/../.."

OUT=${OUT:-loadtest/results/$(date -u +%Y%m%dT%H%M%SZ)-rtmp}
PORT=${PORT:-18090}
MEDIA_PORT=${MEDIA_PORT:-18091}
RTMP_PORT=${RTMP_PORT:-18935}
SERVER_JAR=server/target/parley-server.jar
LT=(java -jar loadtest/target/parley-loadtest.jar)
URL=ws://127.0.0.1:$PORT/ws
mkdir -p "$OUT"
SPID=""
SECRET=""
HZ=$(getconf CLK_TCK)

log() { echo "[rtmp-bench $(date -u +%H:%M:%S)] $*" | tee -a "$OUT/bench.log"; }

start_server() { # name [jvm flags...]; SERVER_CPUS=0 pins the server to core 0
  local name=$1; shift
  local pin=()
  [ -z "${SERVER_CPUS:-}" ] || pin=(taskset -c "$SERVER_CPUS")
  PARLEY_MEDIA_PORT=$MEDIA_PORT PARLEY_MEDIA_ANNOUNCED_ADDRESS=127.0.0.1 PARLEY_RTMP_PORT=$RTMP_PORT PARLEY_LOG_LEVEL=WARN \
    "${pin[@]}" java "$@" -jar "$SERVER_JAR" --dev --port "$PORT" >"$OUT/server-$name.log" 2>&1 &
  SPID=$!
  for _ in $(seq 1 100); do
    grep -q 'Secret:' "$OUT/server-$name.log" 2>/dev/null && break
    sleep 0.2
  done
  SECRET=$(awk '/Secret:/ {print $2}' "$OUT/server-$name.log")
  [ -n "$SECRET" ] || { log "server did not start:"; cat "$OUT/server-$name.log"; exit 1; }
  log "server $name: pid $SPID, flags: $* ${pin[*]}"
}

stop_server() {
  [ -n "$SPID" ] || return 0
  kill "$SPID" 2>/dev/null || true
  wait "$SPID" 2>/dev/null || true
  SPID=""
  sed -i -E 's/(Secret: +).*/\1<redacted>/; s/--secret [0-9a-f]+/--secret <redacted>/' "$OUT"/server-*.log 2>/dev/null || true
}
trap stop_server EXIT

machine() { # label: what else runs on the machine right now
  { echo "== $1 $(date -u +%H:%M:%S)"; uptime; top -b -n 1 -w 160 | sed -n '1,5p;7,18p'; } >>"$OUT/machine.txt"
}

snapshot_later() { (sleep "$1"; machine "$2") & }

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # utime + stime of a process, in clock ticks

thread_ticks() { # pid comm-prefix: utime + stime of the process's threads whose name starts so, in clock ticks
  local sum=0 t
  for t in /proc/"$1"/task/*; do
    if [[ "$(cat "$t/comm" 2>/dev/null)" == "$2"* ]]; then sum=$((sum + $(awk '{print $14 + $15}' "$t/stat"))); fi
  done
  echo "$sum"
}

heap_used_kb() {
  jcmd "$SPID" GC.run >/dev/null
  jcmd "$SPID" GC.heap_info | sed -n 's/.*used \([0-9]*\)K.*/\1/p' | head -1
}

rss_kb() { ps -o rss= -p "$SPID" | tr -d ' '; }

scrape() { curl -s "http://127.0.0.1:$PORT/metrics" | grep -E '^parley_(rtmp|flv|transcode)_' >"$OUT/$1-metrics.txt" || true; }

lt() { # name args...: runs the load generator, with the server's and its own CPU time over the run
  local name=$1; shift
  log "run $name: ${LT[*]} $* --url $URL --app 1 --secret <dev secret> --out $OUT/$name.json"
  local s0 t0 rc=0
  s0=$(cpu_ticks "$SPID"); t0=$(date +%s.%N)
  "${LT[@]}" "$@" --url "$URL" --app 1 --secret "$SECRET" --out "$OUT/$name.json" -q >"$OUT/$name.txt" 2>&1 &
  local lpid=$!
  wait "$lpid" || rc=$?
  local s1 t1
  s1=$(cpu_ticks "$SPID"); t1=$(date +%s.%N)
  [ "$rc" = 0 ] || log "$name exited with $rc"
  cat "$OUT/$name.txt" | tee -a "$OUT/bench.log"
  log "$name: server CPU $(echo "($s1 - $s0) / $HZ" | bc -l | xargs printf '%.1f') s over $(echo "$t1 - $t0" | bc -l | xargs printf '%.1f') s of wall clock"
}

warm() { # a short discarded run: JIT, and the transcoder's native libraries loaded
  "${LT[@]}" rtmp --url "$URL" --app 1 --secret "$SECRET" --rooms 4 --flv-players 2 --webrtc-players 1 -r 20 \
    -d 40s --steady 8s -q --metrics-url none >"$OUT/warmup-$1.txt" 2>&1 || true
}

latency() { # RTMP push -> WebRTC player: 10 transcoded streams, 2 WebRTC players each
  start_server latency
  warm latency
  machine "latency: before"
  snapshot_later 30 "latency: 10 AAC->Opus streams, steady"
  lt latency rtmp --rooms 10 --flv-players 0 --webrtc-players 2 -r 20 -d 120s --steady 60s &
  local lpid=$! k0 k1
  sleep 20 # set-up (5-10 s here) is over: the steady phase (60 s) has begun
  k0=$(thread_ticks "$SPID" parley-transcod)
  sleep 30
  k1=$(thread_ticks "$SPID" parley-transcod)
  log "latency: transcode threads' CPU over 30 s of the steady phase with 10 AAC->Opus streams: $(echo "($k1 - $k0) / $HZ" | bc -l | xargs printf '%.2f') s = $(echo "($k1 - $k0) * 1000 / $HZ / 30 / 10" | bc -l | xargs printf '%.1f') ms CPU per stream per second of audio"
  wait "$lpid" || true
  scrape latency
  stop_server
}

first_tag() { # HTTP-FLV request -> first audio tag: 200 players joining 20 live streams at 20/s
  start_server first-tag
  warm first-tag
  machine "first_tag: before"
  lt first-tag rtmp --rooms 20 --flv-players 10 -r 20 -d 60s --steady 10s
  stop_server
}

first_tag_quiet() { # the same with a tenth of the joins: 50 players joining 10 streams at 5/s
  start_server first-tag-quiet
  warm first-tag-quiet
  machine "first_tag_quiet: before"
  lt first-tag-quiet rtmp --rooms 10 --flv-players 5 -r 5 -d 60s --steady 5s
  stop_server
}

ingest() { # RTMP ingest of ROOMS publishers and ROOMS x FLV HTTP-FLV players (remux only, no transcoding)
  local rooms=${ROOMS:-200} flv=${FLV:-5} d=${DURATION:-120s}
  local name=${1:-ingest-$rooms}
  start_server "$name"
  warm "$name"
  local h0 r0
  h0=$(heap_used_kb); r0=$(rss_kb)
  log "$name: before: heap used after full GC ${h0} KB, RSS ${r0} KB"
  machine "$name: before"
  snapshot_later 45 "$name: $rooms publishers, $((rooms * flv)) FLV players, steady"
  lt "$name" rtmp --rooms "$rooms" --flv-players "$flv" -r 100 -d "$d" --steady "${STEADY:-40s}" &
  local lpid=$!
  sleep 50
  local r1
  r1=$(rss_kb) # no forced GC under load: it would stall the frames being timed
  scrape "$name"
  log "$name: under load: RSS ${r1} KB, $(jcmd "$SPID" GC.heap_info | head -1 | tr -s ' ') ($(grep -E '^parley_(rtmp|flv)_(connections|players)' "$OUT/$name-metrics.txt" | tr '\n' ' '))"
  wait "$lpid" || true
  stop_server
}

ingest_pinned() { # the same with the server on core 0 and the load generator on core 1
  SERVER_CPUS=0
  LT=(taskset -c 1 java -jar loadtest/target/parley-loadtest.jar)
  ingest ingest-pinned
  LT=(java -jar loadtest/target/parley-loadtest.jar)
  SERVER_CPUS=""
}

log "results in $OUT; machine: $(nproc) cores, ulimit -n $(ulimit -n), $(java -version 2>&1 | head -1)"
machine "start"
for s in "${@:-latency first_tag ingest}"; do
  for one in $s; do "$one"; done
done
log "done"
