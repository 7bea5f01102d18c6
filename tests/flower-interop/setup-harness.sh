#!/usr/bin/env bash
# Builds the real Flower 1.27.0 the interop tests run against (tests/Flip.Cli.Tests/Interop), with
# ../shared/flower-harness/setup.sh, from a git mirror of adap/flower. Flower's source is never
# copied into this repository.
#
#   tests/flower-interop/setup-harness.sh [MIRROR_GIT_DIR] [TARGET]
#
# MIRROR_GIT_DIR: $FLOWER_MIRROR, else /work/.mirror/adap+flower/repo (where this project's machines
# keep it). TARGET: $FLOWER_HARNESS, else ~/.cache/flower-1.27.0. Prints the harness folder on its
# last line (export it as FLOWER_HARNESS). Exits 3, saying why, when no mirror or no harness
# scripts are here: the interop tests then skip and say so.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
mirror="${1:-${FLOWER_MIRROR:-/work/.mirror/adap+flower/repo}}"
target="${2:-${FLOWER_HARNESS:-$HOME/.cache/flower-1.27.0}}"
setup=""
for candidate in "$repo/../shared/flower-harness/setup.sh" "$repo/shared/flower-harness/setup.sh"; do
  [[ -f "$candidate" ]] && { setup="$candidate"; break; }
done
if [[ -z "$setup" ]]; then
  echo "setup-harness: no ../shared/flower-harness/setup.sh beside the repository; Flower interop tests will be skipped" >&2
  exit 3
fi
if ! git --git-dir="$mirror" rev-parse -q --verify refs/tags/framework-1.27.0 >/dev/null 2>&1; then
  echo "setup-harness: no adap/flower git mirror with tag framework-1.27.0 at $mirror (set FLOWER_MIRROR); Flower interop tests will be skipped" >&2
  exit 3
fi
bash "$setup" "$mirror" "$target" >&2
echo "$target"
