#!/usr/bin/env bash
# .ci/docker-setup.sh - make a local Docker engine and the Parley base image available.
#
# Idempotent and non-interactive; meant for CI and developer machines that run
# Debian 12 as root with no access to any container registry:
#   1. installs docker.io + debootstrap with apt-get if they are missing;
#   2. starts `dockerd --bridge=none --iptables=false` in the background if no
#      daemon answers, and waits (with a deadline) until `docker info` works;
#   3. builds the base image (Debian bookworm minbase + openjdk-17-jre-headless
#      + curl) with debootstrap and `docker import`s it, unless it exists.
#
# Environment (all optional):
#   PARLEY_BASE_IMAGE        image name:tag to create     (default parley/base-jre:17)
#   PARLEY_BASE_REBUILD=1    rebuild the base image even if it exists
#   PARLEY_BASE_UPGRADE=0    skip applying bookworm-updates/-security in the rootfs
#   PARLEY_DEBIAN_MIRROR     Debian mirror URL   (default: taken from this machine's apt sources)
#   PARLEY_DEBIAN_SECURITY_MIRROR  security mirror URL (default: likewise)
#   PARLEY_DOCKERD_LOG       dockerd log file             (default /var/log/parley-dockerd.log)
#   PARLEY_DOCKERD_TIMEOUT   seconds to wait for dockerd  (default 60)
#
# Networking note: the daemon runs without the default bridge and without
# iptables rules, so containers must use `--network host` (or `--network none`);
# `-p` port mappings are not available on this engine.
set -euo pipefail
exec </dev/null
export DEBIAN_FRONTEND=noninteractive

BASE_IMAGE="${PARLEY_BASE_IMAGE:-parley/base-jre:17}"
DOCKERD_LOG="${PARLEY_DOCKERD_LOG:-/var/log/parley-dockerd.log}"
DOCKERD_TIMEOUT="${PARLEY_DOCKERD_TIMEOUT:-60}"
SUITE=bookworm

log() { printf '[docker-setup %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root"

# --- 1. packages ---------------------------------------------------------------
need_pkgs=()
command -v dockerd >/dev/null 2>&1 || need_pkgs+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || need_pkgs+=(debootstrap)
[ -e /usr/share/keyrings/debian-archive-keyring.gpg ] || need_pkgs+=(debian-archive-keyring)
if [ "${#need_pkgs[@]}" -gt 0 ]; then
  log "installing: ${need_pkgs[*]}"
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    "${need_pkgs[@]}" >/dev/null
fi
# The docker client: any on PATH will do (e.g. a newer static client in
# /usr/local/bin talks to the 20.10 daemon by negotiating the API down to 1.41).
command -v docker >/dev/null 2>&1 || die "no docker client on PATH after installing docker.io"

# --- 2. daemon -------------------------------------------------------------------
if docker info >/dev/null 2>&1; then
  log "docker daemon already answers"
else
  if ! pgrep -x dockerd >/dev/null 2>&1; then
    log "starting dockerd (log: $DOCKERD_LOG)"
    mkdir -p "$(dirname "$DOCKERD_LOG")"
    # setsid + nohup: detach from this script's session so it outlives CI steps.
    setsid nohup dockerd --bridge=none --iptables=false >>"$DOCKERD_LOG" 2>&1 </dev/null &
  else
    log "dockerd is running but not answering yet; waiting"
  fi
  deadline=$((SECONDS + DOCKERD_TIMEOUT))
  until docker info >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      tail -n 30 "$DOCKERD_LOG" >&2 || true
      die "dockerd did not answer within ${DOCKERD_TIMEOUT}s"
    fi
    sleep 0.5
  done
  log "docker daemon is up"
fi
log "engine: $(docker version --format 'server {{.Server.Version}} (API {{.Server.APIVersion}}), client {{.Client.Version}}' 2>/dev/null || echo '?')"

# --- 3. base image -------------------------------------------------------------
if [ "${PARLEY_BASE_REBUILD:-0}" != 1 ] && docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  log "base image $BASE_IMAGE already present"
  exit 0
fi

# Mirror: the first URI that apt on this machine uses for $SUITE (it may be a
# proxy or snapshot mirror rather than deb.debian.org), unless overridden.
apt_uri_for() { # $1 = suite; prints the first matching URI
  local suite="$1" f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -r "$f" ] || continue
    awk -v s="$suite" '$1=="deb" { i=2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
                        if ($(i+1)==s) { print $i; exit } }' "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -r "$f" ] || continue
    # deb822: paragraphs separated by blank lines; match Suites: containing $suite
    awk -v s="$suite" 'BEGIN { RS=""; FS="\n" }
      { uris=""; ok=0; en=1
        for (k=1; k<=NF; k++) {
          if ($k ~ /^URIs:/)    { sub(/^URIs:[ \t]*/, "", $k); uris=$k }
          if ($k ~ /^Suites:/)  { n=split(substr($k, 8), a, /[ \t]+/); for (j=1;j<=n;j++) if (a[j]==s) ok=1 }
          if ($k ~ /^Enabled:[ \t]*no/) en=0
        }
        if (ok && en && uris != "") { split(uris, u, /[ \t]+/); print u[1]; exit } }' "$f"
  done | head -n 1
}
MIRROR="${PARLEY_DEBIAN_MIRROR:-$(apt_uri_for "$SUITE")}"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"
SEC_MIRROR="${PARLEY_DEBIAN_SECURITY_MIRROR:-$(apt_uri_for "$SUITE-security")}"
SEC_MIRROR="${SEC_MIRROR:-http://deb.debian.org/debian-security}"
log "building $BASE_IMAGE from $MIRROR (security: $SEC_MIRROR)"

