#!/usr/bin/env bash
# make test: runs every test stage, keeps going after a failing stage so one run shows every
# problem, prints a summary and exits non-zero if any stage failed.
#   scripts/test_all.sh            all stages
#   scripts/test_all.sh vet fuzz-smoke   only these stages
set -uo pipefail
cd "$(dirname "$0")/.."

MAKE=${MAKE:-make}
MINGW_CC=${MINGW_CC:-x86_64-w64-mingw32-gcc}
stages=("$@")
if ((${#stages[@]} == 0)); then
  stages=(vet fmt-check test-race test-rest test-windows-build test-godot fuzz-smoke soak-ci)
fi

passed=0 failed=0 skipped=0
summary=()
for stage in "${stages[@]}"; do
  skip_reason=""
  case "$stage" in
    test-godot) [[ -z "${GODOT:-}" ]] && skip_reason="GODOT is not set" ;;
    test-windows-build) command -v "$MINGW_CC" >/dev/null 2>&1 || skip_reason="$MINGW_CC is not installed" ;;
  esac
  echo
  echo "==== make $stage"
  start=$SECONDS
  if "$MAKE" --no-print-directory "$stage"; then
    if [[ -n "$skip_reason" ]]; then
      skipped=$((skipped + 1)); summary+=("SKIP  $stage ($skip_reason)")
    else
      passed=$((passed + 1)); summary+=("PASS  $stage ($((SECONDS - start)) s)")
    fi
  else
    failed=$((failed + 1)); summary+=("FAIL  $stage ($((SECONDS - start)) s)")
  fi
done

echo
echo "==== make test summary"
printf '  %s\n' "${summary[@]}"
echo "stages: $passed passed, $failed failed, $skipped skipped"
((failed == 0))
