#!/usr/bin/env bash
# Fuzzes every parser of untrusted input with libFuzzer under AddressSanitizer and UBSan (clang
# from Debian: apt-get install clang libclang-rt-14-dev), one target after another:
#   loaders   keypoints (.mat, .h5 SLEAP, .nwb ndx-pose, .csv) and reference clips (.h5)
#   analysis  plain arrays (CSV, HDF5), spike trains (NWB /units, HDF5 pairs, CSV), frame times
#   replay    the replay service's wire parsers (InsertRequest, Unroll, SampleResponse,
#             CheckpointItem) and its checkpoint files
# Usage: tools/fuzz_loaders.sh [SECONDS_PER_TARGET (120)] [TARGET...]
# Inputs run with a 2 GB RSS limit and a 1 GB malloc limit, so an input that makes a loader
# allocate without bound is a crash, as is undefined behaviour. Runs fork a child and carry on past
# a crash (-fork=1 -ignore_crashes=1), so one finding does not end the run. New crashers land in tests/fuzz/found/<target>/; copy the
# ones you fix into the target's corpus (tests/fuzz/corpus, analysis_corpus, replay_corpus) so the
# regression test keeps them fixed. Each run's final statistics are printed (executions, time).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-120}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(loaders analysis replay)
command -v clang++ >/dev/null || { echo "needs clang++ (apt-get install clang libclang-rt-14-dev)"; exit 1; }
# libhdf5 keeps caches until exit: leak reports would end every forked run, so leaks are not checked
export ASAN_OPTIONS="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
[ -e bazel-bin/proto/replay.pb.cc ] && [ -e bazel-bin/proto/env_config.pb.cc ] || bazel build //proto:env_config_proto //proto:replay_proto >/dev/null 2>&1  # generated sources
gen=bazel-bin
out=/tmp/mimic-fuzz
mkdir -p "$out"
absl=$(pkg-config --libs absl_status absl_statusor absl_strings absl_str_format absl_synchronization absl_cord \
  absl_hash absl_raw_hash_set absl_time absl_random_random)
flags=(-std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I. -I"$gen" -isystem /usr/include/hdf5/serial
  -isystem /usr/include/eigen3 -Wno-deprecated-declarations)
hdf5=(-L/usr/lib/x86_64-linux-gnu/hdf5/serial -lhdf5)
h5=(common/h5_file.cc common/read_limits.cc)
protos=("$gen"/proto/tensor.pb.cc "$gen"/proto/unroll.pb.cc "$gen"/proto/replay.pb.cc)
replay=(replay/cord_wire.cc replay/stored_item.cc replay/checkpoint_io.cc common/tensor_util.cc common/atomic_file.cc)

build() {  # NAME SOURCES... -- LIBS...
  local name=$1; shift
  echo "fuzz: building $name" >&2
  clang++ "${flags[@]}" "$@" $absl -o "$out/$name"
}

for target in "${targets[@]}"; do
  case $target in
    loaders)
      corpus=tests/fuzz/corpus
      build loader_fuzzer tests/fuzz/loader_fuzzer.cc preprocess/keypoint_loaders.cc "${h5[@]}" envs/clip_io.cc \
        envs/reference_clip.cc envs/model_loader.cc "$gen"/proto/env_config.pb.cc "${hdf5[@]}" -lmatio -lz -lmujoco \
        -lprotobuf ;;
    analysis)
      corpus=tests/fuzz/analysis_corpus
      build analysis_fuzzer tests/fuzz/analysis_loader_fuzzer.cc analysis/array_io.cc analysis/spikes.cc \
        analysis/frame_times.cc "${h5[@]}" "${hdf5[@]}" ;;
    replay)
      corpus=tests/fuzz/replay_corpus
      build replay_fuzzer tests/fuzz/replay_wire_fuzzer.cc "${replay[@]}" "${protos[@]}" -lprotobuf -lz ;;
    *) echo "unknown target $target (loaders, analysis, replay)"; exit 2 ;;
  esac
  if [ ! -e tests/fuzz/replay_corpus/seed_checkpoint_file ] || [ ! -e tests/fuzz/corpus/seed_pose_nwb ]; then
    # seeds: valid inputs of every kind, written by our own writers
    mkdir -p tests/fuzz/analysis_corpus tests/fuzz/replay_corpus
    clang++ -std=c++17 -O1 -g -I. -I"$gen" -isystem /usr/include/hdf5/serial tests/fuzz/make_seeds.cc "${h5[@]}" \
      "${replay[@]}" "${protos[@]}" "${hdf5[@]}" -lprotobuf -lz $absl -o "$out/make_seeds"
    "$out/make_seeds" tests/fuzz/analysis_corpus tests/fuzz/replay_corpus tests/fuzz/corpus
  fi
  work="$out/$target-corpus"
  mkdir -p "$work" "tests/fuzz/found/$target"
  cp "$corpus"/* "$work/"
  echo "fuzz: $target for ${seconds}s" >&2
  case $target in loaders) bin=loader_fuzzer ;; analysis) bin=analysis_fuzzer ;; replay) bin=replay_fuzzer ;; esac
  "$out/$bin" "$work" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 \
    -malloc_limit_mb=1024 -detect_leaks=0 -fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1 \
    -artifact_prefix="tests/fuzz/found/$target/" -print_final_stats=1 || true
done
