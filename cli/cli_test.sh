#!/usr/bin/env bash
# End-to-end checks of the `mimic` command line: help, the demo, clip recording and bad input.
set -u
mimic=cli/mimic
tmp=${TEST_TMPDIR:-$(mktemp -d)}
fail=0
check() {  # check NAME CONDITION...
  local name=$1; shift
  # on failure show the start of the last command's output: CI keeps nothing else
  if "$@"; then echo "ok   $name"; else echo "FAIL $name"; echo "     last output: ${out:0:600}"; fail=1; fi
}

out=$($mimic --help 2>&1); check "help lists the demo" grep -q "demo" <<<"$out"
check "help lists bench" grep -q "bench" <<<"$out"

$mimic nonsense >/dev/null 2>&1; check "unknown command exits 2" test $? -eq 2

out=$($mimic record-clip --out "$tmp/clip.h5" --frames 20 --seed 3 2>&1)
check "record-clip writes a clip" test -s "$tmp/clip.h5"
check "record-clip reports 20 frames" grep -q "20 frames" <<<"$out"

out=$($mimic demo --out "$tmp/demo" --steps 60 --envs 4 --train_s 25 2>&1); rc=$?
check "demo succeeds" test $rc -eq 0
[ $rc -ne 0 ] && { echo "--- demo output"; tail -25 <<<"$out"; }
check "demo prints the policy table" grep -q "random" <<<"$out"
check "demo registers the real recording" grep -qE "STAC registration .* 1000 frames -> 4 clips" <<<"$out"
resid=$(grep -oE "mean keypoint residual [0-9.]+" <<<"$out" | grep -oE "[0-9.]+$")
check "demo residual is at most 2.2 mm (documented: 1.95)" awk -v r="$resid" 'BEGIN { exit !(r != "" && r <= 2.2) }' 
check "demo writes its clip file" test -s "$tmp/demo/clips.h5"
check "demo trains with the whole topology" grep -qE "train: [0-9]+ s, [0-9]+ env steps, [1-9][0-9]* learner updates, 0 restarts" <<<"$out"
check "demo writes a rollouts file of every clip" grep -qE "wrote .*rollouts.h5: 4 clips" <<<"$out"
check "demo's run has an evaluation curve" test -s "$tmp/demo/train/eval.svg"
check "demo ends with a successful analysis job" grep -qE "encoding-000001 +succeeded .* 18 neurons x 2 feature classes" <<<"$out"
check "demo's analysis wrote results and a figure" test -s "$tmp/demo/analysis/encoding.h5" -a -s "$tmp/demo/analysis/encoding.svg"
check "demo's run drew a token only its owner can read" test "$(stat -c %a "$tmp/demo/train/token" 2>/dev/null)" = 600
# the /metrics pages of the real binary's processes (LibTorch linked), scraped just before the stop
check "demo's run kept each process's /metrics page" grep -q "^mimic_replay_items" "$tmp/demo/train/metrics/replay.prom"
check "the learner's /metrics page too" grep -q "^mimic_learner_updates_total" "$tmp/demo/train/metrics/learner.prom"
check "demo ends with a video of the trained policy" grep -qE "The trained policy on the first clip: .*rollout_clip0.mp4" <<<"$out"
check "demo's video, still and error figure exist" test -s "$tmp/demo/rollout_clip0.mp4" -a -s "$tmp/demo/rollout_clip0_frame0125.png" -a -s "$tmp/demo/rollout_clip0_error.svg"
check "demo's evaluator filmed an evaluation" test -s "$tmp/demo/train/videos/index.csv"
check "demo's eval.svg links the evaluator's videos" grep -q 'href="videos/v' "$tmp/demo/train/eval.svg"

check "demo ends with a behaviour map of the clips" grep -qE "behaviour_map-000002 +succeeded .* 1000 frames of 4 clips" <<<"$out"
check "demo's behaviour map wrote the map, its figure and labels" test -s "$tmp/demo/analysis/behaviour_map.h5" -a -s "$tmp/demo/analysis/behaviour_map.svg" -a -s "$tmp/demo/analysis/behaviour_map_labels.csv"

