#!/usr/bin/env bash
# Runs the scenarios behind BENCHMARKS.md on this machine, server and load generator side by side, and keeps every
# report, log, heap figure, top snapshot and profile under loadtest/results/<UTC stamp>/ (or $OUT).
# Needs: mvn -B -pl loadtest -am package -DskipTests (server/target/parley-server.jar, loadtest/target/parley-loadtest.jar).
# Usage: loadtest/bench/benchmarks.sh [sessions|fanout|logins|media|media_55k|media_pinned|media_small|media_join|media_p99|media_bundle|media_loops|media_gc|join_cpu|login_cpu|large_room]...
#        (default: all of them, in that order; about 13 minutes)
set -euo pipefail
cd "$(dirname "$0")/../.."

OUT=${OUT:-loadtest/results/$(date -u +%Y%m%dT%H%M%SZ)}
PORT=${PORT:-18090}
MEDIA_PORT=${MEDIA_PORT:-18091}
SERVER_JAR=${SERVER_JAR:-server/target/parley-server.jar}
LT=(java -jar "${LT_JAR:-loadtest/target/parley-loadtest.jar}")
URL=ws://127.0.0.1:$PORT/ws
mkdir -p "$OUT"
SPID=""
SECRET=""

log() { echo "[bench $(date -u +%H:%M:%S)] $*" | tee -a "$OUT/bench.log"; }

start_server() { # name [jvm flags...]; SERVER_CPUS=0 pins the server to core 0
  local name=$1; shift
  local pin=()
  [ -z "${SERVER_CPUS:-}" ] || pin=(taskset -c "$SERVER_CPUS")
  # the server API, management and RTMP ports on free ones: another server on this machine may hold the defaults
  # every load-generator client is at 127.0.0.1: lift the per-address caps meant for real clients (the connection cap
  # of 256 refused every media scenario's players past the 256th with 429) and the per-App DTLS one (one App)
  PARLEY_GATEWAY_MAX_CONNECTIONS_PER_ADDRESS=${PARLEY_GATEWAY_MAX_CONNECTIONS_PER_ADDRESS:-100000} \
  PARLEY_MEDIA_DTLS_MAX_HANDSHAKES_PER_ADDRESS=${PARLEY_MEDIA_DTLS_MAX_HANDSHAKES_PER_ADDRESS:-128} \
  PARLEY_MEDIA_DTLS_MAX_HANDSHAKES_PER_APP=${PARLEY_MEDIA_DTLS_MAX_HANDSHAKES_PER_APP:-128} \
  PARLEY_API_PORT=${PARLEY_API_PORT:-0} PARLEY_MANAGEMENT_PORT=${PARLEY_MANAGEMENT_PORT:-0} PARLEY_RTMP_PORT=${PARLEY_RTMP_PORT:-0} \
  PARLEY_MEDIA_PORT=$MEDIA_PORT PARLEY_MEDIA_ANNOUNCED_ADDRESS=127.0.0.1 PARLEY_LOG_LEVEL=WARN \
    "${pin[@]}" "${SERVER_JAVA:-java}" "$@" -jar "$SERVER_JAR" --dev --port "$PORT" >"$OUT/server-$name.log" 2>&1 &
  SPID=$!
  for _ in $(seq 1 100); do
    grep -q 'Secret:' "$OUT/server-$name.log" 2>/dev/null && break
    sleep 0.2
  done
  SECRET=$(awk '/Secret:/ {print $2}' "$OUT/server-$name.log")
  [ -n "$SECRET" ] || { log "server did not start:"; cat "$OUT/server-$name.log"; exit 1; }
  log "server $name: pid $SPID, flags: $*"
}

stop_server() {
  [ -n "$SPID" ] || return 0
  kill "$SPID" 2>/dev/null || true
  wait "$SPID" 2>/dev/null || true
  SPID=""
  # the dev secret is throwaway, but kept logs should not carry it
  sed -i -E 's/(Secret: +).*/\1<redacted>/; s/--secret [0-9a-f]+/--secret <redacted>/' "$OUT"/server-*.log 2>/dev/null || true
}
trap stop_server EXIT

