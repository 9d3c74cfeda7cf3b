#!/usr/bin/env bash
# Builds the release binary and runs it beside gallery-dl, tumblr-backup
# and curl on the fake Tumblr bench (needs root: the bench runs each tool
# in its own network namespace). Options go to side_by_side.py, e.g.
#   bench/side-by-side.sh --sizes 1000 --reps 5
#   bench/side-by-side.sh --tools tumblr-archiver-cached --sizes 200 --reps 3 \
#       --server-arg=--p-404=.03 --server-arg=--p-429=.03
# FAKE_TUMBLR_BENCH names the bench folder (default: ../shared/bench beside
# the repository). Run its setup.sh once first.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export FAKE_TUMBLR_BENCH=${FAKE_TUMBLR_BENCH:-$repo/../shared/bench}
export FAKE_TUMBLR_STATE=${FAKE_TUMBLR_STATE:-${XDG_CACHE_HOME:-$HOME/.cache}/faketumblr}
cargo build --release --manifest-path "$repo/Cargo.toml" -p tumblr-archiver
exec python3 "$repo/bench/side_by_side.py" "$@"
