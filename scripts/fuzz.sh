#!/usr/bin/env bash
# Runs every Go fuzz target of the module for the given time each.
#   scripts/fuzz.sh 3s     (make fuzz-smoke, part of make test)
#   scripts/fuzz.sh 60s    (make fuzz)
# Targets are found with `go test -list`, so a new Fuzz* function is picked up without editing this.
set -euo pipefail
cd "$(dirname "$0")/.."

fuzztime=${1:-3s}
GO=${GO:-go}

# Only packages whose test files mention "func Fuzz" need a test binary built for -list.
mapfile -t candidates < <(grep -rl --include='*_test.go' -E '^func Fuzz[A-Z0-9_]' . 2>/dev/null \
  | xargs -r -n1 dirname | sort -u)

total=0
failed=()
for dir in "${candidates[@]}"; do
  pkg=$("$GO" list "$dir")
  mapfile -t targets < <("$GO" test -list '^Fuzz' "$dir" | grep -E '^Fuzz' || true)
  for t in "${targets[@]}"; do
    total=$((total + 1))
    echo "== fuzz $pkg $t ($fuzztime)"
    # Go's fuzzer can report "context deadline exceeded" without any failing input when a short
    # -fuzztime runs out while its workers are still starting on a loaded machine; retry that case
    # once. A real crash writes "Failing input written to ..." and is never retried.
    for attempt in 1 2; do
      if out=$(nice -n 10 "$GO" test -run '^$' -fuzz "^${t}\$" -fuzztime "$fuzztime" "$dir" 2>&1); then
        echo "$out" | tail -n 2
        break
      fi
      echo "$out"
      if ((attempt == 1)) && grep -q 'context deadline exceeded' <<<"$out" && ! grep -q 'Failing input written' <<<"$out"; then
        echo "fuzz: $t: deadline hit before any input failed (no crasher); retrying once"
        continue
      fi
      failed+=("$pkg.$t")
      break
    done
  done
done

if ((total == 0)); then
  echo "fuzz: no fuzz targets found"
  exit 0
fi
if ((${#failed[@]})); then
  echo "fuzz: ${#failed[@]} of $total targets FAILED: ${failed[*]}" >&2
  echo "      (failing inputs were saved under the package's testdata/fuzz/<Target>/; rerun with go test -run <Target>/<file>)" >&2
  exit 1
fi
echo "fuzz: all $total targets passed ($fuzztime each)"
