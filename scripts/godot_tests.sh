#!/usr/bin/env bash
# make test-godot: every GDScript test of godot_project/ in a real Godot named by $GODOT.
#   1. --check-only on every .gd file (parse errors fail)
#   2. tests/run_tests.gd (single-process tests, pass/fail summary)
#   3. scripts/godot_two_process.sh (a server and a client in two Godot processes)
#   4. scripts/godot_demo_chat.sh (the chat demo scene: a headless server and two scripted clients)
#   5. scripts/godot_multiplayer.sh (high-level multiplayer over SteamMultiplayerPeer: two processes;
#      skipped when $GODOT has no multiplayer module)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/godot_env.sh

echo "test-godot: $("$GODOT" --version 2>/dev/null | tail -n1) ($GODOT)"
declare -a results=()
failed=0
skipped=0

stage() { # stage NAME COMMAND...  (exit 77 = skipped)
  local name=$1 rc=0; shift
  echo "== $name"
  "$@" || rc=$?
  if ((rc == 0)); then results+=("PASS  $name")
  elif ((rc == 77)); then results+=("SKIP  $name"); skipped=$((skipped + 1))
  else results+=("FAIL  $name"); failed=$((failed + 1)); fi
}

check_scripts() {
  local bad=0 f res out
  while IFS= read -r f; do
    res="res://${f#"$PROJECT_DIR"/}"
    if ! out=$(godot_run --check-only -s "$res" 2>&1) || grep -qE 'SCRIPT ERROR|Parse Error|Failed to load script|Can.t load script' <<<"$out"; then
      echo "check-only FAILED: $res"; echo "$out" | sed 's/^/    /'
      bad=$((bad + 1))
    else
      echo "check-only ok: $res"
    fi
  done < <(find "$PROJECT_DIR" -name '*.gd' -not -path "$PROJECT_DIR/.godot/*" | sort)
  return $((bad > 0))
}

stage "parse check (--check-only) of every script" check_scripts
stage "tests/run_tests.gd" godot_run -s res://tests/run_tests.gd
stage "two processes (tests/two_process)" scripts/godot_two_process.sh
stage "chat demo: headless server + two clients" scripts/godot_demo_chat.sh
stage "multiplayer: SceneMultiplayer over SteamMultiplayerPeer (two processes)" scripts/godot_multiplayer.sh

echo
echo "test-godot summary:"
printf '  %s\n' "${results[@]}"
echo "test-godot: $(( ${#results[@]} - failed - skipped )) passed, $skipped skipped, $failed failed"
if ((failed)); then
  exit 1
fi