# render: a registration still; bad input named
out=$($mimic render --clips "$tmp/demo/clips.h5" --clip 1 --out "$tmp/stac.png" --width 320 --height 240 2>&1); rc=$?
check "render writes a registration still" test $rc -eq 0 -a -s "$tmp/stac.png"
check "render says what it found" grep -q "STAC offsets for 23 keypoints" <<<"$out"
out=$($mimic render --rollouts "$tmp/demo/clips.h5" --out "$tmp/x.mp4" 2>&1); rc=$?
check "render refuses a clips file as rollouts" test $rc -ne 0 -a -n "$(grep "not rollouts" <<<"$out")"
out=$($mimic render --clips "$tmp/demo/clips.h5" --clip 9 --out "$tmp/x.mp4" 2>&1); rc=$?
check "render refuses an unknown clip" test $rc -ne 0 -a -n "$(grep "has no clip '9'" <<<"$out")"
out=$($mimic render --clips "$tmp/demo/clips.h5" --out /nonexistent-dir/x.mp4 2>&1); rc=$?
check "render refuses an unwritable output" test $rc -ne 0 -a -n "$(grep "cannot write /nonexistent-dir/x.mp4" <<<"$out")"

# the analysis service from the command line, with a bearer token, on the demo's files
aport=$((20000 + RANDOM % 20000))
printf 't0k\n' >"$tmp/token"; chmod 600 "$tmp/token"
$mimic serve analysis --address "127.0.0.1:$aport" --data_root "$tmp/demo" --token_file "$tmp/token" >"$tmp/analysis.log" 2>&1 &
apid=$!
for _ in $(seq 50); do $mimic health --server "127.0.0.1:$aport" --timeout 0.2 >/dev/null 2>&1 && break; sleep 0.1; done
out=$($mimic jobs encoding --server "127.0.0.1:$aport" --rollouts rollouts.h5 --classes joint_angles --counts synth/counts.csv --out analysis/cli.h5 2>&1); rc=$?
check "analysis refuses a job without the token" test $rc -ne 0 -a -n "$(grep -i token <<<"$out")"
out=$($mimic jobs encoding --server "127.0.0.1:$aport" --token_file "$tmp/token" --rollouts rollouts.h5 --classes joint_angles --counts ../../etc/passwd --out analysis/cli.h5 2>&1); rc=$?
check "analysis refuses a path outside its data root" test $rc -ne 0
out=$(MIMIC_TOKEN=t0k $mimic jobs encoding --server "127.0.0.1:$aport" --rollouts rollouts.h5 --classes joint_angles,no_such_layer --counts synth/counts.csv --out analysis/cli.h5 --wait 2>&1); rc=$?
check "an unknown layer fails the job, naming it" test $rc -ne 0 -a -n "$(grep no_such_layer <<<"$out")"
out=$(MIMIC_TOKEN=t0k $mimic jobs submit encoding --server "127.0.0.1:$aport" --rollouts rollouts.h5 --classes joint_angles,latent/mean --counts synth/counts.csv --out analysis/cli.h5 --lags -10:5:5 --wait 2>&1); rc=$?
check "the service keeps serving and runs the next job" test $rc -eq 0 -a -s "$tmp/demo/analysis/cli.h5"
out=$($mimic jobs list --server "127.0.0.1:$aport" --token_file "$tmp/token" 2>&1)
check "jobs list shows both jobs" test "$(grep -c "^encoding-" <<<"$out")" -eq 2
kill -TERM $apid; wait $apid; rc=$?
check "analysis service exits cleanly on SIGTERM" test $rc -eq 0