machine() { # label: what else runs on the machine right now
  { echo "== $1 $(date -u +%H:%M:%S)"; uptime; top -b -n 1 -w 160 | sed -n '1,5p;7,16p'; } >>"$OUT/machine.txt"
}

snapshot_later() { # seconds label
  (sleep "$1"; machine "$2") &
}

heap_used_kb() { # after a full GC
  jcmd "$SPID" GC.run >/dev/null
  jcmd "$SPID" GC.heap_info | sed -n 's/.*used \([0-9]*\)K.*/\1/p' | head -1
}

rss_kb() { ps -o rss= -p "$SPID" | tr -d ' '; }

lt() { # name args...
  local name=$1; shift
  log "run $name: ${LT[*]} $* --url $URL --app 1 --secret <dev secret> --out $OUT/$name.json"
  "${LT[@]}" "$@" --url "$URL" --app 1 --secret "$SECRET" --out "$OUT/$name.json" -q >"$OUT/$name.txt" 2>&1 || log "$name exited with $?"
  cat "$OUT/$name.txt" | tee -a "$OUT/bench.log"
}

warm() { # a short discarded run so that the server's JIT has compiled the paths we measure
  "${LT[@]}" signal --url "$URL" --app 1 --secret "$SECRET" -n 1000 -m 100 -r 500 --publish-rate 20 --relogin-rate 100 \
    -d 12s -q --metrics-url none >"$OUT/warmup-$1.txt" 2>&1 || true
}

sessions() {
  start_server sessions
  warm sessions
  local h0 r0 h1 r1
  h0=$(heap_used_kb); r0=$(rss_kb)
  log "0 sessions: heap used after full GC ${h0} KB, RSS ${r0} KB"
  machine "sessions: before"
  snapshot_later 8 "sessions: ramp at 1000 logins/s"
  lt sessions signal -n 10000 -m 100 -r 1000 --publish-rate 0 --warmup 5s -d 45s &
  local lpid=$!
  sleep 30 # warm-up 5 s + ramp 10 s + settle
  h1=$(heap_used_kb); r1=$(rss_kb)
  jmap -histo:live "$SPID" | head -25 >"$OUT/sessions-histo.txt"
  curl -s "http://127.0.0.1:$PORT/metrics" | grep -E '^parley_(sessions|members|rooms) ' >"$OUT/sessions-metrics.txt" || true
  log "10000 sessions: heap used after full GC ${h1} KB, RSS ${r1} KB ($(cat "$OUT/sessions-metrics.txt" | tr '\n' ' '))"
  log "retained heap per session: $(( (h1 - h0) * 1024 / 10000 )) bytes; RSS per session: $(( (r1 - r0) * 1024 / 10000 )) bytes"
  wait "$lpid" || true
  stop_server
}

fanout() {
  start_server fanout
  warm fanout
  machine "fanout: before"
  snapshot_later 20 "fanout: 1 room of 1000, 10 publishes/s"
  lt fanout signal -n 1000 -m 1000 -r 500 --publish-rate 10 --publish-hold 1s --warmup 5s -d 45s
  stop_server
}

