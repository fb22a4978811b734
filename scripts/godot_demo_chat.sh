#!/usr/bin/env bash
# The chat demo scene (godot_project/chat/chat.tscn, the project's main scene) in its headless
# command-line mode: one server and two scripted clients in three Godot processes. Each client says
# one line and waits until it has received the other client's line through the server's relay.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/godot_env.sh

tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

port_file="$tmp/port"
godot_run -- --server --listen 127.0.0.1:0 --port-file "$port_file" --quit-when-empty >"$tmp/server.log" 2>&1 &
server_pid=$!
pids+=("$server_pid")
for _ in $(seq 1 300); do
  [[ -s "$port_file" ]] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
if [[ ! -s "$port_file" ]]; then
  echo "demo-chat: the server did not publish a port:" >&2
  sed 's/^/  server| /' "$tmp/server.log" >&2
  exit 1
fi
addr="127.0.0.1:$(cat "$port_file")"

godot_run -- --client "$addr" --name alice --say "hello from alice" --expect "bob: hello from bob" >"$tmp/alice.log" 2>&1 &
alice=$!; pids+=("$alice")
godot_run -- --client "$addr" --name bob --say "hello from bob" --expect "alice: hello from alice" >"$tmp/bob.log" 2>&1 &
bob=$!; pids+=("$bob")

rc_alice=0; wait "$alice" || rc_alice=$?
rc_bob=0; wait "$bob" || rc_bob=$?
rc_server=0; wait "$server_pid" || rc_server=$?
pids=()

sed 's/^/  server| /' "$tmp/server.log"
sed 's/^/  alice | /' "$tmp/alice.log"
sed 's/^/  bob   | /' "$tmp/bob.log"
echo "demo-chat: server exit $rc_server, alice exit $rc_alice, bob exit $rc_bob"
if ((rc_server || rc_alice || rc_bob)); then
  echo "demo-chat: FAILED" >&2
  exit 1
fi
echo "demo-chat: passed"