# spike times binned onto the demo rollout's frame times (session seconds from each clip's source frames)
printf 'unit,time\n3,0.50\n3,0.51\n8,2.00\n' >"$tmp/spikes.csv"
out=$($mimic analysis bin-spikes --spikes "$tmp/spikes.csv" --frame_times "rollouts:$tmp/demo/rollouts.h5" --out "$tmp/binned.csv" 2>&1); rc=$?
check "bin-spikes counts spikes on rollout frames" test $rc -eq 0 -a "$(awk -F, 'NR > 1 { s += $1 + $2 } END { print s }' "$tmp/binned.csv")" = 3
printf 'unit,time\n3,999\n' >"$tmp/late.csv"
out=$($mimic analysis bin-spikes --spikes "$tmp/late.csv" --frame_times "rollouts:$tmp/demo/rollouts.h5" --out "$tmp/binned2.csv" 2>&1); rc=$?
check "a spike outside the session is named" test $rc -ne 0 -a -n "$(grep "unit 3" <<<"$out")"

# latent variability on the demo's trained policy, recorded with latent resamples
$mimic rollout --checkpoint "$tmp/demo/train/checkpoints" --clips "$tmp/demo/clips.h5" --out "$tmp/var.h5" --latent_samples 6 --max_steps 120 >/dev/null 2>&1
out=$($mimic analysis variability --rollouts "$tmp/var.h5" --permutations 20 --min_frames 5 --out "$tmp/var_results.h5" --json 2>/dev/null); rc=$?
check "variability runs on resampled rollouts" test $rc -eq 0 -a -s "$tmp/var_results.h5" -a -s "$tmp/var_results.svg"
check "variability reports LDA accuracy against chance" grep -qE '"latent_lda":\{"balanced_accuracy":[0-9.]+,"chance":0\.[0-9]+,"p":[0-9.e-]+\}' <<<"$out"
out=$($mimic analysis variability --rollouts "$tmp/demo/rollouts.h5" 2>&1); rc=$?
check "variability without resamples says how to record them" test $rc -ne 0 -a -n "$(grep -- --latent_samples <<<"$out")"
# the same as a job on the analysis service
vport=$((20000 + RANDOM % 20000))
cp "$tmp/var.h5" "$tmp/demo/var.h5"
$mimic serve analysis --address "127.0.0.1:$vport" --data_root "$tmp/demo" >"$tmp/analysis2.log" 2>&1 &
vpid=$!
for _ in $(seq 50); do $mimic health --server "127.0.0.1:$vport" --timeout 0.2 >/dev/null 2>&1 && break; sleep 0.1; done
out=$($mimic jobs variability --server "127.0.0.1:$vport" --rollouts var.h5 --out analysis/var.h5 --permutations 20 --min_frames 5 --wait 2>/dev/null); rc=$?
check "variability runs as a service job" test $rc -eq 0 -a -s "$tmp/demo/analysis/var.svg"
kill -TERM $vpid; wait $vpid
printf 'label\nwalk\n' >"$tmp/few_labels.csv"
out=$($mimic analysis variability --rollouts "$tmp/var.h5" --labels "$tmp/few_labels.csv" 2>&1); rc=$?
check "a label file of the wrong length is refused" test $rc -ne 0 -a -n "$(grep "1 labels" <<<"$out")"

out=$($mimic demo --clips "$tmp/clip.h5" --out "$tmp/demo2" --steps 20 --envs 2 --train_s 0 2>&1)
check "demo runs on a given clip file" grep -q "1 read from" <<<"$out"

out=$($mimic stac --keypoints data/mocap/rodent_mocap_1000_frames.nwb --out "$tmp/nwb_clips.h5" --json 2>/dev/null); rc=$?
check "stac on the NWB copy succeeds" test $rc -eq 0
check "stac --json prints one JSON document" grep -qE '^\{"frames":1000,.*"keypoints":\[.*\]\}$' <<<"$out"
echo "not hdf5" >"$tmp/bad.h5"
out=$($mimic stac --keypoints "$tmp/bad.h5" --out "$tmp/never.h5" 2>&1); rc=$?
check "stac on a corrupt file fails cleanly" test $rc -ne 0
check "stac names the corrupt file" grep -q "bad.h5" <<<"$out"
check "stac reads the corrupt file rather than missing it" test -z "$(grep -iE "no such file|not found" <<<"$out")"
check "stac writes nothing for a corrupt file" test ! -e "$tmp/never.h5"

