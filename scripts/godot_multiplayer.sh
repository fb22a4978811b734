#!/usr/bin/env bash
# Godot's high-level multiplayer over SteamMultiplayerPeer in two Godot processes: the scene
# godot_project/multiplayer/main.tscn as a headless server (ephemeral port, published through a file)
# and as a headless client. The client plays three rounds (close + reconnect, kicked by the server,
# connection to a dead port); both sides assert RPCs, spawner, synchronizer and that every
# SceneMultiplayer signal fired exactly once where it should, and exit 0 only if all of it held.
# Exit 77 (skipped) when $GODOT was built without the multiplayer module.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/godot_env.sh

probe_rc=0
probe_out=$(godot_run -s res://multiplayer/probe.gd 2>&1) || probe_rc=$?
if ((probe_rc == 3)); then
  echo "multiplayer: SKIPPED: this Godot has no multiplayer module (SceneMultiplayer/MultiplayerSpawner/MultiplayerSynchronizer);"
  echo "             run with a Godot built with module_multiplayer_enabled=yes (official builds have it)."
  grep 'multiplayer probe' <<<"$probe_out" | sed 's/^/  /' || true
  exit 77
elif ((probe_rc != 0)); then
  echo "multiplayer: the probe script failed (exit $probe_rc):" >&2
  sed 's/^/  /' <<<"$probe_out" >&2
  exit 1
fi

# The README's five lines, in one process.
five_rc=0
five_out=$(godot_run -s res://multiplayer/five_lines.gd 2>&1) || five_rc=$?
grep -v -e 'Falling back to dummy PhysicsServer2D' -e 'at: initialize_physics' -e '^$' <<<"$five_out" | sed 's/^/  five-lines| /'
if ((five_rc != 0)) || grep -qE 'SCRIPT ERROR|leaked at exit|still in use at exit' <<<"$five_out"; then
  echo "multiplayer: the README's five lines FAILED (exit $five_rc)" >&2
  exit 1
fi

tmp=$(mktemp -d)
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

port_file="$tmp/port"
godot_run res://multiplayer/main.tscn -- --server --port 0 --port-file "$port_file" >"$tmp/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 300); do
  [[ -s "$port_file" ]] && break
  if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
  sleep 0.1
done
if [[ ! -s "$port_file" ]]; then
  echo "multiplayer: the server did not publish a port; its output:" >&2
  sed 's/^/  server| /' "$tmp/server.log" >&2
  exit 1
fi
port=$(cat "$port_file")

client_rc=0
godot_run res://multiplayer/main.tscn -- --client --address 127.0.0.1 --port "$port" >"$tmp/client.log" 2>&1 || client_rc=$?
server_rc=0
wait "$server_pid" || server_rc=$?
server_pid=""

# Engine noise of a headless build without 2D physics is dropped from the logs.
filter() { grep -v -e 'Falling back to dummy PhysicsServer2D' -e 'at: initialize_physics' -e '^$' "$1" || true; }
filter "$tmp/server.log" | sed 's/^/  server| /'
filter "$tmp/client.log" | sed 's/^/  client| /'
echo "multiplayer: server exit $server_rc, client exit $client_rc"
if ((server_rc != 0 || client_rc != 0)); then
  echo "multiplayer: FAILED" >&2
  exit 1
fi
if grep -qE 'SCRIPT ERROR|leaked at exit|still in use at exit' "$tmp/server.log" "$tmp/client.log"; then
  echo "multiplayer: FAILED (script errors or leaks in the logs)" >&2
  exit 1
fi
echo "multiplayer: passed"
