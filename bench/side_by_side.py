#!/usr/bin/env python3
"""Runs tumblr-archiver beside gallery-dl, tumblr-backup and curl on the
fake Tumblr bench, and prints medians and ratios.

The bench (its bench.py, run-isolated.sh and server) lives outside this
repository; FAKE_TUMBLR_BENCH names its folder. This script adds two
tools to the bench's list and lets bench.py run everything, so every
tool gets the same fresh namespace, server, output folder and $HOME:

- tumblr-archiver: the release binary with its default settings; only
  --allow-private-network is added, because the bench resolves Tumblr's
  host names to 127.0.0.1. Each run has an empty $HOME, so it compiles
  its plugins (a first run).
- tumblr-archiver-cached: the same, with the compiled plugins already in
  the cache folder that every later run on a machine uses.

bench.py runs the tools in turn within each repetition, so runs of
different tools are interleaved and share the machine's load.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.environ.get("FAKE_TUMBLR_BENCH") or os.path.join(
    REPO, "..", "shared", "bench")
BINARY = os.path.join(REPO, "target", "release", "tumblr-archiver")
OURS = ("tumblr-archiver", "tumblr-archiver-cached")


def load_bench():
    if not os.path.isfile(os.path.join(BENCH, "bench.py")):
        sys.exit("side_by_side.py: no bench.py in %s\nhint: set "
                 "FAKE_TUMBLR_BENCH to the fake Tumblr bench folder" % BENCH)
    sys.path.insert(0, BENCH)
    import bench  # noqa: E402  (found through FAKE_TUMBLR_BENCH)
    return bench


def add_our_tools(bench, cache_dir):
    peers = bench.tool_commands

    def tool_commands(tool, work, out):
        if tool not in OURS:
            return peers(tool, work, out)
        argv = [BINARY, bench.BLOG, "--api-key", bench.API_KEY,
                "--allow-private-network", "--out", out]
        if tool == "tumblr-archiver-cached":
            return ["env", "TUMBLR_ARCHIVER_CACHE_DIR=" + cache_dir] + argv
        return argv

    bench.tool_commands = tool_commands


def warm_cache(cache_dir):
    """Fills the compile cache: a dry run against no server still loads
    and compiles both plugins before its first request fails."""
    env = dict(os.environ, TUMBLR_ARCHIVER_CACHE_DIR=cache_dir)
    subprocess.run([BINARY, "example-blog", "--api-key", "k", "--dry-run",
                    "--redirect-origin", "https://api.tumblr.com=http://127.0.0.1:9",
                    "--allow-private-network", "--quiet"],
                   env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=120)


def summarize(path):
    with open(path) as f:
        runs = json.load(f)["runs"]
    groups = {}
    for run in runs:
        groups.setdefault((run["posts"], run["tool"]), []).append(run)
    rows = []
    for (posts, tool), group in sorted(groups.items()):
        wall = statistics.median(r.get("wall_s", 0) for r in group)
        rss = statistics.median(r.get("peak_rss_mb", 0) for r in group)
        mb = statistics.median(r["media_bytes"] / 1e6 for r in group)
        files = statistics.median(r["media_files"] for r in group)
        exits = sorted({str(r.get("exit", r["rc"])) for r in group})
        rows.append((posts, tool, wall, rss, mb, files, ",".join(exits), len(group)))
    print("\n| posts | tool | runs | wall s (median) | peak RSS MB | media files "
          "| media MB | MB/s | exit |")
    print("|---|---|---|---|---|---|---|---|---|")
    for posts, tool, wall, rss, mb, files, exits, n in rows:
        print("| %d | %s | %d | %.2f | %.0f | %d | %.1f | %.0f | %s |" % (
            posts, tool, n, wall, rss, files, mb, mb / wall if wall else 0, exits))
    by = {(p, t): (w, mb) for p, t, w, _, mb, _, _, _ in rows}
    print("\nRatios (wall time of the peer / ours; MB/s ours / peer's):")
    for (posts, tool), (wall, mb) in sorted(by.items()):
        if tool not in OURS:
            continue
        for (p2, peer), (peer_wall, peer_mb) in sorted(by.items()):
            if p2 != posts or peer in OURS or not wall or not peer_wall:
                continue
            print("- %d posts, %s vs %s: %.2fx faster, %.2fx the MB/s" % (
                posts, tool, peer, peer_wall / wall,
                (mb / wall) / (peer_mb / peer_wall) if peer_mb else 0))


def main():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Other options are passed to bench.py, e.g. --server-arg=--p-404=.03")
    parser.add_argument("--results", default=os.path.join(REPO, "target", "side-by-side"))
    parser.add_argument("--tools", default="tumblr-archiver,tumblr-archiver-cached,"
                        "gallery-dl,tumblr-backup,curl-Z8")
    parser.add_argument("--sizes", default="1000")
    parser.add_argument("--reps", default="3")
    parser.add_argument("--summary-only", action="store_true",
                        help="print the table of an earlier run's results.json")
    args, rest = parser.parse_known_args()
    results = os.path.join(args.results, "results.json")
    if args.summary_only:
        summarize(results)
        return
    if not os.access(BINARY, os.X_OK):
        sys.exit("side_by_side.py: %s is missing\nhint: run cargo build --release" % BINARY)
    bench = load_bench()
    cache_dir = os.path.join(args.results, "plugin-cache")
    os.makedirs(cache_dir, exist_ok=True)
    warm_cache(cache_dir)
    add_our_tools(bench, cache_dir)
    sys.argv = ["bench.py", "--results", args.results, "--tools", args.tools,
                "--sizes", args.sizes, "--reps", args.reps,
                "--work", os.path.join(args.results, "work")] + rest
    bench.main()
    summarize(results)


if __name__ == "__main__":
    main()