# the preprocessing service from the command line
out=$($mimic serve preprocess --address 127.0.0.1:0 2>&1); rc=$?
check "a job service needs --data_root" test $rc -ne 0 -a -n "$(grep -- --data_root <<<"$out")"
pport=$((20000 + RANDOM % 20000))
$mimic serve preprocess --address "127.0.0.1:$pport" --data_root . >"$tmp/serve.log" 2>&1 &
spid=$!
for _ in $(seq 50); do $mimic health --server "127.0.0.1:$pport" --timeout 0.2 >/dev/null 2>&1 && break; sleep 0.1; done
out=$($mimic jobs stac --server "127.0.0.1:$pport" --keypoints ../../etc/passwd --out x.h5 2>&1); rc=$?
check "jobs refuses paths outside the data root" grep -q "PERMISSION_DENIED" <<<"$out"
out=$($mimic jobs list --server "127.0.0.1:$pport" 2>&1); rc=$?
check "jobs list answers" test $rc -eq 0
kill -TERM $spid; wait $spid
check "serve preprocess stops on SIGTERM" grep -q "SIGTERM received" "$tmp/serve.log"

# a job store: kill -9 the service mid-job; the restarted service runs the job again to the end
mkdir -p "$tmp/root/data/models/rodent" "$tmp/root/data/mocap" "$tmp/root/configs" "$tmp/root/out"
cp data/models/rodent/rodent.xml "$tmp/root/data/models/rodent/"
cp data/mocap/rodent_mocap_1000_frames.mat "$tmp/root/data/mocap/"
cp configs/stac_rodent.pbtxt "$tmp/root/configs/"
$mimic serve preprocess --address "127.0.0.1:$pport" --data_root "$tmp/root" --job_db "$tmp/jobs.sqlite" >/dev/null 2>&1 &
spid=$!
for _ in $(seq 50); do $mimic health --server "127.0.0.1:$pport" --timeout 0.2 >/dev/null 2>&1 && break; sleep 0.1; done
$mimic jobs stac --server "127.0.0.1:$pport" --keypoints data/mocap/rodent_mocap_1000_frames.mat --out out/c.h5 >/dev/null
sleep 1
kill -9 $spid; wait $spid 2>/dev/null
$mimic serve preprocess --address "127.0.0.1:$pport" --data_root "$tmp/root" --job_db "$tmp/jobs.sqlite" >/dev/null 2>&1 &
spid=$!
for _ in $(seq 50); do $mimic health --server "127.0.0.1:$pport" --timeout 0.2 >/dev/null 2>&1 && break; sleep 0.1; done
out=$($mimic jobs watch --server "127.0.0.1:$pport" --id stac-000001 2>/dev/null); rc=$?
check "a job interrupted by kill -9 completes after the restart" test $rc -eq 0 -a -s "$tmp/root/out/c.h5"
kill -TERM $spid; wait $spid

out=$($mimic demo --clips "$tmp/bad.h5" 2>&1); rc=$?
check "corrupt clip file fails cleanly" test $rc -ne 0
check "corrupt clip error names the file" grep -q "bad.h5" <<<"$out"

echo 'physics { substeps: -3 }' >"$tmp/bad.pbtxt"
out=$($mimic env-info --config "$tmp/bad.pbtxt" 2>&1); rc=$?
check "invalid config is refused" test $rc -ne 0
check "invalid config error names the field" grep -q "substeps" <<<"$out"

echo 'physic { }' >"$tmp/typo.pbtxt"
out=$($mimic env-info --config "$tmp/typo.pbtxt" 2>&1)
check "unknown config field is named" grep -q "physic" <<<"$out"

