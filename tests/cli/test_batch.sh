#!/usr/bin/env bash
# Batch runs end to end: -j1 equals -j2; progress lines without a terminal; the manifest;
# incremental re-runs (up to date, changed input, touched output, --set, --force); shards run
# through GNU parallel equal the single run byte for byte and merge into one manifest; a run
# killed with SIGKILL mid-render resumes with only the unfinished job and leaves no temporary.
source "$(dirname "$0")/lib.sh"
T="$TAPEOP"
R=master-streaming

mkdir in
for i in 1 2 3 4 5 6 7 8; do
  "$T" -q generate music -o "in/s$i.wav" --duration 5 --seed "$i" --level -$((18 + i))
done
"$T" -q generate music -o long.wav --duration 60 --seed 42

# Reading JSON without jq (not a dependency): tapeop prints one key per line, and a job's
# "name" comes before its "status"; only manifests hold a "plan" per job.
count_status() { grep -c "\"status\": \"$1\"" || true; }   # count_status STATUS < json
jobs_with() {                                                # jobs_with STATUS < json: names, one line
  awk -v s="\"status\": \"$1\"" '/"name": / { n = $0; sub(/.*"name": "/, "", n); sub(/".*/, "", n) }
    index($0, s) { printf "%s ", n }'
}
job_count() { grep -c '"plan": ' "$@" || true; }           # job_count MANIFEST (or stdin)

