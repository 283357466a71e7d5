#!/usr/bin/env bash
# Same-run comparison of `nashra bench --task summarize` with CTranslate2 (float32 and int8) on a
# full-size random BART (BENCHMARKS.md, "Summaries"). Rounds alternate the systems, so that
# load from other processes on a shared machine falls on all of them alike; compare ratios.
#
# usage: benches/summarize_same_run.sh MODEL_DIR DOCS [ROUNDS]
#   MODEL_DIR: ../shared/bench/make_random_bart.py /tmp/distilbart ../shared/data/flores/flores-dev.en
#   DOCS: one document per line (BENCHMARKS.md: 8 consecutive FLORES dev lines each)
# Settings: 32 documents, beam 4, batch 8, 2 threads, every summary exactly L = 60 tokens
# (nashra: --min-length = --max-length = 61, transformers' counting with the start token),
# no_repeat_ngram_size 3 in both.
set -euo pipefail
model=$1 docs=$2 rounds=${3:-3}
py=${PEERS_PYTHON:-/work/peers/bin/python}
nashra=${NASHRA:-target/release/nashra}
n=32 len=60 beam=4 batch=8 threads=2
for r in $(seq "$rounds"); do
  for q in none int8; do
    "$nashra" bench --task summarize --model-dir "$model" --input "$docs" --n $n \
      --beam $beam --batch-size $batch --threads $threads --warmup 1 \
      --min-length $((len + 1)) --max-length $((len + 1)) --quantize $q --json |
      sed "s/^/{\"round\":$r,\"report\":/; s/\$/}/"
  done
  "$py" "${PEERS_KIT:-/work/shared/bench}/peers_bart.py" "$model" "$docs" --n $n --len $len --beam $beam \
    --batch $batch --threads $threads --systems ct2-float32,ct2-int8 |
    sed "s/^/{\"round\":$r,\"peer\":/; s/\$/}/"
done