for config in configs/env_*.pbtxt; do
  $mimic env-info --config "$config" >/dev/null 2>&1; check "bundled config $config is valid" test $? -eq 0
done
out=$($mimic env-info --config configs/env_torque.pbtxt 2>&1)
check "the torque-actuated body has no activation states" test -z "$(grep actuator_activations <<<"$out")" -a -n "$(grep -i "observation" <<<"$out")"
for config in configs/replay_*.pbtxt; do
  $mimic replay --config "$config" --check >/dev/null 2>&1; check "bundled config $config is valid" test $? -eq 0
done

for config in configs/smoke.pbtxt configs/rodent_single_clip.pbtxt configs/paper.pbtxt configs/fig5_controller.pbtxt \
  configs/imitation.pbtxt configs/imitation_track_mjx.pbtxt; do
  $mimic train --config "$config" --check >/dev/null 2>&1; check "bundled training config $config is valid" test $? -eq 0
done
printf 'task { name: "rodent" }\nnum_actors: 0\n' >"$tmp/bad_train.pbtxt"
out=$($mimic train --config "$tmp/bad_train.pbtxt" --check 2>&1); rc=$?
check "a training config without actors is refused, naming the field" test $rc -ne 0 -a -n "$(grep num_actors <<<"$out")"
printf 'task { name: "cartpole" }\nlearner { discount: 1.5 }\n' >"$tmp/bad_discount.pbtxt"
out=$($mimic train --config "$tmp/bad_discount.pbtxt" --check 2>&1); rc=$?
check "a discount above 1 is refused before training, naming the field" test $rc -ne 0 -a -n "$(grep learner.discount <<<"$out")"
printf 'task { name: "hamster" }\n' >"$tmp/bad_task.pbtxt"
out=$($mimic train --config "$tmp/bad_task.pbtxt" --check 2>&1)
check "an unknown task is named" grep -q "hamster" <<<"$out"
printf 'learner_service { table: "nope" }\n' >"$tmp/bad_table.pbtxt"
out=$($mimic train --config "$tmp/bad_table.pbtxt" --check 2>&1)
check "a learner table that replay lacks is named" grep -q "'nope'" <<<"$out"
out=$($mimic replay --train_config configs/smoke.pbtxt --check 2>&1); rc=$?
check "replay builds its tables from a run's train config" test $rc -eq 0 -a -n "$(grep 'config OK (1 tables)' <<<"$out")"
out=$($mimic replay --train_config configs/smoke.pbtxt --config configs/replay_example.pbtxt --check 2>&1); rc=$?
check "replay refuses both --config and --train_config" test $rc -ne 0
out=$($mimic actor --config configs/smoke.pbtxt --replay 127.0.0.1:1 --learner 127.0.0.1:1 --id mimic-actor-x 2>&1); rc=$?
check "an actor id that is neither a number nor a pod ordinal is named" test $rc -ne 0 -a -n "$(grep "'mimic-actor-x'" <<<"$out")"
out=$($mimic learner --config configs/smoke.pbtxt 2>&1); rc=$?
check "learner without --replay is refused" test $rc -ne 0 -a -n "$(grep -- --replay <<<"$out")"
out=$($mimic actor --config configs/smoke.pbtxt --replay 127.0.0.1:1 2>&1); rc=$?
check "actor without --learner is refused" test $rc -ne 0 -a -n "$(grep -- --learner <<<"$out")"

out=$($mimic env-info 2>&1)
check "env-info lists reference slices" grep -q "ref/4/end_effectors" <<<"$out"