# --- Parallel jobs: -j1 and -j2 give the same bytes, for run and the multi-file commands.
"$T" -q run $R in/*.wav -o single -j 2
"$T" -q run $R in/*.wav -o single-j1 -j 1
mkdir conv1 conv2 progc
"$T" -q convert in/*.wav -o conv1 --bits 16 -j 1
"$T" -q convert in/*.wav -o conv2 --bits 16 -j 2
for i in 1 2 3 4 5 6 7 8; do
  cmp -s "single/s$i-master.flac" "single-j1/s$i-master.flac" || fail "run: s$i differs between -j1 and -j2"
  cmp -s "conv1/s$i.wav" "conv2/s$i.wav" || fail "convert: s$i differs between -j1 and -j2"
done
pass
[ "$("$T" --json -j 1 analyze in/*.wav)" = "$("$T" --json -j 2 analyze in/*.wav)" ] || fail "analyze -j1 and -j2 differ"
pass

# --- The manifest: every job, inputs and outputs with hashes, levels before and after.
m=single/tapeop-manifest.json
[ -f "$m" ] || fail "no manifest in the output folder"
[ "$(job_count "$m")" = 8 ] || fail "manifest does not list 8 jobs"
[ "$(count_status ok < "$m")" = 8 ] || fail "not every job ok in the manifest"
[ "$(jobs_with ok < "$m")" = "s1 s2 s3 s4 s5 s6 s7 s8 " ] || fail "manifest jobs not in sorted order"
grep -q '"version": "[0-9]' "$m" && grep -q '"hash": "[0-9a-f]\{16\}"' "$m" && grep -q '"target": "-14LUFS"' "$m" ||
  fail "manifest lacks version, recipe hash or params"
[ "$(grep -c '"before": {' "$m")" = 8 ] && [ "$(grep -c '"after": {' "$m")" = 8 ] || fail "levels before/after missing"
[ "$(grep -c '"xxh3": "[0-9a-f]\{16\}"' "$m")" = 16 ] || fail "not every input and output has a content hash"
grep -q '"path": "s1-master.flac"' "$m" || fail "output paths are not relative to the output folder"
grep -o '"true_peak_dbtp": [-0-9.]*' "$m" | awk '{ if ($2 > -1) exit 1 }' || fail "a true peak over -1 dBTP"
[ "$(grep '"xxh3"' "$m")" = "$(grep '"xxh3"' single-j1/tapeop-manifest.json)" ] || fail "hashes differ between -j1 and -j2"
pass

# --- Progress: one line per finished job on stderr without a terminal; none with -q/--json/--no-progress.
expect_exit 0 "$T" run $R in/s1.wav in/s2.wav -o prog --force
[ "$(printf '%s\n' "$ERR" | grep -Ec '^\[[12]/2\] done s[12] ')" = 2 ] || fail "run without a terminal: not one line per job: $ERR"
pass
expect_exit 0 "$T" run $R in/s1.wav in/s2.wav -o prog
[ "$(printf '%s\n' "$ERR" | grep -Ec '^\[[12]/2\] up to date s[12]$')" = 2 ] || fail "up-to-date jobs not reported: $ERR"
pass
for flag in -q --json --no-progress; do
  expect_exit 0 "$T" $flag run $R in/s1.wav -o prog --force
  [ -z "$ERR" ] || fail "$flag: stderr not empty: $ERR"
  pass
done
expect_exit 0 "$T" -q convert in/s1.wav in/s2.wav -o progc
[ -z "$ERR" ] || fail "convert printed progress without --progress: $ERR"
expect_exit 0 "$T" --progress convert in/s1.wav in/s2.wav -o progc
[ "$(printf '%s\n' "$ERR" | grep -Ec '^\[[12]/2\] done ')" = 2 ] || fail "convert --progress: $ERR"
pass
# On a terminal: one updating line (carriage returns), nothing per job.
script -qec "\"$T\" run $R in/s1.wav in/s2.wav -o progt >/dev/null" /dev/null > tty.log
grep -q $'\r' tty.log || fail "no updating progress line on a terminal"
grep -q 'realtime' tty.log || fail "terminal progress shows no x-realtime"
pass

# --- Incremental re-runs.
cp -r single ref
expect_exit 0 "$T" --json run $R in/*.wav -o single
[ "$(printf '%s' "$OUT" | count_status up-to-date)" = 8 ] || fail "rerun with nothing changed did not skip every job"
pass
echo x >> single/s4-master.flac                                   # a touched output
"$T" -q generate music -o in/s6.wav --duration 5 --seed 66        # a changed input
expect_exit 0 "$T" --json run $R in/*.wav -o single
[ "$(printf '%s' "$OUT" | count_status up-to-date)" = 6 ] || fail "expected 6 jobs up to date: $OUT"
[ "$(printf '%s' "$OUT" | jobs_with ok)" = "s4 s6 " ] || fail "expected s4 and s6 re-rendered: $OUT"
grep -q '"reason": "output changed on disk: s4-master.flac"' <<<"$OUT" || fail "s4's reason is not the touched output"
grep -q '"reason": "input changed: s6.wav"' <<<"$OUT" || fail "s6's reason is not the changed input"
cmp -s single/s4-master.flac ref/s4-master.flac || fail "re-rendered s4 differs from the first render"
! cmp -s single/s6-master.flac ref/s6-master.flac || fail "s6 did not change with its input"
pass
rm single/s5-master.flac
expect_exit 0 "$T" --json run $R in/*.wav -o single
[ "$(printf '%s' "$OUT" | jobs_with ok)" = "s5 " ] || fail "a missing output not re-rendered"
expect_exit 0 "$T" --json run $R in/*.wav -o single --set target=-16LUFS
[ "$(printf '%s' "$OUT" | count_status ok)" = 8 ] || fail "a changed param did not re-render every job"
expect_exit 0 "$T" --json run $R in/*.wav -o single --set target=-16LUFS
[ "$(printf '%s' "$OUT" | count_status up-to-date)" = 8 ] || fail "rerun with the same --set not up to date"
expect_exit 0 "$T" --json run $R in/*.wav -o single --set target=-16LUFS --force
[ "$(printf '%s' "$OUT" | count_status ok)" = 8 ] || fail "--force did not re-render every job"
pass
"$T" -q generate music -o in/s6.wav --duration 5 --seed 6          # back as it was
"$T" -q run $R in/*.wav -o single

# --- Shards: 4 slices through GNU parallel (-j2) equal the single run; merged, each job once.
# (examples/render-farm/parallel.sh: the script a user would run.)
if parallel --version 2>/dev/null | grep -c 'GNU parallel' >/dev/null; then
  SHARDS=4 JOBS=2 TAPEOP="$T" bash "$TAPEOP_SOURCE_DIR/examples/render-farm/parallel.sh" $R sharded in/*.wav \
    >parallel.log 2>&1 || fail "parallel.sh failed: $(cat parallel.log)"
  grep -q '^shard 3/4' parallel.log || fail "parallel.sh output not tagged by shard"
  [ "$(job_count sharded/tapeop-manifest.merged.json)" = 8 ] || fail "parallel.sh did not merge 8 jobs"
else
  echo "note: GNU parallel not installed; the shards run through xargs -P2" >&2
  printf '%s\n' 1 2 3 4 | xargs -P2 -I{} "$T" -q run $R in/*.wav -o sharded --shard {}/4
fi
for i in 1 2 3 4 5 6 7 8; do
  cmp -s "sharded/s$i-master.flac" "single/s$i-master.flac" || fail "shard output s$i differs from the single run"
done
[ "$(ls sharded/*.flac | wc -l)" = 8 ] || fail "shards did not write exactly 8 outputs"
for k in 1 2 3 4; do
  [ "$(job_count "sharded/tapeop-manifest.shard-$k-of-4.json")" = 2 ] || fail "shard $k/4 does not hold 2 jobs"
done
[ ! -e sharded/tapeop-manifest.json ] || fail "a shard wrote the unsharded manifest"
pass
expect_exit 0 "$T" manifest merge sharded -o merged.json
[ "$(job_count merged.json)" = 8 ] || fail "merged manifest does not list 8 jobs"
[ "$(grep -o '"name": "[^"]*"' merged.json | sort -u | wc -l)" = 8 ] || fail "merged manifest lists a job twice"
grep -q '"path": "sharded/s1-master.flac"' merged.json || fail "merged paths not relative to the merged manifest"
expect_exit 0 "$T" manifest merge sharded single
[ "$(printf '%s' "$OUT" | job_count)" = 16 ] || fail "merging two folders does not list 16 jobs"
pass
# A sharded re-run finds the single run's manifest: nothing to render.
expect_exit 0 "$T" --json run $R in/*.wav -o single --shard 3/4
[ "$(printf '%s' "$OUT" | count_status up-to-date)" = 2 ] || fail "shard of an up-to-date folder re-rendered"
pass
# --shard auto from Slurm and Kubernetes; bad shards are usage errors.
expect_exit 0 env SLURM_ARRAY_TASK_ID=5 SLURM_ARRAY_TASK_MIN=4 SLURM_ARRAY_TASK_MAX=7 "$T" run $R in/*.wav -o x --shard auto --dry-run
grep -q '^# shard 2/4: 2 of 8 jobs' <<<"$OUT" || fail "Slurm array not read: $OUT"
expect_exit 0 env JOB_COMPLETION_INDEX=3 TAPEOP_SHARDS=4 "$T" run $R in/*.wav -o x --shard auto --dry-run
grep -q '^# shard 4/4: 2 of 8 jobs' <<<"$OUT" || fail "Kubernetes index not read: $OUT"
expect_exit 2 env JOB_COMPLETION_INDEX=3 "$T" run $R in/*.wav -o x --shard auto
expect_one_line_error "TAPEOP_SHARDS"
expect_exit 2 "$T" run $R in/*.wav -o x --shard 5/4
expect_one_line_error "K counts from 1 to N"
[ ! -e x ] || fail "a refused run created its output folder"
pass

# --- Killed mid-render (SIGKILL): the rerun renders only that job and leaves no temporary.
"$T" -q run $R long.wav -o uninterrupted
cp -r single killed
rm killed/tapeop-manifest.json.* 2>/dev/null || true
"$T" -q run $R in/*.wav long.wav -o killed -j 2 &
pid=$!
for _ in $(seq 400); do                      # until the long job's temporary appears (<= 20 s)
  ls -A killed | grep -c '^\.long-master\.flac\.tapeop-tmp-' >/dev/null && break
  sleep 0.05
done
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
ls -A killed | grep -c '^\.long-master\.flac\.tapeop-tmp-' >/dev/null || fail "the kill did not land during the render"
[ ! -e killed/long-master.flac ] || fail "a killed render left a file under the final name"
pass
# Temporaries of others: a live process here, another host; and a dead one here (removed).
host=$(uname -n)
sh -c 'exit 0' & dead=$!; wait "$dead"
touch "killed/.a.flac.tapeop-tmp-$$@$host-AAAAAA" "killed/.b.flac.tapeop-tmp-$dead@$host-BBBBBB" \
  "killed/.c.flac.tapeop-tmp-$$@elsewhere.example-CCCCCC"
expect_exit 0 "$T" --json run $R in/*.wav long.wav -o killed -j 2
[ "$(printf '%s' "$OUT" | count_status up-to-date)" = 8 ] || fail "after the kill, the finished jobs were not up to date: $OUT"
[ "$(printf '%s' "$OUT" | jobs_with ok)" = "long " ] || fail "not only the killed job re-rendered: $OUT"
cmp -s killed/long-master.flac uninterrupted/long-master.flac || fail "resumed output differs from an uninterrupted run"
[ -e "killed/.a.flac.tapeop-tmp-$$@$host-AAAAAA" ] || fail "removed the temporary of a live process"
[ -e "killed/.c.flac.tapeop-tmp-$$@elsewhere.example-CCCCCC" ] || fail "removed the temporary of another host"
[ ! -e "killed/.b.flac.tapeop-tmp-$dead@$host-BBBBBB" ] || fail "kept the temporary of a dead process"
rm killed/.a.flac.* killed/.c.flac.*
no_temporaries killed
[ -z "$(ls -A killed | grep '^\.')" ] || fail "hidden files left: $(ls -A killed)"
pass

# Ctrl-C (SIGINT) during a forced re-render: the temporary goes at once, the old output is intact.
"$T" -q run $R long.wav -o killed --force &
pid=$!
for _ in $(seq 400); do
  ls -A killed | grep -c '^\.long-master\.flac\.tapeop-tmp-' >/dev/null && break
  sleep 0.05
done
kill -INT "$pid"
wait "$pid" 2>/dev/null || true
no_temporaries killed
cmp -s killed/long-master.flac uninterrupted/long-master.flac || fail "an interrupted re-render damaged the existing output"
pass
finish