server_cpu_ticks() { awk '{print $14 + $15}' "/proc/$SPID/stat"; }
server_thread_ticks() { # "<tid> <thread name without its number> <user ticks> <system ticks>" per live server thread
  for t in /proc/"$SPID"/task/*/stat; do sed -E 's/^([0-9]+) \((.*)\) (.*)$/\1\t\2\t\3/' "$t" 2>/dev/null; done |
    awk -F'\t' '{split($3, f, " "); name = $2; sub(/[-#0-9 ]+$/, "", name); print $1 "\t" name "\t" f[12] "\t" f[13]}'
}
thread_cpu_diff() { # before after hz joins total-ticks: CPU per thread group between two server_thread_ticks snapshots;
  # a thread that exited in between (an idle DTLS pool thread times out after 30 s) took its CPU with it: the rest of
  # the process's total is shown as such
  awk -F'\t' -v hz="$3" -v n="$4" -v total="$5" 'NR == FNR {u0[$1] = $3; s0[$1] = $4; next}
    {u[$2] += $3 - u0[$1]; s[$2] += $4 - s0[$1]; seen += $3 - u0[$1] + $4 - s0[$1]}
    END {for (k in u) if (u[k] + s[k] > 0) printf "  %-28s user %6d ms  system %6d ms  (%.2f ms per join)\n", k,
      u[k] * 1000 / hz, s[k] * 1000 / hz, (u[k] + s[k]) * 1000 / hz / n
      printf "  %-28s %35s (%.2f ms per join)\n", "threads exited in the run", (total - seen) * 1000 / hz " ms",
        (total - seen) * 1000 / hz / n}' "$1" "$2" | sort -t'(' -k2 -rn
}
joined() { # report.txt: sessions that completed their join (media: publishers and players set up; signal: logins)
  awk '/^derived:/ {for (i = 1; i <= NF; i++) if ($i == "publishers_connected" || $i == "players_connected") n += $(i + 1)}
       /^counters:/ && !m {for (i = 1; i <= NF; i++) if ($i == "logins") l = $(i + 1) + 0}
       /players_connected/ {m = 1} END {print (m ? n : l) + 0}' "$1"
}
server_notifications() { curl -s "http://127.0.0.1:$PORT/metrics" | awk '/^parley_notifications_total / {printf "%d", $2}'; }

large_room() { # one room of 10,000 members joining at 1,000/s; stream ADDs to all of them; server CPU per push delivered
  # every load-generator socket comes from 127.0.0.1: lift the per-address and per-node connection caps for this run
  PARLEY_GATEWAY_MAX_CONNECTIONS=12000 PARLEY_GATEWAY_MAX_CONNECTIONS_PER_ADDRESS=12000 start_server large-room
  warm large-room
  machine "large-room: before"
  snapshot_later 25 "large-room: 10000 members joining, then publishes"
  local c0 c1 n0 n1 hz
  hz=$(getconf CLK_TCK)
  c0=$(server_cpu_ticks); n0=$(server_notifications)
  lt large-room signal -n 10000 -m 10000 -r 1000 --user-updates --publish-rate 0.5 --publish-hold 1s -d 150s
  c1=$(server_cpu_ticks); n1=$(server_notifications)
  log "large-room: server CPU $(( (c1 - c0) * 1000 / hz )) ms for $(( n1 - n0 )) notifications written" \
      "($(awk -v c=$(( c1 - c0 )) -v h="$hz" -v n=$(( n1 - n0 )) 'BEGIN {printf "%.2f", c / h * 1e6 / n}') µs per push, whole run)"
  stop_server
}

logins() {
  start_server logins
  warm logins
  machine "logins: before"
  snapshot_later 25 "logins: 1000 relogins/s"
  lt logins signal -n 2000 -m 100 -r 1000 --relogin-rate 1000 --publish-rate 0 --warmup 5s -d 45s
  stop_server
}

profile() { # jfr-file: CPU samples by thread and method (inclusive), allocation by class and site, GC pauses
  local base=${1%.jfr}
  jfr print --stack-depth 64 --events jdk.ExecutionSample "$1" | awk -f loadtest/bench/jfr-inclusive.awk >"$base-profile.txt" || true
  jfr print --stack-depth 64 --events jdk.ObjectAllocationSample "$1" | awk -f loadtest/bench/jfr-alloc.awk >"$base-alloc.txt" || true
  jfr print --events jdk.GarbageCollection "$1" \
    | awk '/longestPause/ {v=$3; u=$4; if (u ~ /^s/) v*=1000; if (u ~ /us/) v/=1000; print v}' | sort -n \
    | awk '{a[NR]=$1; s+=$1} END {printf "GCs %d, total pause %.0f ms, median %.1f ms, p90 %.1f ms, max %.1f ms\n", NR, s, a[int(NR/2)+1], a[int(NR*0.9)+1], a[NR]}' \
    >"$base-gc.txt" || true
}

media() { # 50,000 packets/s out: 10 rooms of 1 publisher and 100 players joining at 25/s; JFR on both sides
  start_server media -XX:StartFlightRecording=filename="$OUT/server-media.jfr",settings=profile
  warm media
  machine "media: before"
  snapshot_later 70 "media: 10 rooms x (1 publisher, 100 players), steady"
  LT=(java -XX:StartFlightRecording=filename="$OUT/loadtest-media.jfr",settings=profile -jar loadtest/target/parley-loadtest.jar)
  lt media media --rooms 10 --publishers 1 --players 100 -r 25 -d 100s
  LT=(java -jar loadtest/target/parley-loadtest.jar)
  stop_server
  profile "$OUT/server-media.jfr"
  profile "$OUT/loadtest-media.jfr"
}

media_55k() { # 10 % above the target: 11 rooms of 1 publisher and 100 players (55,000 packets/s out)
  start_server media-55k
  warm media-55k
  snapshot_later 60 "media-55k: steady"
  lt media-55k media --rooms 11 --publishers 1 --players 100 -r 25 -d 90s
  stop_server
}

media_pinned() { # the same load with the server on core 0 and the load generator on core 1 (no sharing of a core)
  SERVER_CPUS=0 start_server media-pinned
  log "server on core 0 (taskset -c 0), load generator on core 1 (taskset -c 1)"
  LT=(taskset -c 1 java -jar loadtest/target/parley-loadtest.jar)
  warm media-pinned
  snapshot_later 60 "media-pinned: steady"
  lt media-pinned media --rooms 10 --publishers 1 --players 100 -r 25 -d 80s
  LT=(java -jar loadtest/target/parley-loadtest.jar)
  stop_server
}

media_small() { # a tenth of the load (5,000 packets/s): the end-to-end floor of the client + server path
  start_server media-small
  warm media-small
  lt media-small media --rooms 10 --publishers 1 --players 10 -r 25 -d 45s
  stop_server
}

media_join() { # players joining at 50/s and 100/s instead of 25/s: where login to first audio gives way
  start_server media-join
  warm media-join
  lt media-join-50 media --rooms 10 --publishers 1 --players 100 -r 50 -d 45s
  stop_server
  start_server media-join
  warm media-join
  snapshot_later 8 "media-join: players joining at 100/s"
  lt media-join-100 media --rooms 10 --publishers 1 --players 100 -r 100 -d 45s
  stop_server
}

media_bundle() { # login -> first audio at rising join rates, each player playing P streams (a fresh server per rate);
  # BUNDLE=--bundle: one transport per session; RATES, PUBLISHERS (2) and ROOMS x PLAYERS (20 x 20) change the run
  local tag=${BUNDLE:+bundled}
  # every client of the load generator is at 127.0.0.1: lift the per-address caps meant for real clients (and the
  # per-App one: they are all one App), leaving the server-wide DTLS handshake limit (128) as it is
  export PARLEY_GATEWAY_MAX_CONNECTIONS_PER_ADDRESS=100000 PARLEY_MEDIA_DTLS_MAX_HANDSHAKES_PER_ADDRESS=128 \
    PARLEY_MEDIA_DTLS_MAX_HANDSHAKES_PER_APP=128
  for rate in ${RATES:-50 100 200}; do
    start_server "media-bundle-$rate"
    warm "media-bundle-$rate"
    machine "media-bundle ${tag:-per-stream}: before, $rate joins/s"
    snapshot_later 6 "media-bundle ${tag:-per-stream}: players joining at $rate/s"
    # the load generator warms its own join path (DTLS, SRTP, SDP: a fresh JVM per run) and the server's with
    # WARMUP (20s) of small copies of the run first, not measured
    lt "media-${tag:-per-stream}-p${PUBLISHERS:-2}-$rate" media --rooms "${ROOMS:-20}" --publishers "${PUBLISHERS:-2}" \
      --players "${PLAYERS:-20}" -r "$rate" -d 90s --steady 5s --warmup "${WARMUP:-20s}" ${BUNDLE:-}
    # the server's counters after the run (dropped packets by reason: a dropped ICE check or DTLS flight costs a
    # join a retransmission timeout)
    curl -s "http://127.0.0.1:$PORT/metrics" >"$OUT/metrics-media-${tag:-per-stream}-$rate.txt" || true
    stop_server
  done
}

join_cpu() { # server CPU per bundled join: PLAYERS (50) x ROOMS (10) players joining at RATE (100)/s, each playing
  # PUBLISHERS (1) streams at 1 packet/s (so forwarding adds next to nothing); JFR=1 also records a JFR CPU profile
  local jfr=() hz c0 c1 joins
  [ -z "${JFR:-}" ] || jfr=("-XX:StartFlightRecording=filename=$OUT/join-cpu.jfr,settings=${JFR_SETTINGS:-profile}")
  export PARLEY_GATEWAY_MAX_CONNECTIONS_PER_ADDRESS=100000 PARLEY_MEDIA_DTLS_MAX_HANDSHAKES_PER_ADDRESS=128 \
    PARLEY_MEDIA_DTLS_MAX_HANDSHAKES_PER_APP=128
  start_server join-cpu "${jfr[@]}"
  # warm the join path itself (DTLS, SDP, ICE), not only signalling, with WARM (2) runs of the measured size: after one
  # the JIT compiler threads still take a third of the server's CPU during the next
  for w in $(seq 1 "${WARM:-2}"); do
    "${LT[@]}" media --url "$URL" --app 1 --secret "$SECRET" --rooms "${ROOMS:-10}" --publishers "${PUBLISHERS:-1}" \
      --players "${PLAYERS:-50}" -r "${RATE:-100}" --packet-rate 1 -d 60s --steady 1s ${BUNDLE---bundle} -q \
      --metrics-url none >"$OUT/warmup-join-cpu-$w.txt" 2>&1 || true
  done
  machine "join-cpu: before"
  hz=$(getconf CLK_TCK)
  c0=$(server_cpu_ticks); server_thread_ticks >"$OUT/join-cpu-threads-0.tsv"
  lt join-cpu media --rooms "${ROOMS:-10}" --publishers "${PUBLISHERS:-1}" --players "${PLAYERS:-50}" -r "${RATE:-100}" \
    --packet-rate 1 -d 60s --steady 1s ${BUNDLE---bundle} --metrics-url none # no /metrics scrapes in the CPU figure
  c1=$(server_cpu_ticks); server_thread_ticks >"$OUT/join-cpu-threads-1.tsv"
  joins=$(joined "$OUT/join-cpu.txt") # failed joins (DTLS stalls on a starved machine) cost CPU too: the run then overstates
  log "join-cpu: server CPU $(( (c1 - c0) * 1000 / hz )) ms for $joins sessions joined at ${RATE:-100}/s" \
      "($(awk -v c=$(( c1 - c0 )) -v h="$hz" -v n="$joins" 'BEGIN {printf "%.2f", c / h * 1000 / n}') ms CPU per join," \
      "$(awk -v c=$(( c1 - c0 )) -v h="$hz" -v n="$joins" 'BEGIN {printf "%.0f", n / (c / h)}') joins per CPU-second)"
  thread_cpu_diff "$OUT/join-cpu-threads-0.tsv" "$OUT/join-cpu-threads-1.tsv" "$hz" "$joins" $(( c1 - c0 )) | tee -a "$OUT/bench.log"
  stop_server
}

login_cpu() { # server CPU per signalling-only join (WebSocket, login with a JWT, logout): SESSIONS (2000) at RATE (200)/s
  local hz c0 c1 n=${SESSIONS:-2000}
  PARLEY_GATEWAY_MAX_CONNECTIONS_PER_ADDRESS=100000 start_server login-cpu
  for w in $(seq 1 "${WARM:-2}"); do
    "${LT[@]}" signal --url "$URL" --app 1 --secret "$SECRET" -n "$n" -m 100 -r "${RATE:-200}" --publish-rate 0 -d 20s -q \
      --metrics-url none >"$OUT/warmup-login-cpu-$w.txt" 2>&1 || true
  done
  hz=$(getconf CLK_TCK)
  c0=$(server_cpu_ticks); server_thread_ticks >"$OUT/login-cpu-threads-0.tsv"
  lt login-cpu signal -n "$n" -m 100 -r "${RATE:-200}" --publish-rate 0 -d 20s --metrics-url none
  c1=$(server_cpu_ticks); server_thread_ticks >"$OUT/login-cpu-threads-1.tsv"
  n=$(joined "$OUT/login-cpu.txt") # the sessions that logged in before the end (a starved load generator starts fewer)
  log "login-cpu: server CPU $(( (c1 - c0) * 1000 / hz )) ms for $n sessions logged in (target ${SESSIONS:-2000} at ${RATE:-200}/s)"
  thread_cpu_diff "$OUT/login-cpu-threads-0.tsv" "$OUT/login-cpu-threads-1.tsv" "$hz" "$n" $(( c1 - c0 )) | tee -a "$OUT/bench.log"
  stop_server
}

media_p99() { # the forwarding p99 on its own, short (about a minute): 10 rooms x (1 publisher, 20 players), 10,000/s
  start_server media-p99
  warm media-p99
  snapshot_later 30 "media-p99: steady"
  lt media-p99 media --rooms 10 --publishers 1 --players 20 -r 25 -d 45s
  stop_server
}

media_loops() { # 1 media loop against 2 (media.loops), alternately, at 50,000 packets/s out (10 rooms x (1, 100)):
  # LOOPS ("1 2 1 2") and SERVER_CPUS (e.g. 0,1 with LT_CPUS=2,3 on a 4-core machine) change the run
  local lt_pin=()
  [ -z "${LT_CPUS:-}" ] || lt_pin=(taskset -c "$LT_CPUS")
  LT=("${lt_pin[@]}" java -jar loadtest/target/parley-loadtest.jar)
  for n in ${LOOPS:-1 2 1 2}; do
    PARLEY_MEDIA_LOOPS=$n start_server "media-loops-$n"
    warm "media-loops-$n"
    machine "media-loops-$n: before"
    snapshot_later 40 "media-loops-$n: steady"
    lt "media-loops-$n-$(date -u +%H%M%S)" media --rooms 10 --publishers 1 --players 100 -r 25 -d 75s
    stop_server
  done
  LT=(java -jar loadtest/target/parley-loadtest.jar)
}

media_gc() { # the 50,000 packets/s load (10 rooms x (1, 100)) with the server on each collector of GCS ("G1 ZGC");
  # SERVER_JAVA picks the server's JDK (e.g. the Temurin 25 one: generational ZGC); JFR=1 records the server (profile)
  local flag jfr=()
  for gc in ${GCS:-G1 ZGC}; do
    case $gc in G1) flag=-XX:+UseG1GC ;; ZGC) flag=-XX:+UseZGC ;; *) log "unknown collector $gc"; return 1 ;; esac
    [ -z "${JFR:-}" ] || jfr=("-XX:StartFlightRecording=filename=$OUT/server-media-gc-$gc.jfr,settings=profile")
    start_server "media-gc-$gc" "$flag" "${jfr[@]}"
    warm "media-gc-$gc"
    machine "media-gc-$gc: before"
    lt "media-gc-$gc" media --rooms 10 --publishers 1 --players 100 -r 25 -d 100s --steady 40s --warmup 10s
    curl -s "http://127.0.0.1:$PORT/metrics" >"$OUT/metrics-media-gc-$gc.txt" || true
    stop_server
  done
}

log "results in $OUT; machine: $(nproc) cores, ulimit -n $(ulimit -n), $(java -version 2>&1 | head -1)"
for s in "${@:-sessions fanout logins media media_55k media_pinned media_small media_join}"; do
  for one in $s; do "$one"; done
done
log "done"
