#!/usr/bin/env bash
# Render one batch as N shards with GNU parallel: on this machine, or over ssh on several.
#
#   examples/render-farm/parallel.sh RECIPE OUT_DIR INPUT...
#
#   SHARDS=8            slices of the batch (more slices than machines: fast machines take more)
#   JOBS=2              shards running at once per machine (parallel -j)
#   HOSTS=:             GNU parallel --sshlogin list, e.g. ":,render1,8/render2" (':' is this
#                       machine). Remote machines need tapeop on PATH and the same files at the
#                       same absolute paths (a shared folder): every shard works in $PWD.
#   TAPEOP=tapeop       the executable
#
# Each shard is one `tapeop run --shard K/N` writing its own manifest
# (tapeop-manifest.shard-K-of-N.json) into OUT_DIR; nothing is rendered twice, and re-running
# the script after a failure or a kill renders only what is missing. At the end the shard
# manifests are merged into OUT_DIR/tapeop-manifest.merged.json.
set -euo pipefail
[ $# -ge 3 ] || { sed -n '2,18p' "$0"; exit 2; }
recipe=$1 out=$2
shift 2
shards=${SHARDS:-8}
tapeop=${TAPEOP:-tapeop}

# With several shards per machine, split the cores between them (tapeop's own -j).
threads=$(( $(nproc) / ${JOBS:-2} )); [ "$threads" -ge 1 ] || threads=1

status=0
# -q: arguments are quoted for the (remote) shell, so file names with spaces survive.
parallel --will-cite -q --sshlogin "${HOSTS:-:}" --workdir "$PWD" -j "${JOBS:-2}" \
  --line-buffer --tagstring 'shard {}/'"$shards" \
  "$tapeop" -j "$threads" run "$recipe" "$@" -o "$out" --shard "{}/$shards" ::: $(seq "$shards") || status=$?

"$tapeop" manifest merge "$out" -o "$out/tapeop-manifest.merged.json"
exit $((status == 0 ? 0 : 1)) # parallel's status is the number of failed shards