# the replay service from the command line: serve, answer health checks, checkpoint on SIGTERM
port=$((20000 + RANDOM % 20000))
mport=$((20000 + RANDOM % 20000))
cat >"$tmp/replay.pbtxt" <<CFG
address: "127.0.0.1:$port"
metrics_address: "127.0.0.1:$mport"
checkpoint_dir: "$tmp/replay_ckpt"
tables { name: "q" max_size: 8 queue {} }
CFG
$mimic replay --config "$tmp/replay.pbtxt" --token_file "$tmp/token" >"$tmp/replay.log" 2>&1 &
pid=$!
for _ in $(seq 50); do $mimic health --server "127.0.0.1:$port" --timeout 0.2 >/dev/null 2>&1 && break; sleep 0.1; done
out=$($mimic health --server "127.0.0.1:$port" 2>&1)
check "replay answers health checks" grep -q SERVING <<<"$out"
out=$($mimic replay-info --server "127.0.0.1:$port" 2>&1); rc=$?
check "replay refuses a caller without its token" test $rc -ne 0 -a -n "$(grep UNAUTHENTICATED <<<"$out")"
out=$($mimic replay-info --server "127.0.0.1:$port" --token_file "$tmp/token" 2>&1)
check "replay-info lists the table" grep -qE "^q +0 +8" <<<"$out"
# /metrics of the real binary, with idle connections held open against it (the issue's attack)
for fd in 5 6 7; do eval "exec $fd<>/dev/tcp/127.0.0.1/$mport"; done
page=$(exec 3<>/dev/tcp/127.0.0.1/$mport; printf 'GET /metrics HTTP/1.0\r\n\r\n' >&3; timeout 3 cat <&3)
check "replay serves /metrics past idle connections" grep -q '^mimic_replay_items{table="q"} 0' <<<"$page"
for fd in 5 6 7; do eval "exec $fd>&-"; done
kill -TERM $pid; wait $pid; rc=$?
check "replay exits cleanly on SIGTERM" test $rc -eq 0
check "replay wrote a final checkpoint" ls "$tmp"/replay_ckpt/replay-*.ckpt
check "replay log says so" grep -q "final checkpoint" "$tmp/replay.log"
echo 'tables { name: "q" }' >"$tmp/bad_replay.pbtxt"
out=$($mimic replay --config "$tmp/bad_replay.pbtxt" 2>&1); rc=$?
check "invalid replay config is refused" test $rc -ne 0
check "invalid replay config names the problem" grep -q "max_size" <<<"$out"
out=$($mimic health --server 127.0.0.1:1 --timeout 0.5 2>&1); rc=$?
check "health of a missing server fails cleanly" test $rc -ne 0

# plain-array GLM: a neuron driven by feature a (lag 0) and one that is not
{
  echo "a,b"
  awk 'BEGIN { srand(5); for (i = 0; i < 3000; i++) printf "%.4f,%.4f\n", sin(i / 7.0), cos(i / 13.0) }'
} >"$tmp/X.csv"
awk -F, 'NR > 1 { r = exp(0.2 + 1.2 * $1); n = 0; L = exp(-r); p = 1; do { n++; p *= rand() } while (p > L); tuned = n - 1;
  L = exp(-1.2); n = 0; p = 1; do { n++; p *= rand() } while (p > L); flat = n - 1; print tuned "," flat }
  BEGIN { srand(9); print "tuned,flat" }' "$tmp/X.csv" >"$tmp/Y.csv"
