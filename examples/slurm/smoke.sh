#!/bin/bash
# Smoke test of nashra on Slurm: starts a one-node Slurm cluster on this machine (Debian's
# slurm-wlm and munge; munged, slurmctld and slurmd as root, proctrack/linuxproc, a generated
# slurm.conf, all state in a temporary folder), submits examples/slurm/nightly.sbatch as a
# 3-task array (ids 4-6: arrays need not start at 0) with `sbatch --wait` on the sample
# articles and the fixture model, runs the merge as a job that depends on it (afterok), and
# checks the result against a one-process run: every file byte-identical, run.json's
# articles and counts equal. Stops the daemons it started. Exits non-zero on any difference.
#
#   bash examples/slurm/smoke.sh        (as root; NASHRA_BIN=path skips `cargo build`)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
say() { echo "smoke: $*" >&2; }
fail() { say "FAIL: $*"; exit 1; }
[[ $(id -u) == 0 ]] || fail "run as root (it starts slurmctld, slurmd and munged)"

need=()
command -v slurmctld >/dev/null || need+=(slurm-wlm)
command -v munged >/dev/null || need+=(munge)
command -v python3 >/dev/null || need+=(python3)
if ((${#need[@]})); then
    say "installing ${need[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

if [[ -z ${NASHRA_BIN:-} ]]; then
    say "building nashra (release)"
    cargo build --release --locked --quiet
    NASHRA_BIN=$root/target/release/nashra
fi
bin=$(readlink -f "$NASHRA_BIN")
model=$root/tests/fixtures/models/aren
articles=$root/samples/articles

work=$(mktemp -d /tmp/nashra-smoke.XXXXXX)
chmod 755 "$work"
started=()
stop_daemons() {
    local status=$?
    for name in slurmd slurmctld munged; do
        local pidfile=$work/$name.pid
        [[ -s $pidfile ]] || continue
        local pid
        pid=$(cat "$pidfile")
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    done
    if [[ $status == 0 ]]; then rm -rf "$work"; else say "logs and outputs kept in $work"; fi
    exit "$status"
}
trap stop_daemons EXIT

# Ports away from a real Slurm's 6817/6818, overridable.
ctld_port=${SMOKE_SLURMCTLD_PORT:-16817}
slurmd_port=${SMOKE_SLURMD_PORT:-16818}
host=$(hostname -s)
mem_mb=$(awk '/MemTotal/ { print int($2 / 1024 * 0.8) }' /proc/meminfo)

say "starting munged, slurmctld and slurmd in $work"
head -c 1024 /dev/urandom >"$work/munge.key"
chmod 400 "$work/munge.key"
munged --socket="$work/munge.sock" --key-file="$work/munge.key" --pid-file="$work/munged.pid" \
    --log-file="$work/munged.log" --seed-file="$work/munge.seed" --force
mkdir -p "$work/state" "$work/spool"
cat >"$work/slurm.conf" <<CONF
ClusterName=nashrasmoke
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
AuthType=auth/munge
AuthInfo=socket=$work/munge.sock
CredType=cred/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
NodeName=$host CPUs=$(nproc) RealMemory=$mem_mb State=UNKNOWN
PartitionName=smoke Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$work/slurm.conf
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
for _ in $(seq 60); do
    [[ $(sinfo -h -o %t 2>/dev/null) == idle ]] && break
    sleep 0.5
done
[[ $(sinfo -h -o %t 2>/dev/null) == idle ]] || fail "the node did not come up (see $work/slurmd.log)"

out=$work/sharded
export NASHRA_BIN=$bin NASHRA_INPUTS=$articles NASHRA_OUT=$out NASHRA_MODEL_DIR=$model
say "array job: 3 shards (ids 4-6)"
array=$(sbatch --parsable --wait --array=4-6 --cpus-per-task=1 --mem=500M --chdir="$work" \
    --output="$work/task-%a.log" examples/slurm/nightly.sbatch) ||
    fail "the array job failed: $(cat "$work"/task-*.log)"
say "merge job after array job $array"
sbatch --parsable --wait --dependency="afterok:$array" --kill-on-invalid-dep=yes \
    --chdir="$work" --output="$work/merge.log" --wrap="'$bin' merge '$out'" >/dev/null ||
    fail "the merge job failed: $(cat "$work/merge.log")"

say "one-process run"
single=$work/single
env -u NASHRA_OUT "$bin" run "$articles" --out "$single" --model-dir "$model" --quiet

say "comparing"
diff -r --exclude=run.json --exclude=shards --exclude=.cache --exclude=.nashra.lock "$single" "$out" ||
    fail "the sharded run's files differ from the one-process run's"
python3 - "$single/run.json" "$out/run.json" <<'PY' || fail "run.json differs"
import json, sys
one, merged = (json.load(open(p)) for p in sys.argv[1:])
for key in ("model", "articles"):
    assert one[key] == merged[key], f"{key} differs"
for key in ("articles", "ok", "failed", "skipped", "sentences"):
    assert one["counts"][key] == merged["counts"][key], f"counts.{key} differs"
assert one["settings"]["decoding"] == merged["settings"]["decoding"], "decoding differs"
shards = merged["shards"]
assert sorted(s["index"] for s in shards) == [0, 1, 2], f"shards: {shards}"
assert all(s["count"] == 3 and s["source"] == "slurm" for s in shards), f"shards: {shards}"
assert sum(s["articles"] for s in shards) == merged["counts"]["articles"], "counts do not add up"
print(f"smoke: {merged['counts']['articles']} articles over 3 shards "
      f"({', '.join(str(s['articles']) for s in shards)}), outputs identical", file=sys.stderr)
PY
say "PASS"
