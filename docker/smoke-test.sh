#!/usr/bin/env bash
# docker/smoke-test.sh - start the server image, wait for its HEALTHCHECK to
# report healthy, check it runs as uid 10001, then stop and remove it.
#
# Usage: docker/smoke-test.sh [IMAGE] [-- SERVER ARGS...]   (default: parley/server:dev -- --dev)
# Environment: PARLEY_SMOKE_TIMEOUT seconds to wait for healthy (default 90).
# Uses --network host (the CI engine has no bridge network), so ports 8080/tcp
# and 10000/udp of this machine must be free.
set -euo pipefail

IMAGE="${1:-${PARLEY_IMAGE:-parley/server:dev}}"
shift || true
[ "${1:-}" = "--" ] && shift
[ "$#" -gt 0 ] || set -- --dev
TIMEOUT="${PARLEY_SMOKE_TIMEOUT:-90}"
NAME="parley-smoke-$$"

cleanup() { docker rm -f "$NAME" >/dev/null 2>&1 || true; }
trap cleanup EXIT
fail() {
  echo "smoke-test: FAIL: $*" >&2
  docker logs --tail 50 "$NAME" >&2 2>&1 || true
  docker inspect -f '{{json .State}}' "$NAME" >&2 2>/dev/null || true
  exit 1
}

docker run -d --name "$NAME" --network host "$IMAGE" "$@" >/dev/null
start=$SECONDS
while :; do
  running="$(docker inspect -f '{{.State.Running}}' "$NAME")"
  health="$(docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$NAME")"
  [ "$running" = true ] || fail "container exited (code $(docker inspect -f '{{.State.ExitCode}}' "$NAME"))"
  [ "$health" = none ] && fail "image has no HEALTHCHECK"
  [ "$health" = healthy ] && break
  [ "$health" = unhealthy ] && fail "health check reports unhealthy"
  [ $((SECONDS - start)) -lt "$TIMEOUT" ] || fail "not healthy after ${TIMEOUT}s (status: $health)"
  sleep 1
done
echo "smoke-test: $IMAGE healthy after $((SECONDS - start))s" >&2

uid="$(docker exec "$NAME" sh -c 'ps -o uid= -p 1 2>/dev/null || stat -c %u /proc/1')"
uid="$(echo "$uid" | tr -d ' ')"
[ "$uid" = 10001 ] || fail "server runs as uid $uid, expected 10001"
echo "smoke-test: server process (pid 1) runs as uid $uid" >&2

docker stop -t 20 "$NAME" >/dev/null
echo "smoke-test: stopped (exit code $(docker inspect -f '{{.State.ExitCode}}' "$NAME")); OK" >&2