out=$($mimic analysis glm --design "$tmp/X.csv" --counts "$tmp/Y.csv" --json 2>&1)
tuned=$(grep -oE '"name":"tuned"[^}]*"best_lag":0,"cv_llr_bits_per_spike":[0-9.e-]+' <<<"$out" | grep -oE '[0-9.e-]+$')
flat=$(grep -oE '"name":"flat"[^}]*"best_lag":0,"cv_llr_bits_per_spike":[0-9.e-]+' <<<"$out" | grep -oE '[0-9.e-]+$')
check "glm finds the tuned neuron" awk -v t="$tuned" 'BEGIN { exit !(t > 0.1) }'
check "glm finds nothing in the flat neuron" awk -v f="$flat" 'BEGIN { exit !(f != "" && f < 0.02) }'
# coefficients with standard errors: the tuned neuron's weight on a is 1.2 per unit of sin, i.e. about
# 0.85 per standard deviation (the features are z-scored), and b's is zero within its errors
$mimic analysis glm --design "$tmp/X.csv" --counts "$tmp/Y.csv" --out "$tmp/coef.csv" >/dev/null 2>&1
check "glm writes coefficients with standard errors" awk -F, '$1 == "tuned" && $5 == "a" { ok = $6 > 0.75 && $6 < 0.95 && $7 > 0 && $7 < 0.05 }
  $1 == "tuned" && $5 == "b" { okb = ($6 < 0 ? -$6 : $6) < 3 * $7 } END { exit !(ok && okb) }' "$tmp/coef.csv"
head -5 "$tmp/Y.csv" >"$tmp/Yshort.csv"
out=$($mimic analysis glm --design "$tmp/X.csv" --counts "$tmp/Yshort.csv" 2>&1); rc=$?
check "glm refuses mismatched lengths" test $rc -ne 0
check "glm names the mismatch" grep -q "bins" <<<"$out"

# RDMs and RSA on plain arrays: two "subjects" seeing the same 4 conditions, one unrelated model
# fixed seeds: with random ones the ceiling, printed with six decimals, can round to 1.000000 (the likely
# cause of one CI failure: the pattern below now accepts 1)
seed=11
for subject in s1 s2; do
  seed=$((seed + 12))
  awk -v seed="$seed" 'BEGIN { srand(seed); for (i = 0; i < 400; i++) { c = i % 4;
    printf "%.4f,%.4f,%.4f\n", c + 0.3 * rand(), (c == 2) * 3 + 0.3 * rand(), -c + 0.3 * rand() } }' >"$tmp/$subject.csv"
  $mimic analysis rdm --data "$tmp/$subject.csv" --labels <(awk 'BEGIN { for (i = 0; i < 400; i++) print i % 4 }') \
    --metric euclidean --name "$subject" --out "$tmp/rdms.csv" >/dev/null
done
echo "shuffled,1,1,1,1,1,5" >>"$tmp/rdms.csv"
out=$($mimic analysis rsa --rdms "$tmp/rdms.csv" --subjects s1,s2 --json 2>&1)
check "rsa compares named RDMs" grep -q '"names":\["s1","s2","shuffled"\]' <<<"$out"
check "rsa reports a noise ceiling" grep -qE '"noise_ceiling":\{"lower":(0\.9[0-9]*|1(\.0*)?),"upper":(0\.9[0-9]*|1(\.0*)?)\}' <<<"$out"
echo "short,1,2" >>"$tmp/rdms.csv"
out=$($mimic analysis rsa --rdms "$tmp/rdms.csv" 2>&1); rc=$?
check "rsa refuses RDMs of different sizes" test $rc -ne 0

# planted tuning from the command line: synth spikes, then the encoding analysis recovers it
$mimic synth spikes --out "$tmp/synth" --bins 3000 --tuned 3 --untuned 3 --seed 2 >/dev/null
check "synth writes counts and truth" test -s "$tmp/synth/counts.csv" -a -s "$tmp/synth/truth.csv"
out=$($mimic analysis encoding --features "joint_angles=$tmp/synth/joint_angles.csv,latent=$tmp/synth/latent.csv" \
  --counts "$tmp/synth/counts.csv" --lags -10:5:5 --json --coefficients_csv "$tmp/synth/coef.csv" 2>&1)
right=0
while IFS=, read -r neuron class lag; do
  [ "$neuron" = neuron ] && continue
  if [ "$class" = none ]; then
    grep -q "\"name\":\"$neuron\",\"best_class\":null" <<<"$out" && right=$((right + 1))
  else
    grep -q "\"name\":\"$neuron\",\"best_class\":\"$class\"" <<<"$out" &&
      grep -q "^$neuron,$class,$lag,$lag,(intercept)," "$tmp/synth/coef.csv" && right=$((right + 1))
  fi
