#!/usr/bin/env bash
# step.sh LABEL COMMAND...: run one step of make lab / test / bench as one line, its label and then
# "ok" or "FAILED" with its time. The command's whole output goes to .cache/logs/LABEL.log; on a
# failure the line names that log and its last lines follow. With CI set (a CI log is read after
# the fact) or OTH_VERBOSE=1, the output streams as well and is still logged.
set -uo pipefail
label=${1:?usage: step.sh LABEL COMMAND...}
shift
logs="$(cd "$(dirname "$0")/.." && pwd)/.cache/logs"
mkdir -p "$logs"
log="$logs/$(printf '%s' "$label" | tr -cs 'A-Za-z0-9._' '-' | sed 's/^-*//; s/-*$//').log"
start=$SECONDS
if [ -n "${CI:-}" ] || [ -n "${OTH_VERBOSE:-}" ]; then
  echo "=== $label: $*"
  "$@" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  printf '=== %s: %s (%ds)\n' "$label" "$([ "$rc" -eq 0 ] && echo ok || echo FAILED)" $((SECONDS - start))
  exit "$rc"
fi
printf '%-48s ' "$label"
"$@" >"$log" 2>&1
rc=$?
if [ "$rc" -eq 0 ]; then
  printf 'ok      %4ds\n' $((SECONDS - start))
else
  printf 'FAILED  %4ds  (whole output: %s)\n' $((SECONDS - start)) "${log#"$PWD"/}"
  tail -n 25 "$log" | sed 's/^/    /'
fi
exit "$rc"