WORK="$(mktemp -d /var/tmp/parley-base.XXXXXX)"
ROOTFS="$WORK/rootfs"
cleanup() {
  umount "$ROOTFS/proc" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

t0=$SECONDS
debootstrap --variant=minbase --include=openjdk-17-jre-headless,curl,ca-certificates \
  "$SUITE" "$ROOTFS" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 \
  || { tail -n 40 "$WORK/debootstrap.log" >&2; die "debootstrap failed"; }
log "debootstrap: $((SECONDS - t0))s"

# Keep docs, man pages and translations out of this and any later dpkg run in the image.
cat >"$ROOTFS/etc/dpkg/dpkg.cfg.d/90parley-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
path-exclude /usr/lib/jvm/*/man/*
EOF
# No apt caches in the image (as in Debian's official images).
cat >"$ROOTFS/etc/apt/apt.conf.d/90parley-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";
Acquire::Languages "none";
APT::Install-Recommends "false";
EOF
rm -f "$ROOTFS/etc/apt/sources.list"
cat >"$ROOTFS/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $MIRROR
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $SEC_MIRROR
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF

if [ "${PARLEY_BASE_UPGRADE:-1}" = 1 ]; then
  t1=$SECONDS
  mount -t proc proc "$ROOTFS/proc"
  # Apply stable updates and security fixes on top of the release.
  # Check-Valid-Until=false: the mirror may be a dated snapshot.
  chroot "$ROOTFS" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
    sh -c 'apt-get -q -o Acquire::Check-Valid-Until=false update &&
           apt-get -q -y -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold dist-upgrade' \
    >"$WORK/upgrade.log" 2>&1 || { tail -n 40 "$WORK/upgrade.log" >&2; die "apt upgrade in rootfs failed"; }
  umount "$ROOTFS/proc"
  log "upgrade: $((SECONDS - t1))s ($(grep -c '^Unpacking' "$WORK/upgrade.log" || true) packages)"
fi

# Slim down: package caches and lists, docs, man pages, translations, logs.
rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/cache/apt/*.bin \
       "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/log/*.log "$ROOTFS"/var/log/apt/* \
       "$ROOTFS"/var/cache/debconf/*-old "$ROOTFS"/var/lib/dpkg/*-old \
       "$ROOTFS"/usr/share/man/* "$ROOTFS"/usr/share/info/* "$ROOTFS"/usr/share/lintian \
       "$ROOTFS"/usr/lib/jvm/*/man "$ROOTFS"/tmp/* "$ROOTFS"/var/tmp/*
mkdir -p "$ROOTFS/var/lib/apt/lists/partial"
find "$ROOTFS/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
find "$ROOTFS/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
find "$ROOTFS/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} + 2>/dev/null || true
# Nothing in the image should be tied to this build host.
: >"$ROOTFS/etc/hostname"
: >"$ROOTFS/etc/resolv.conf"
rm -f "$ROOTFS/etc/machine-id"; : >"$ROOTFS/etc/machine-id"
log "rootfs: $(du -sh "$ROOTFS" | cut -f1)"

t2=$SECONDS
JAVA_HOME_IN_IMAGE=/usr/lib/jvm/java-17-openjdk-amd64
tar --numeric-owner --xattrs -C "$ROOTFS" -c . | docker import \
  --change "ENV LANG=C.UTF-8" \
  --change "ENV JAVA_HOME=$JAVA_HOME_IN_IMAGE" \
  --change "ENV PATH=$JAVA_HOME_IN_IMAGE/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  --change 'CMD ["/bin/bash"]' \
  --message "debootstrap --variant=minbase $SUITE + openjdk-17-jre-headless + curl" \
  - "$BASE_IMAGE" >/dev/null
log "docker import: $((SECONDS - t2))s"

# Smoke test the result.
docker run --rm --network none "$BASE_IMAGE" sh -c 'java -version 2>&1 | head -n 1; curl --version | head -n 1; command -v useradd groupadd' >&2 \
  || die "smoke test of $BASE_IMAGE failed"
log "built $BASE_IMAGE ($(docker image inspect --format '{{.Size}}' "$BASE_IMAGE" | awk '{printf "%.0f MB", $1/1e6}')) in $((SECONDS - t0))s"
