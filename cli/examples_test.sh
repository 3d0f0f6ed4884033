#!/bin/bash
# Every command explains itself: `./mimic CMD --help` (and `CMD SUB --help` for commands with
# subcommands) exits 0 and prints its usage, flags and an example; each command's first example
# appears verbatim in the README's command list; and the examples that finish on their own are
# run, against a small demo run made here (runs/ in an example becomes this test's folder).
set -u
mimic="$PWD/$1"
readme="$PWD/$2"
tmp="${TEST_TMPDIR:-$(mktemp -d)}"
failures=0
check() {
  local what="$1"; shift
  if "$@"; then echo "ok: $what"; else echo "FAILED: $what"; failures=$((failures + 1)); fi
}

# --- every command and subcommand's help -------------------------------------------------------
commands=$($mimic --help | awk '/^usage:/{on=1; next} /^example/{on=0} on && /^  [a-z]/{print $1}' | grep -v '^test$')
check "mimic --help lists the commands" test "$(wc -w <<<"$commands")" -ge 15
declare -a helps=()  # "command words" whose help carries an example
for c in $commands; do
  out=$($mimic $c --help 2>&1); rc=$?
  check "mimic $c --help exits 0" test $rc -eq 0
  if ! head -1 <<<"$out" | grep -q -- '--help for'; then
    check "mimic $c --help has an example" grep -q '^example' <<<"$out"
    helps+=("$c")
    continue
  fi
  # a command with subcommands lists them as "  NAME  summary" before any example
  subs=$(awk '/^example/{exit} /^  [a-z][a-z-]* /{print $1}' <<<"$out")
  check "mimic $c --help lists its subcommands" test -n "$subs"
  for s in $subs; do
    sub_out=$($mimic $c $s --help 2>&1); rc=$?
    check "mimic $c $s --help exits 0 with an example" test $rc -eq 0 -a -n "$(grep '^example' <<<"$sub_out")"
    helps+=("$c $s")
  done
done

# every help names each flag's default or says it is required, and has a usage line
for h in "${helps[@]}"; do
  out=$($mimic $h --help 2>&1)
  check "mimic $h --help has a usage line" grep -q "^usage: ./mimic $h" <<<"$out"
done

# unknown flags suggest the nearest one; unknown commands and subcommands too
out=$($mimic rollout --checkpoit x 2>&1); rc=$?
check "an unknown flag exits 2 and suggests the nearest" test $rc -eq 2 -a -n "$(grep -e "--checkpoint" <<<"$out")"
out=$($mimic analysis gml 2>&1); rc=$?
check "an unknown analysis subcommand suggests the nearest" test $rc -eq 2 -a -n "$(grep "glm" <<<"$out")"

# --- each first example in the README, verbatim -------------------------------------------------
declare -A example_of=()
for h in "${helps[@]}"; do
  ex=$($mimic $h --help 2>&1 | awk '/^examples?:/{getline; sub(/^  /, ""); print; exit}')
  example_of["$h"]="$ex"
  check "README lists the example of mimic $h" grep -qF -- "$ex" "$readme"
done

# --- run the examples that finish on their own ---------------------------------------------------
# In a folder of their own that sees the repository's data/ and configs/; runs/demo is a short
# demo run (registered clips, a trained checkpoint, rollouts, a synthetic session on them).
root="$PWD"
cd "$tmp"
ln -sfn "$root/data" data
ln -sfn "$root/configs" configs
mkdir -p runs
$mimic demo --out runs/demo --train_s 20 >runs/demo.log 2>&1 || { echo "FAILED: the demo the examples read"; tail -20 runs/demo.log; exit 1; }
# services and training run until stopped, benchmarks for minutes: their own tests run them; an
# example of theirs that only checks (--check) runs here
long='^\./mimic (demo|train|learner|actor|replay|serve|jobs|bench|health|replay-info)( |$)'
declare -a pending=()
for h in "${helps[@]}"; do
  while IFS= read -r ex; do
    [ -z "$ex" ] && continue
    if [[ "$ex" =~ $long ]] && [[ " $ex " != *" --check "* ]]; then continue; fi
    pending+=("$ex")
  done < <($mimic $h --help 2>&1 | awk '/^examples?:/{on=1; next} on && !/^  /{on=0} on && /^  \.\/mimic/{sub(/^  /, ""); print}')
done
check "most examples can run here" test ${#pending[@]} -ge 15
# examples read each other's outputs (synth before glm, rdm before rsa): run in passes until
# none is left or a pass runs none
declare -A last_output=()
for pass in 1 2 3; do
  declare -a failed=()
  for ex in "${pending[@]}"; do
    cmdline="${ex/#.\/mimic/$mimic}"
    if out=$(timeout 600 bash -c "$cmdline" 2>&1); then
      echo "ok: ran $ex"
    else
      failed+=("$ex")
      last_output["$ex"]="$out"
    fi
  done
  [ ${#failed[@]} -eq ${#pending[@]} ] && break
  pending=("${failed[@]}")
  [ ${#pending[@]} -eq 0 ] && break
done
for ex in "${pending[@]}"; do
  check "the example runs: $ex" false
  echo "${last_output[$ex]}" | tail -5
done

# what the examples made holds together: binning the synthetic spike times gives its counts back
check "bin-spikes of the synthetic session's spike times gives its counts" \
  python3 -c "import csv,sys; a=list(csv.reader(open('runs/counts.csv')))[1:]; b=list(csv.reader(open('runs/synth/counts.csv')))[1:]; sys.exit(0 if len(a)==len(b) and all(float(x)==float(y) for r,s in zip(a,b) for x,y in zip(r,s)) else 1)"
check "analysis rsa read both RDMs" test "$(wc -l < runs/rdms.csv)" -eq 2

echo "$failures failed"
[ "$failures" -eq 0 ]
