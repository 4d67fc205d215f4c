#!/usr/bin/env bash
# docker/build-image.sh - build the Parley server image from the fat jar.
#
# Usage: docker/build-image.sh [TAG]            (run from anywhere in the repo)
#   TAG                default $PARLEY_IMAGE or parley/server:dev
# Environment:
#   PARLEY_IMAGE       image tag (default parley/server:dev)
#   BASE_IMAGE         base image (default parley/base-jre:17, made by .ci/docker-setup.sh;
#                      set BASE_IMAGE=eclipse-temurin:17-jre on a machine that can pull)
#   DOCKER_BUILD_ARGS  extra arguments for `docker build` (word-split)
#
# Prerequisite: `mvn -B -DskipTests package` (it makes server/target/parley-server.jar).
# The build context is the repository root, but only docker/Dockerfile and the
# jar are sent to the daemon (as a tar on stdin), so no .dockerignore is needed
# and the classic builder and BuildKit behave the same.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TAG="${1:-${PARLEY_IMAGE:-parley/server:dev}}"
BASE_IMAGE="${BASE_IMAGE:-parley/base-jre:17}"
JAR=server/target/parley-server.jar

die() { echo "build-image: ERROR: $*" >&2; exit 1; }

cd "$ROOT"
[ -f "$JAR" ] || die "$ROOT/$JAR is missing: build it first with 'mvn -B -DskipTests package'"
[ "$(head -c 2 "$JAR")" = PK ] || die "$JAR is not a jar (zip) file"
command -v docker >/dev/null 2>&1 || die "no docker client on PATH"
docker info >/dev/null 2>&1 || die "no Docker daemon answers (run .ci/docker-setup.sh as root)"
if ! docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  case "$BASE_IMAGE" in
    parley/*) die "base image $BASE_IMAGE is not present: run .ci/docker-setup.sh first" ;;
    *) echo "build-image: base image $BASE_IMAGE is not local; docker will try to pull it" >&2 ;;
  esac
fi

echo "build-image: $TAG from $BASE_IMAGE ($(du -h "$JAR" | cut -f1) jar)" >&2
start=$SECONDS
# shellcheck disable=SC2086
tar -c docker/Dockerfile "$JAR" | docker build \
  --build-arg "BASE_IMAGE=$BASE_IMAGE" \
  -f docker/Dockerfile -t "$TAG" ${DOCKER_BUILD_ARGS:-} -
echo "build-image: built $TAG in $((SECONDS - start))s, $(docker image inspect --format '{{.Size}}' "$TAG" | awk '{printf "%.0f MB", $1/1e6}')" >&2