done <"$tmp/synth/truth.csv"
check "encoding recovers the planted class and lag of most neurons ($right/9)" test "$right" -ge 8

# a short cartpole run that writes a curve (the other benchmarks: bench/bench_method_test)
out=$($mimic bench learn --task cartpole --algo vtrace --steps 1280 --eval_every 640 --seeds 1 --eval_episodes 2 --svg "$tmp/curve.svg" 2>&1)
# two batches of 640 steps, each used for 4 passes of 4 minibatches
check "bench learn prints the curve and a summary" grep -qE '^\{"bench":"learn","task":"cartpole","algo":"vtrace".*"updates":32,.*"ratio":' <<<"$out"
check "bench learn draws the curve" grep -q "<svg" "$tmp/curve.svg"
out=$($mimic bench learn --task cartpole --algo ppo 2>&1); rc=$?
check "bench learn refuses an unknown algorithm by name" test $rc -ne 0 -a -n "$(grep "unknown algorithm 'ppo'" <<<"$out")"

# a short rodent run with checkpoints, then the rollout recorder over the clip (contract 6)
out=$($mimic bench learn --task rodent --algo vmpo --clips "$tmp/clip.h5" --steps 320 --eval_every 320 --seeds 1 \
  --eval_episodes 2 --checkpoint_dir "$tmp/ckpt" --svg "$tmp/rodent.svg" 2>&1)
check "rodent run writes a checkpoint and its config" test -s "$tmp/ckpt/ckpt-000000000001.pt" -a -s "$tmp/ckpt/learner_config.pbtxt"
out=$($mimic rollout --checkpoint "$tmp/ckpt" --clips "$tmp/clip.h5" --out "$tmp/rollouts.h5" --latent_samples 2 2>&1)
check "rollout covers the clip" grep -qE "1 clips, 19 steps, [0-9]+ terminations" <<<"$out"
check "rollout lists the named layers" grep -qE "1[0-9] named layers, policy step 1" <<<"$out"
check "rollout writes the file" test -s "$tmp/rollouts.h5"
out=$($mimic rollout --checkpoint "$tmp/nowhere" --clips "$tmp/clip.h5" --out "$tmp/r2.h5" 2>&1); rc=$?
check "rollout without a checkpoint fails clearly" test $rc -ne 0 -a -n "$(grep -i "nowhere" <<<"$out")"
out=$($mimic rollout --checkpoint "$tmp/ckpt" --clips "$tmp/clip.h5" --out "$tmp/r3.h5" --noise wobbly 2>&1); rc=$?
check "rollout refuses an unknown noise shape" test $rc -ne 0 -a -n "$(grep "wobbly" <<<"$out")"

# analyses read the rollouts file: neurons planted on its features, then the encoding analysis on them
out=$($mimic synth spikes --rollouts "$tmp/rollouts.h5" --classes joint_angles,latent/mean --out "$tmp/rsynth" --tuned 2 --untuned 1 --baseline 1 2>&1)
check "synth plants neurons on rollout features" grep -q "wrote 19 bins x 5 neurons" <<<"$out"
out=$($mimic analysis encoding --rollouts "$tmp/rollouts.h5" --classes joint_angles,latent/mean --pca 0.9 \
  --counts "$tmp/rsynth/counts.csv" --folds 3 --json 2>&1)
check "encoding runs on rollout layers" grep -qE '"class":"latent/mean","source":"network layer: rollouts [^"]*","best_lag":0' <<<"$out"
out=$($mimic analysis encoding --rollouts "$tmp/rollouts.h5" --classes decoder/lstm7/h --counts "$tmp/rsynth/counts.csv" 2>&1); rc=$?
check "an unknown layer is refused by name" test $rc -ne 0 -a -n "$(grep "unknown feature class 'decoder/lstm7/h'" <<<"$out")"

exit $fail
