#!/usr/bin/env bash
# Every check of the project, cheapest first; goes on after a failure so one run shows them all,
# prints a summary, and exits non-zero if anything failed. Each stage's output is in
# .cache/logs/STAGE.log (and streams too with CI set or OTH_VERBOSE=1).  Usage: run-tests.sh [SCENARIO...]
set -uo pipefail
cd "$(dirname "$0")/.."

declare -a names=() results=() seconds=()
failed=0

stage() {  # one line per stage (tools/step.sh: the output in .cache/logs, streamed under CI)
  local name=$1; shift
  local start=$SECONDS
  if tools/step.sh "$name" "$@"; then results+=(passed); else results+=(FAILED); failed=$((failed + 1)); fi
  names+=("$name")
  seconds+=($((SECONDS - start)))
}

stage yamllint yamllint --strict .
stage changelog antsibull-changelog lint
stage ansible-lint ansible-lint --profile production
stage sanity tools/sanity.sh
stage collection tools/ee-check.sh
stage unit pytest tests/unit
stage kubernetes pytest tests/kubernetes
stage images make --no-print-directory images
for scenario in "$@"; do
  stage "molecule:$scenario" molecule test -s "$scenario"
done

echo
echo "=== summary"
for i in "${!names[@]}"; do
  printf '%-24s %-7s %5ss\n' "${names[$i]}" "${results[$i]}" "${seconds[$i]}"
done
echo "Stages: $(( ${#names[@]} - failed )) passed, $failed failed"
[ "$failed" -eq 0 ]
