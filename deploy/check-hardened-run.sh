#!/usr/bin/env bash
# Runs the built binary the way the systemd unit and the container run it: as an
# unprivileged user (65532, the container's), without new privileges, under umask 022
# (so the binary's own 0077 is what protects files), with the whole file system
# read-only except the data directory. It initialises a carrier,
# loads a small demo, serves it, takes a backup and checks the modes of what it wrote.
# Needs root (for the mount namespace), unshare and setpriv; CI runs it when present.
# Usage: deploy/check-hardened-run.sh path/to/cpniguard
set -euo pipefail
bin=$(realpath "$1")
work=$(mktemp -d)
chmod 0755 "$work"
trap 'rm -rf "$work"' EXIT
install -m 0755 "$bin" "$work/cpniguard"
data="$work/data"
mkdir -p "$data" && chown 65532:65532 "$data" && chmod 0700 "$data"
port=$(( 20000 + RANDOM % 20000 ))

unshare --mount --propagation private bash -s "$work" "$data" "$port" <<'INNER'
set -euo pipefail
work=$1 data=$2 port=$3
mount --bind "$data" "$data"
mount -o remount,bind,ro /
# Everything but the data directory is now read-only.
if touch "$work/probe" 2>/dev/null; then echo "check: the root is not read-only"; exit 1; fi
as_service() { cd "$data" && umask 022 && exec setpriv --reuid=65532 --regid=65532 --clear-groups --no-new-privs "$work/cpniguard" "$@"; }
(as_service demo --no-serve --accounts 5 --dir "$data/demo" > /dev/null)
# Backgrounded, the subshell execs the server, so $! is the server itself.
(as_service serve --config "$data/demo/cpniguard.toml" --listen "127.0.0.1:$port" 2> "$data/serve.log") &
pid=$!
for _ in $(seq 1 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  sleep 0.1
done
(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "check: serve did not come up"; cat "$data/serve.log"; exit 1; }
# The port opens just before the signal handlers are installed; let start-up finish.
sleep 1
kill -TERM "$pid"
wait "$pid" || { echo "check: serve did not stop cleanly (status $?)"; cat "$data/serve.log"; exit 1; }
(as_service backup --config "$data/demo/cpniguard.toml" --to "$data/backup.zip" > /dev/null)
(as_service audit verify --config "$data/demo/cpniguard.toml" > /dev/null)
INNER

fail=0
check_mode() {
  local want=$1 path=$2 got
  got=$(stat -c %a "$path")
  if [ "$got" != "$want" ]; then echo "check: $path is $got, expected $want"; fail=1; fi
}
check_mode 700 "$data/demo"
check_mode 600 "$data/demo/cpniguard.db"
check_mode 600 "$data/demo/cpniguard.toml"
check_mode 600 "$data/demo/audit-signing.key"
check_mode 600 "$data/backup.zip"
[ "$(stat -c %u "$data/demo/cpniguard.db")" = 65532 ] || { echo "check: the database is not the service user's"; fail=1; }
[ "$fail" = 0 ] && echo "check: hardened run ok (uid 65532, read-only root, private data directory)"
exit "$fail"
