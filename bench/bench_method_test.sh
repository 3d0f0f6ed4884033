#!/usr/bin/env bash
# The benchmarks' method, through the real binary at tiny sizes: each prints one JSON line whose
# last field is the ratio, within the span of its rounds; a reference that does strictly less
# work than ours cannot be beaten; and a measurement or set-up that fails exits non-zero.
set -u
mimic=cli/mimic
tmp=${TEST_TMPDIR:-$(mktemp -d)}
fail=0
check() {  # check NAME CONDITION...
  local name=$1; shift
  if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi
}
# json_ok LINE: ratio is the last key, ratio_min <= ratio <= ratio_max, at least 3 rounds
json_ok() {
  python3 - "$1" <<'PY'
import json, sys
line = sys.argv[1]
d = json.loads(line, object_pairs_hook=lambda pairs: pairs)
keys = [k for k, _ in d]
v = dict(d)
assert keys[-1] == "ratio", keys
assert v["rounds"] >= 3, v["rounds"]
assert v["ratio_min"] <= v["ratio"] <= v["ratio_max"], (v["ratio_min"], v["ratio"], v["ratio_max"])
PY
}
ratio_of() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])["ratio"])' "$1"; }

# env: the reference is the same physics without the task's work, so ours cannot be meaningfully faster
line=$($mimic bench env --envs 4 --seconds 0.3 --rounds 3 2>"$tmp/env.err" | tail -1); rc=$?
check "bench env succeeds" test $rc -eq 0
check "bench env prints a well-formed JSON line" json_ok "$line"
r=$(ratio_of "$line" 2>/dev/null || echo 99)
check "bench env cannot beat its reference (ratio $r <= 1.25)" awk -v r="$r" 'BEGIN { exit !(r <= 1.25) }'
printf 'model_path: "%s/no_such_model.xml"\n' "$tmp" >"$tmp/bad_env.pbtxt"
$mimic bench env --config "$tmp/bad_env.pbtxt" --seconds 0.1 >/dev/null 2>&1
check "bench env exits non-zero when its set-up fails" test $? -ne 0

# replay: the same streams' raw TCP limit; an item that cannot be inserted fails the measurement
line=$($mimic bench replay --seconds 0.3 --rounds 3 2>"$tmp/replay.err" | tail -1)
check "bench replay prints a well-formed JSON line" json_ok "$line"
r=$(ratio_of "$line" 2>/dev/null || echo 99)
check "bench replay cannot beat the raw sockets (ratio $r < 1)" awk -v r="$r" 'BEGIN { exit !(r < 1) }'
# batches larger than the table (1000 items) can never be sampled
$mimic bench replay --seconds 0.3 --rounds 3 --batch 2000 >/dev/null 2>"$tmp/replay_big.err"
check "bench replay exits non-zero when nothing can be sampled" test $? -ne 0
check "bench replay says nothing was sampled" grep -q "nothing was sampled" "$tmp/replay_big.err"

# glm: same coefficients or the benchmark fails
line=$($mimic bench glm --bins 2000 --neurons 1 --rounds 3 2>"$tmp/glm.err" | tail -1)
check "bench glm prints a well-formed JSON line" json_ok "$line"
$mimic bench glm --bins 2000 --neurons 1 --rounds 3 --tolerance 0 >/dev/null 2>"$tmp/glm_tol.err"
check "bench glm exits non-zero when the coefficients disagree" test $? -ne 0
check "bench glm says the coefficients differ" grep -q "coefficients differ" "$tmp/glm_tol.err"

# learner and actor: tiny runs; refused arguments exit 2
line=$($mimic bench learner --updates 1 --batch 2 --unroll 4 --sgemm_seconds 0.01 --rounds 3 2>"$tmp/learner.err" | tail -1)
check "bench learner prints a well-formed JSON line" json_ok "$line"
r=$(ratio_of "$line" 2>/dev/null || echo 99)
check "bench learner cannot beat the best sgemm (ratio $r < 1)" awk -v r="$r" 'BEGIN { exit !(r < 1) }'
$mimic bench learner --algo bogus --updates 1 >/dev/null 2>&1
check "bench learner exits non-zero on an unknown algorithm" test $? -ne 0
line=$($mimic bench actor --envs 2 --steps 20 --unroll 10 --rounds 3 2>"$tmp/actor.err" | tail -1)
check "bench actor prints a well-formed JSON line" json_ok "$line"
r=$(ratio_of "$line" 2>/dev/null || echo 99)
check "bench actor cannot beat the same env steps without a policy (ratio $r <= 1.25)" awk -v r="$r" 'BEGIN { exit !(r <= 1.25) }'
$mimic bench actor --steps 5 --unroll 20 >/dev/null 2>&1
check "bench actor refuses fewer steps than an unroll with exit 2" test $? -eq 2
$mimic bench actor --envs 2 --steps 20 --unroll 10 --precision fp8 >/dev/null 2>"$tmp/precision.err"
check "bench actor exits non-zero on an unknown precision" test $? -ne 0
check "bench actor's error names the unknown precision" grep -q "'fp8'" "$tmp/precision.err"

# stac: a corrupt recording fails; learn: an unknown task fails
head -c 300 /dev/urandom >"$tmp/corrupt.mat"
$mimic bench stac --keypoints "$tmp/corrupt.mat" --rounds 3 >/dev/null 2>&1
check "bench stac exits non-zero on a corrupt recording" test $? -ne 0
$mimic bench learn --task nonsense >/dev/null 2>&1
check "bench learn exits non-zero on an unknown task" test $? -ne 0
# imitation (whole training runs: bench/imitation_run_test runs one at CI size): set-up failures
$mimic bench imitation --config "$tmp/no_such_config.pbtxt" --run_dir "$tmp/imitation" >/dev/null 2>&1
check "bench imitation exits non-zero without its config" test $? -ne 0
mkdir -p "$tmp/no_run"
$mimic bench imitation --evaluate_only --run_dir "$tmp/no_run" >/dev/null 2>"$tmp/imitation_eval.err"
check "bench imitation exits non-zero evaluating a directory without a run" test $? -ne 0
$mimic bench imitation --env_steps 0 >/dev/null 2>&1
check "bench imitation refuses a zero step budget with exit 2" test $? -eq 2
# render: a tiny clip; its reference is real time (not measured), so only the method is checked here
line=$($mimic bench render --frames 10 --width 160 --height 120 --rounds 3 2>"$tmp/render.err" | tail -1)
check "bench render prints a well-formed JSON line" json_ok "$line"
check "bench render says what limits it" grep -qE '"limit":"(drawing|encoding)"' <<<"$line"
$mimic bench render --frames 10 --gl nonsense >/dev/null 2>&1
check "bench render exits non-zero on an unknown GL backend" test $? -ne 0
$mimic bench render --frames 10 --width 161 >/dev/null 2>&1
check "bench render exits non-zero on an odd frame size" test $? -ne 0

$mimic bench nonsense >/dev/null 2>&1
check "an unknown benchmark exits 2" test $? -eq 2

exit $fail
