#!/usr/bin/env bash
# The main job, end to end on this machine: build, start picojouled on a socket
# in a temporary folder, profile the bundled sample models (fp32 and compressed
# variants) against bundled profiles, print the comparison, run a gate that
# passes and one that fails, then stop the daemon (SIGTERM) and check it
# removed its socket.
#   scripts/demo.sh                 # after scripts/setup.sh
#   KEEP=1 scripts/demo.sh          # keep the temporary folder (database, logs)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

scripts/build.sh >/dev/null
bin=$(swift build -c release --show-bin-path)
pj="$bin/picojoule"

work=$(mktemp -d /tmp/picojoule-demo.XXXXXX)
sock="$work/picojoule.sock"
daemon_pid=""
cleanup() {
  if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then kill -TERM "$daemon_pid"; wait "$daemon_pid" || true; fi
  if [ -z "${KEEP:-}" ]; then rm -rf "$work"; else echo "demo: kept $work"; fi
}
trap cleanup EXIT

echo "== starting picojouled on $sock"
"$bin/picojouled" serve --socket "$sock" --data-dir "$work/data" \
  --devices "$root/devices" --profiles "$root/profiles" >"$work/daemon.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 1 100); do [ -S "$sock" ] && break; sleep 0.1; done
[ -S "$sock" ] || { echo "demo: the daemon did not create its socket"; cat "$work/daemon.log"; exit 1; }
export PICOJOULE_SOCKET="$sock"

models=(samples/tinycnn-fp32.onnx samples/tinycnn-int8.onnx samples/tinycnn-fp16.onnx samples/tinycnn-pruned75.onnx)
profiles=(mcu-m7 rpi4 phone-big)
pflags=(); for p in "${profiles[@]}"; do pflags+=(--profile "$p"); done

echo
echo "== what this host can measure"
"$pj" host

echo
echo "== profiling ${#models[@]} models x ${#profiles[@]} profiles"
# The fp32 model does not fit the M7's 512 KiB of SRAM: that job is refused with the
# numbers (exit status 3, "a job failed"), which is the point of profiling first.
set +e
"$pj" profile "${models[@]}" "${pflags[@]}"
status=$?
set -e
if [ "$status" -ne 0 ] && [ "$status" -ne 3 ]; then echo "demo: profile exited $status"; exit 1; fi

echo
echo "== comparison (ratios to the fp32 model)"
"$pj" compare "${models[@]}" "${pflags[@]}"

echo
echo "== gate that passes (generous budgets on mcu-m7)"
"$pj" gate samples/tinycnn-int8.onnx --profile mcu-m7 --no-profile-budgets \
  --energy "1 J" --latency "10 s" --peak-ram "512 KiB" --flash "2 MiB" --junit "$work/gate-pass.xml"

echo
echo "== gate that fails (a 1 KiB RAM budget and a 1 nJ energy budget)"
set +e
"$pj" gate samples/tinycnn-int8.onnx --profile mcu-m7 --no-profile-budgets \
  --energy "1 nJ" --peak-ram "1 KiB" --junit "$work/gate-fail.xml"
status=$?
set -e
if [ "$status" -ne 1 ]; then echo "demo: the failing gate exited $status, expected 1"; exit 1; fi
echo "(exit status $status, as expected)"

echo
echo "== stopping the daemon (SIGTERM)"
kill -TERM "$daemon_pid"; wait "$daemon_pid" || true; daemon_pid=""
if [ -e "$sock" ]; then echo "demo: the socket was not removed"; exit 1; fi
echo "demo: done; the daemon stopped and removed its socket"
