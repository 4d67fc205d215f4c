#!/usr/bin/env bash
# Load-test smoke: start the built server jar in dev mode on free ports, run a ~5 s signalling scenario with a
# handful of sessions and a ~5 s media scenario (2 rooms, 1 publisher and 3 players each) through the built
# load-test jar, check each exit code and that each JSON report counts logins (and, for media, received packets
# with no loss), then stop the server. Every step is bounded by `timeout`. Needs: mvn package (or verify) done.
#
# Ports: the gateway port comes from Main's --port. The media UDP port has no CLI option; it is set with the
# environment override PARLEY_MEDIA_PORT (and the announced address with PARLEY_MEDIA_ANNOUNCED_ADDRESS, so that
# media stays on loopback). A port taken meanwhile makes the server fail to start: the script retries on others.
set -uo pipefail
cd "$(dirname "$0")/.."

SERVER_JAR=server/target/parley-server.jar
LOADTEST_JAR=loadtest/target/parley-loadtest.jar
for jar in "$SERVER_JAR" "$LOADTEST_JAR"; do
  [ -f "$jar" ] || { echo "loadtest-smoke: $jar missing (run mvn -B package first)" >&2; exit 2; }
done

work=$(mktemp -d)
server_pid=""
stop_server() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null
    timeout 15 tail --pid="$server_pid" -f /dev/null 2>/dev/null || kill -9 "$server_pid" 2>/dev/null
  fi
  server_pid=""
}
trap 'stop_server; rm -rf "$work"' EXIT

tcp_port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pick_port() {
  local p
  for _ in $(seq 1 50); do
    p=$(( 20000 + RANDOM % 20000 ))
    if tcp_port_free "$p"; then echo "$p"; return 0; fi
  done
  return 1
}

# Start the server; up to 3 attempts in case a port was taken meanwhile.
port=""
for attempt in 1 2 3; do
  port=$(pick_port) || { echo "loadtest-smoke: no free TCP port found" >&2; exit 1; }
  media_port=$(( port + 1 ))
  PARLEY_MEDIA_PORT=$media_port PARLEY_MEDIA_ANNOUNCED_ADDRESS=127.0.0.1 PARLEY_RTMP_PORT=0 PARLEY_API_PORT=0 PARLEY_LOG_LEVEL=WARN timeout 120 java -Xmx512m -jar "$SERVER_JAR" --dev --port "$port" \
    >"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do
    grep -q "ws://127.0.0.1:$port/ws" "$work/server.log" 2>/dev/null && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.2
  done
  if grep -q "ws://127.0.0.1:$port/ws" "$work/server.log" && kill -0 "$server_pid" 2>/dev/null; then
    break
  fi
  echo "loadtest-smoke: server did not start on port $port (attempt $attempt):" >&2
  tail -5 "$work/server.log" >&2
  stop_server
  port=""
done
[ -n "$port" ] || exit 1
echo "loadtest-smoke: server on ws://127.0.0.1:$port/ws"

# number "key" from the pretty-printed JSON report (first occurrence)
json_number() { grep -o "\"$1\" *: *[0-9.]*" "$2" | head -1 | sed 's/.*: *//'; }

fail=0
run_scenario() {
  local name=$1; shift
  local out="$work/$name.json"
  timeout 90 java -Xmx512m -jar "$LOADTEST_JAR" "$@" --url "ws://127.0.0.1:$port/ws" \
    --token-url "http://127.0.0.1:$port/dev/token" --out "$out" -q
  local rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "loadtest-smoke: $name scenario exited with $rc (expected: 0)" >&2
    fail=1
    return
  fi
  local logins
  logins=$(json_number logins "$out")
  if [ -z "$logins" ] || [ "${logins%.*}" -le 0 ]; then
    echo "loadtest-smoke: $name report counts ${logins:-no} logins (expected: > 0)" >&2
    fail=1
    return
  fi
  if [ "$name" = media ]; then
    local received lost
    received=$(json_number packets_received_in_window "$out")
    lost=$(json_number packets_lost "$out")
    if [ -z "$received" ] || [ "${received%.*}" -le 0 ] || [ "${lost:-1}" != 0 ]; then
      echo "loadtest-smoke: media report: ${received:-no} packets received, ${lost:-unknown} lost (expected: > 0 and 0)" >&2
      fail=1
      return
    fi
    echo "loadtest-smoke: media ok ($logins logins, $received packets, 0 lost)"
    return
  fi
  echo "loadtest-smoke: $name ok ($logins logins)"
}

run_scenario signal signal --sessions 20 --room-size 5 --login-rate 50 --publish-rate 4 --publish-hold 300ms \
  --relogin-rate 2 --duration 5s
run_scenario media media --rooms 2 --publishers 1 --players 3 --duration 5s

stop_server
if [ "$fail" -ne 0 ]; then
  echo "--- server log ---" >&2
  tail -40 "$work/server.log" >&2
  exit 1
fi
echo "loadtest-smoke: passed"
