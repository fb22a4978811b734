#!/usr/bin/env bash
# Two separate Godot processes talk through the extension: tests/two_process/server.gd listens on an
# ephemeral loopback port and writes it to a file; tests/two_process/client.gd connects to it. Both
# scripts run their own checks and exit 0 only if all of them passed; this script requires both.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/godot_env.sh

tmp=$(mktemp -d)
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

port_file="$tmp/port"
godot_run -s res://tests/two_process/server.gd -- --port-file "$port_file" >"$tmp/server.log" 2>&1 &
server_pid=$!

# Wait for the server to publish its port (it writes the file only after createListenSocketIP succeeded).
for _ in $(seq 1 300); do
  [[ -s "$port_file" ]] && break
  if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
  sleep 0.1
done
if [[ ! -s "$port_file" ]]; then
  echo "two-process: the server did not publish a port; its output:" >&2
  sed 's/^/  server| /' "$tmp/server.log" >&2
  exit 1
fi
port=$(cat "$port_file")

client_rc=0
godot_run -s res://tests/two_process/client.gd -- --connect "127.0.0.1:$port" >"$tmp/client.log" 2>&1 || client_rc=$?
server_rc=0
wait "$server_pid" || server_rc=$?
server_pid=""

sed 's/^/  server| /' "$tmp/server.log"
sed 's/^/  client| /' "$tmp/client.log"
echo "two-process: server exit $server_rc, client exit $client_rc"
if ((server_rc != 0 || client_rc != 0)); then
  echo "two-process: FAILED" >&2
  exit 1
fi
echo "two-process: passed"
