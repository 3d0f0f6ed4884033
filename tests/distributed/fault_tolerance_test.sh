#!/usr/bin/env bash
# Fault injection on a real local training run (configs/smoke.pbtxt, every process separate, all
# over loopback): kill -9 an actor, then the learner, then the replay service, and check that the
# run carries on each time — restarts, resumed counters, reconnected writers — then that SIGTERM
# stops everything cleanly. Every wait is bounded; every check counts something.
set -u
mimic=$PWD/cli/mimic
tmp=${TEST_TMPDIR:-$(mktemp -d)}
run=$tmp/run
fail=0
check() {  # check NAME CONDITION...
  local name=$1; shift
  if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi
}
# figure FILE KEY: a number from a status JSON file (empty when absent)
figure() { grep -oE "\"$2\": [-0-9.e+]+" "$1" 2>/dev/null | head -1 | awk '{print $2}'; }
pid_of() { awk -v n="$1" '$1 == n { print $2 }' "$run/pids.txt" 2>/dev/null; }
updates() { local u; u=$(figure "$run/status/learner.json" updates); echo "${u:-0}" | awk '{printf "%d", $1}'; }
# wait_until SECONDS DESCRIPTION COMMAND...: polls every 0.5 s
wait_until() {
  local limit=$1 what=$2; shift 2
  local deadline=$((SECONDS + limit))
  until "$@"; do
    if [ $SECONDS -ge $deadline ]; then echo "timed out after ${limit}s waiting for: $what"; return 1; fi
    sleep 0.5
  done
}
updates_above() { [ "$(updates)" -gt "$1" ]; }

$mimic train --config configs/smoke.pbtxt --run_dir "$run" --max_wall_s 600 >"$tmp/train.out" 2>&1 &
supervisor=$!
trap 'kill -9 $supervisor 2>/dev/null' EXIT
check "training starts and updates" wait_until 90 "20 updates" updates_above 20

# 1. an actor dies: learning goes on, the supervisor restarts it, and it acts again
actor=$(pid_of actor-0)
before=$(updates)
kill -9 "$actor"
new_actor() { local p; p=$(pid_of actor-0); [ -n "$p" ] && [ "$p" != "$actor" ]; }
check "killed actor is restarted" wait_until 30 "a new actor-0" new_actor
check "learner carries on while an actor is down" wait_until 30 "updates" updates_above $((before + 10))
actor_acting() { local v; v=$(figure "$run/status/actor-0.json" env_steps); [ -n "$v" ] && [ "${v%.*}" -gt 0 ] && [ "$run/status/actor-0.json" -nt "$run/pids.txt" ]; }
check "restarted actor steps its environments again" wait_until 60 "actor-0 env steps" actor_acting
check "supervisor reports the actor's death" grep -q "actor-0 killed by signal 9" "$tmp/train.out"

# 2. the learner dies: it restarts from its last checkpoint and the update counter continues
learner=$(pid_of learner)
last_ckpt=$(ls "$run/checkpoints" | grep -oE "[0-9]{12}" | sort | tail -1 | sed 's/^0*//')
kill -9 "$learner"
resumed() { grep -qE "resumed from .* at update [0-9]+" "$run/logs/learner.log"; }
check "killed learner restarts from its checkpoint" wait_until 60 "resumed learner" resumed
resumed_at=$(grep -oE "resumed from .* at update [0-9]+" "$run/logs/learner.log" | tail -1 | awk '{print $NF}')
check "it resumes at the newest checkpoint (update $last_ckpt)" test "${resumed_at:-0}" -ge "${last_ckpt:-1}"
check "update counter continues past the resume point" wait_until 60 "updates" updates_above $((resumed_at + 10))
actor_version() { local v; v=$(figure "$run/status/actor-1.json" policy_version); [ -n "$v" ] && [ "${v%.*}" -gt "$resumed_at" ]; }
check "actors resync to the new learner's versions" wait_until 30 "actor-1 version" actor_version

# 3. replay dies: it restores its checkpoint (written every 2 s), writers and the sampler
# reconnect, learning goes on. The loss bound: what was acknowledged after the last checkpoint,
# so the restored insert count must be at least the count 3 s before the kill.
replay=$(pid_of replay)
replay_address=$(grep -oE 'address: "127.0.0.1:[0-9]+"' "$run/replay.pbtxt" | head -1 | grep -oE "[0-9.]+:[0-9]+")
inserts() { $mimic replay-info --server "$replay_address" --token_file "$run/token" 2>/dev/null | awk '$1 == "on_policy" { print $4 }'; }
inserts_before=$(inserts)
sleep 3
inserts_at_kill=$(inserts)
is_count() { [[ "$1" =~ ^[0-9]+$ ]]; }
check "replay-info reports the insert count before the kill" is_count "${inserts_before:-}"
check "replay-info reports the insert count at the kill" is_count "${inserts_at_kill:-}"
kill -9 "$replay"
restored() { [ "$(grep -c "restored from" "$run/logs/replay.log")" -ge 1 ]; }
check "killed replay restarts from its checkpoint" wait_until 60 "restored replay" restored
inserts_restored=$(grep -A3 "restored from" "$run/logs/replay.log" | grep -oE "[0-9]+ inserts" | head -1 | awk '{print $1}')
echo "replay inserts: ${inserts_before:-?} 3 s before the kill, ${inserts_at_kill:-?} at the kill, ${inserts_restored:-?} restored (lost $(( ${inserts_at_kill:-0} - ${inserts_restored:-0} )))"
check "the restored replay reports its insert count" is_count "${inserts_restored:-}"
check "replay loses at most the last checkpoint interval" test "${inserts_restored:-0}" -ge "${inserts_before:-999999999}"
after_replay=$(updates)
check "learning resumes through the new replay" wait_until 90 "updates" updates_above $((after_replay + 10))

# 4. SIGTERM stops the whole run in order; nothing is left behind
children=$(awk '{print $2}' "$run/pids.txt")
kill -TERM $supervisor
stopped() { ! kill -0 $supervisor 2>/dev/null; }
check "SIGTERM stops the run within 60 s" wait_until 60 "the supervisor to exit" stopped
wait $supervisor; rc=$?
check "the supervisor exits 0" test $rc -eq 0
left=0; for p in $children; do kill -0 "$p" 2>/dev/null && left=$((left + 1)); done
check "no process of the run is left" test $left -eq 0
check "the learner wrote a final checkpoint" grep -q "stopped at update" "$run/logs/learner.log"
check "a metrics snapshot was taken" grep -q "mimic_learner_updates_total" "$run/metrics/learner.prom"
check "summary counts the three restarts" grep -qE "\"restarts\": 3" "$run/summary.json"
if [ $fail -ne 0 ]; then echo "--- train output"; tail -30 "$tmp/train.out"; for f in "$run"/logs/*.log; do echo "--- $f"; tail -8 "$f"; done; fi
exit $fail
