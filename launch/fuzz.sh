#!/usr/bin/env bash
# Coverage-guided fuzzing of mtl-dist's input readers with libFuzzer (see FUZZING.md).
#
#   launch/fuzz.sh TARGET SECONDS [LIBFUZZER-OPTION...]
#
# TARGET: columns, conllu, iob2, config, predict-input, transformer, or all (each in turn, SECONDS each).
# Builds the targets of Fuzz/ (a separate package over this one) with libFuzzer and AddressSanitizer
# into .build-fuzz, seeds each from the test fixtures, and runs it for SECONDS.
# Every input must end in success or a typed error: a trap, a leak, an allocation above
# -malloc_limit_mb (1,000 bytes per byte of the largest input) or an input running longer than
# 10 s stops the run, leaves the input in .build-fuzz/findings/TARGET/ and exits non-zero.
# The growing corpus stays in .build-fuzz/corpus/TARGET/ between runs.
set -euo pipefail
cd "$(dirname "$0")/.."
targets=(columns conllu iob2 config predict-input transformer manifest model-json safetensors metrics)
if [ $# -lt 2 ] || ! [[ "$2" =~ ^[0-9]+$ ]]; then
  echo "usage: launch/fuzz.sh TARGET SECONDS [LIBFUZZER-OPTION...]   (TARGET: ${targets[*]} or all)" >&2
  exit 2
fi
target=$1 seconds=$2
shift 2
if [ "$target" = all ]; then
  list=("${targets[@]}")
else
  target=${target#fuzz-}
  if ! printf '%s\n' "${targets[@]}" | grep -qx -- "$target"; then
    echo "fuzz.sh: unknown target '$target'; one of: ${targets[*]} all" >&2
    exit 2
  fi
  list=("$target")
fi

bash launch/install-deps.sh
scratch=.build-fuzz
# `--sanitize fuzzer --sanitize address` would hand swiftc two -sanitize= flags, and the last one
# wins (no coverage instrumentation): --sanitize fuzzer tells SwiftPM that libFuzzer supplies main,
# and one combined -sanitize=fuzzer,address instruments for both.
# A debug build: it compiles in a quarter of the time of a release build (94 s against 6.5 min here)
# and runs about as many inputs a second (FUZZING.md). FUZZ_CONFIGURATION=release chooses the other.
build=(swift build --package-path Fuzz --scratch-path "$scratch" -c "${FUZZ_CONFIGURATION:-debug}" --sanitize fuzzer
       -Xswiftc -sanitize=fuzzer,address)
"${build[@]}" 2>&1 | { grep -v "ld.gold: warning: Cannot export local symbol" || true; }
bin=$("${build[@]}" --show-bin-path)

fixtures=Tests/CoNLLTests/Fixtures
# seed NAME SELECTOR FILE...: FILE with the selector byte in front (the targets read their format
# from its low bits and strict (high bit clear) or lenient options from it), into NAME's seed folder
seed() {
  local dir=$scratch/seeds/$1 selector=$2
  shift 2
  mkdir -p "$dir"
  for f in "$@"; do
    { printf "\\x$selector"; cat "$f"; } > "$dir/$selector-$(basename "$f")"
  done
}
rm -rf "$scratch/seeds"
seed columns 00 "$fixtures"/conll03*.txt "$fixtures"/conlleval.txt "$fixtures"/malformed/*.txt
seed columns 80 "$fixtures"/conll03*.txt "$fixtures"/malformed/*.txt
seed columns 01 "$fixtures"/ewt-ner-pos.tsv "$fixtures"/malformed/*.tsv
seed columns 81 "$fixtures"/ewt-ner-pos.tsv "$fixtures"/malformed/*.tsv
seed columns 03 "$fixtures"/intents.tsv "$fixtures"/malformed/*.tsv
seed columns 83 "$fixtures"/intents.tsv
seed conllu 00 "$fixtures"/*.conllu "$fixtures"/malformed/*.conllu
seed conllu 80 "$fixtures"/*.conllu "$fixtures"/malformed/*.conllu
seed iob2 00 "$fixtures"/uner.iob2
seed iob2 80 "$fixtures"/uner.iob2
seed predict-input 00 "$fixtures"/malformed/crlf.txt "$fixtures"/conll03.txt
seed predict-input 01 "$fixtures"/malformed/crlf.txt "$fixtures"/conll03.txt "$fixtures"/sample.conllu
mkdir -p "$scratch/seeds/config"
cp configs/*.yaml "$scratch/seeds/config/"
cat > "$scratch/seeds/config/overrides.yaml" <<'YAML'
corpora:
  c: {format: columns, columns: [text, upos, ner], separator: tab, train: train.tsv}
tasks:
  ner: {corpus: c, label: ner, head: crf, metric: span_f1}
training: {epochs: 1, batch_size: 4}
%%
training.batch_size=8
encoder.word_dim=16
tasks.ner.hidden=32
YAML

# transformer: a model folder as config.json %% vocab.txt %% tokenizer_config.json %% model.safetensors %% tokenizer.json
tiny=Tests/TransformerTests/Fixtures/tiny-bert
mkdir -p "$scratch/seeds/transformer"
for f in config.json vocab.txt tokenizer_config.json model.safetensors; do
  cat "$tiny/$f"; [ $f = model.safetensors ] || printf '\n%%%%\n'
done > "$scratch/seeds/transformer/tiny-bert"
{ cat "$tiny/config.json"; printf '\n%%%%\n'; cat "$tiny/vocab.txt"; } > "$scratch/seeds/transformer/no-weights"
# ... %% tokenizer.json: the RoBERTa fixture's config beside each tokenizer.json fixture (no weights)
for t in Tests/TransformerTests/Fixtures/tokenizers/*.json Tests/TransformerTests/Fixtures/tiny-models/*/tokenizer.json; do
  { cat Tests/TransformerTests/Fixtures/tiny-models/roberta/config.json; printf '\n%%%%\n\n%%%%\n\n%%%%\n\n%%%%\n'; cat "$t"; } \
    > "$scratch/seeds/transformer/tokenizer-$(basename "$(dirname "$t")")-$(basename "$t" .json)"
done

# manifest, model-json, safetensors, metrics: the files of a tiny real run (a few steps of the
# default config with a checkpoint and an export), made once per call with the release binary
run_files=$scratch/seed-run
rm -rf "$run_files"
mtl=${MTL_DIST_BINARY:-.build/release/mtl-dist}
[ -x "$mtl" ] || swift build -c release --product mtl-dist >/dev/null
mtl=${MTL_DIST_BINARY:-.build/release/mtl-dist}
"$mtl" train --output "$run_files/run" --set training.max_steps=4 --set checkpoint.every=4 --set training.eval_every=4 \
  --set encoder.word_dim=16 --set encoder.char_dim=8 --set encoder.char_hidden=8 --set encoder.shared_hidden=16 >/dev/null
"$mtl" export --model "$run_files/run/best" --output "$run_files/export" >/dev/null
mkdir -p "$scratch/seeds/manifest" "$scratch/seeds/model-json" "$scratch/seeds/safetensors" "$scratch/seeds/metrics"
for selector in 00 01; do
  { printf "\\x$selector"; cat "$run_files/run/checkpoints/step-4/manifest.json"; } > "$scratch/seeds/manifest/$selector-manifest.json"
done
for selector in 00 01 02 03; do
  src=$run_files/run/best/model.json
  [ $((0x$selector & 2)) -eq 0 ] || src=$run_files/export/model.json
  { printf "\\x$selector"; cat "$src"; } > "$scratch/seeds/model-json/$selector-model.json"
done
cp "$run_files/export/model.safetensors" "$scratch/seeds/safetensors/export.safetensors"
cp Tests/TransformerTests/Fixtures/tiny-bert/model.safetensors "$scratch/seeds/safetensors/tiny-bert.safetensors"
cp "$run_files/run/metrics.jsonl" "$scratch/seeds/metrics/metrics.jsonl"

max_len=65536
# one-time initialisation of Swift globals is not a leak (see the file)
export LSAN_OPTIONS="suppressions=$PWD/Fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
status=0
for name in "${list[@]}"; do
  mkdir -p "$scratch/corpus/$name" "$scratch/findings/$name"
  echo "fuzz.sh: fuzz-$name for ${seconds}s" >&2
  len=$max_len
  case $name in transformer|safetensors|model-json|manifest) len=262144 ;; esac   # the tiny BERT's weights alone are 108 KB; a model.json holds its vocabularies
  if ! "$bin/fuzz-$name" "$scratch/corpus/$name" "$scratch/seeds/$name" \
      -max_total_time="$seconds" -max_len=$len -malloc_limit_mb=$((len * 1000 / 1048576)) \
      -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 -artifact_prefix="$scratch/findings/$name/" "$@"; then
    echo "fuzz.sh: fuzz-$name found a failing input, kept in $scratch/findings/$name/" >&2
    status=1
  fi
done
exit $status
