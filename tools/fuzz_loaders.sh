#!/usr/bin/env bash
# Fuzzes the file loaders with libFuzzer (clang from Debian: apt-get install clang) for a while.
# Usage: tools/fuzz_loaders.sh [SECONDS]   (default 120). New crashers land in tests/fuzz/found/;
# copy the ones you fix into tests/fuzz/corpus/ so the regression test keeps them fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-120}
command -v clang++ >/dev/null || { echo "needs clang++ (apt-get install clang)"; exit 1; }
bazel build //proto:env_config_proto >/dev/null 2>&1  # generated headers
gen=bazel-bin
out=/tmp/mimic-fuzz; mkdir -p "$out" tests/fuzz/found
absl=$(pkg-config --libs absl_status absl_statusor absl_strings absl_str_format absl_synchronization)
clang++ -std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined -I. -I"$gen" \
  -isystem /usr/include/hdf5/serial \
  tests/fuzz/loader_fuzzer.cc preprocess/keypoint_loaders.cc common/h5_file.cc envs/clip_io.cc \
  envs/reference_clip.cc envs/model_loader.cc "$gen"/proto/env_config.pb.cc \
  -L/usr/lib/x86_64-linux-gnu/hdf5/serial -lhdf5 -lmatio -lz -lmujoco -lprotobuf $absl \
  -o "$out/loader_fuzzer"
cp tests/fuzz/corpus/* "$out/" 2>/dev/null || true
mkdir -p "$out/corpus"; cp tests/fuzz/corpus/* "$out/corpus/"
"$out/loader_fuzzer" "$out/corpus" -max_total_time="$seconds" -max_len=65536 \
  -artifact_prefix=tests/fuzz/found/ -print_final_stats=1
