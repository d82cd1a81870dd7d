#!/usr/bin/env bash
# The test command: installs what is missing, then runs lint, type-check, unit, LSP, CLI and end-to-end
# tests and packages the .vsix. Ends with one "N passed, N failed" line covering every suite.
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0
failed=0
failures=()
log_dir=test-results
mkdir -p "$log_dir"

step() { printf '\n=== %s\n' "$1"; }

# Runs a node:test suite, adds its counts to the totals.
run_node_tests() {
  local name=$1; shift
  step "$name"
  local out="$log_dir/$name.log"
  node --import tsx --test --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$out.tap" "$@" 2>&1 | tee "$out"
  local p f
  p=$(grep -E '^# pass ' "$out.tap" | awk '{print $3}' | tail -1)
  f=$(grep -E '^# fail ' "$out.tap" | awk '{print $3}' | tail -1)
  p=${p:-0}; f=${f:-0}
  if [ "$p" = 0 ] && [ "$f" = 0 ]; then f=1; fi
  passed=$((passed + p)); failed=$((failed + f))
  [ "$f" -gt 0 ] && failures+=("$name")
}

# Runs a command that counts as one test.
run_check() {
  local name=$1; shift
  step "$name"
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); failures+=("$name"); fi
}

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "npm ci"
  npm ci --no-audit --no-fund || { echo "npm ci failed"; echo "0 passed, 1 failed"; exit 1; }
fi

run_check build npm run --silent build
run_check lint npx eslint .
run_check typecheck npm run --silent typecheck
run_node_tests unit $(find test/unit -name '*.test.ts' | sort)
run_node_tests lsp $(find test/lsp -name '*.test.ts' | sort)
run_node_tests cli $(find test/cli -name '*.test.ts' | sort)
run_node_tests apply $(find test/apply -name '*.test.ts' | sort)
[ -d test/fuzz ] && run_node_tests fuzz $(find test/fuzz -name '*.test.ts' | sort)

if [ "${SKIP_E2E:-}" != 1 ] && [ -f test/e2e/run.ts ]; then
  step "e2e (real VS Code: code-server + Chromium)"
  e2e_out="$log_dir/e2e.log"
  npm run --silent test:e2e 2>&1 | tee "$e2e_out"
  e2e_status=${PIPESTATUS[0]}
  line=$(grep -E '^e2e: [0-9]+ passed, [0-9]+ failed' "$e2e_out" | tail -1)
  if [ -n "$line" ]; then
    p=$(echo "$line" | sed -E 's/^e2e: ([0-9]+) passed.*/\1/')
    f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
  else
    p=0; f=1
  fi
  [ "$e2e_status" != 0 ] && [ "$f" = 0 ] && f=1
  passed=$((passed + p)); failed=$((failed + f))
  [ "$f" -gt 0 ] && failures+=(e2e)
fi

if [ "${SKIP_PACKAGE:-}" != 1 ] && [ -f scripts/package.mjs ]; then
  run_check package npm run --silent package
fi

echo
[ ${#failures[@]} -gt 0 ] && echo "failed suites: ${failures[*]}"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
