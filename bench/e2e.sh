#!/usr/bin/env bash
# End-to-end benchmark on loopback: archives generated blogs served by the
# repository's fake Tumblr (tests/fake-tumblr, binary `serve`) with rate
# limits off, and downloads the same photo URLs with a plain parallel curl.
# Prints the median wall time, files per second, MB/s and peak RSS of each.
#
#   bench/e2e.sh [--sizes 1000,10000] [--reps 3] [--media-size 100000]
#
# Needs curl and GNU time (/usr/bin/time, Debian package `time`). The fake
# server reads the Tumblr fixtures (TUMBLR_FIXTURES, default
# ../shared/fixtures/tumblr beside the repository). Work files go to
# target/e2e-bench and are removed after each run.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
sizes=1000,10000
reps=3
media_size=100000
while [[ $# -gt 0 ]]; do
  case $1 in
    --sizes) sizes=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --media-size) media_size=$2; shift 2 ;;
    *) echo "e2e.sh: unknown option $1 (expected --sizes, --reps or --media-size)" >&2; exit 2 ;;
  esac
done
for tool in curl /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "e2e.sh: $tool is missing; hint: apt-get install curl time" >&2; exit 2; }
done

cargo build --release --manifest-path "$repo/Cargo.toml" -p tumblr-archiver -p fake-tumblr --bin tumblr-archiver --bin serve
archiver=$repo/target/release/tumblr-archiver
serve=$repo/target/release/serve
work=$repo/target/e2e-bench
rm -rf "$work"
mkdir -p "$work"
results=$work/results.tsv
: > "$results"
server_pid=""
trap '[[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null || true' EXIT
export TUMBLR_ARCHIVER_CACHE_DIR=$work/plugin-cache

# Appends "size tool wall_s rss_kb files bytes exit" for one timed command.
measure() {
  local size=$1 tool=$2 out=$3; shift 3
  local status=0
  /usr/bin/time -v -o "$work/time.txt" "$@" >"$work/$tool.log" 2>&1 || status=$?
  local wall rss files bytes
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$work/time.txt")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
  files=$(find "$out" -type f \( -name '*.jpg' -o -name '*.gif' -o -name '*.png' -o -name '*.webp' -o -name '*.mp4' -o -name '*.mp3' \) | wc -l)
  bytes=$(find "$out" -type f \( -name '*.jpg' -o -name '*.gif' -o -name '*.png' -o -name '*.webp' -o -name '*.mp4' -o -name '*.mp3' \) -printf '%s\n' | awk '{s+=$1} END {print s+0}')
  echo -e "$size\t$tool\t$wall\t$rss\t$files\t$bytes\t$status" >> "$results"
  echo "posts=$size $tool: ${wall}s, $((rss / 1024)) MB peak RSS, $files files, $((bytes / 1000000)) MB, exit $status" >&2
  rm -rf "$out"
}

for size in ${sizes//,/ }; do
  "$serve" --posts "$size" --media-size "$media_size" --urls "$work/urls.txt" > "$work/serve.out" &
  server_pid=$!
  for _ in $(seq 1 100); do [[ -s $work/serve.out ]] && break; sleep 0.1; done
  base=$(head -n 1 "$work/serve.out")
  [[ -n $base ]] || { echo "e2e.sh: the fake server did not start" >&2; exit 1; }
  redirects=()
  for host in api.tumblr.com '*.tumblr.com'; do
    for scheme in https http; do redirects+=(--redirect-origin "$scheme://$host=$base"); done
  done
  awk -v dir="$work/curl-out" '{n=split($0,p,"/"); printf "url = \"%s\"\noutput = \"%s/%06d-%s\"\n", $0, dir, NR, p[n]}' \
    "$work/urls.txt" > "$work/curl.cfg"
  # A first run fills the plugin compile cache; it is not counted.
  "$archiver" example-blog --api-key test-key --allow-private-network --quiet \
    --out "$work/warm" --rate 1000000 "${redirects[@]}" >/dev/null 2>&1 || true
  rm -rf "$work/warm"
  for rep in $(seq 1 "$reps"); do
    measure "$size" tumblr-archiver "$work/out" "$archiver" example-blog --api-key test-key \
      --allow-private-network --quiet --out "$work/out" --rate 1000000 "${redirects[@]}"
    mkdir -p "$work/curl-out"
    measure "$size" curl-Z8 "$work/curl-out" curl --parallel --parallel-max 8 -sS --fail -K "$work/curl.cfg"
  done
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
done

python3 - "$results" <<'PY'
import statistics, sys
rows = [line.split("\t") for line in open(sys.argv[1]) if line.strip()]
groups = {}
for size, tool, wall, rss, files, nbytes, status in rows:
    status = status.strip()
    groups.setdefault((int(size), tool), []).append(
        (float(wall), int(rss), int(files), int(nbytes), status))
print("| posts | tool | runs | wall s | files/s | MB/s | peak RSS MB | files | MB | exit |")
print("|---|---|---|---|---|---|---|---|---|---|")
for (size, tool), runs in sorted(groups.items()):
    wall = statistics.median(r[0] for r in runs)
    rss = statistics.median(r[1] for r in runs) / 1024
    files = statistics.median(r[2] for r in runs)
    mb = statistics.median(r[3] for r in runs) / 1e6
    exits = ",".join(sorted({r[4] for r in runs}))
    print("| %d | %s | %d | %.2f | %.0f | %.0f | %.1f | %d | %.1f | %s |" % (
        size, tool, len(runs), wall, files / wall, mb / wall, rss, files, mb, exits))
PY
