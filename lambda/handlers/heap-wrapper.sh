#!/bin/sh
# Node.js is started through this script by Lambda (AWS_LAMBDA_EXEC_WRAPPER,
# set by lib/pipeline-function.ts) and by the CLI (bin/opendata.sh, which
# npm start and npm run opendata run), so that the pipeline functions and the
# CLI run with the same V8 flags (README, Memory): 2 MiB per semi-space of V8's
# young generation, an old generation that grows by half of what is live after
# each full collection, where V8 would otherwise let it grow by up to four
# times, and
# WebAssembly (the chart renderer) kept to V8's baseline compiler, whose
# optimising tier took 50-80 MB more to draw one chart, and no allocation-site
# pretenuring: V8 may decide, on timing, to allocate the CSV reader's short-lived
# records straight in the old generation, and validating 10^6 rows then took
# 85 full collections and 4.6-5.0 s instead of 24 and 3.0 s; and young
# collections made by the thread that needs them, not shared out to helper
# threads, which wait for a core the two threads of a publish already keep busy
# (the main thread's young collections took 0.54-0.68 s instead of 0.95-1.14 s
# at 10^6 rows); and no full collection while a thread's old generation holds
# less than 32 MiB (V8 takes an initial old-space size given on the command
# line as the floor of its limit): the Parquet worker's row groups outlive the
# small young generation, and with live heaps of 7-15 MiB the two threads made
# about 100 full collections in a publish of 10^6 rows, whose concurrent
# marking kept V8's helper threads on the cores for 1.9 s; with the floor they
# take 1.0-1.6 s, and alternating publishes a median 0.87 of the time under
# Node 24 (0.98 under Node 20), for a peak 15-25 MiB higher (BENCHMARKS.md).
#
# "$@" is the runtime's own command line: the node binary, the bootstrap's
# options (among them a --max-semi-space-size sized from the function's
# memory), then the runtime's entry file. Node hands V8 the last value given for
# a flag, so ours go after every option and before the entry. The entry is the
# first argument that is no option and names a file: the separate value of an
# option (--max-http-header-size 81920) names none, and the options whose value
# does are skipped by name. Without an entry, node starts unchanged.
#
# It also caps glibc's malloc at two arenas (MALLOC_ARENA_MAX, read by the C
# library as node starts, so it cannot be set from JavaScript), unless the
# function's (or the shell's) environment sets it: each thread that allocates
# otherwise gets an arena of its own, and memory freed in one stays with it.
# Publishing 10^7 rows under Node 24 with the flags below peaked at about 190
# instead of 201 MiB (BENCHMARKS.md, Memory); the CLI's publish of 10^6 rows
# from its TypeScript source at about 200 instead of 211-216 MiB.
set -eu

: "${MALLOC_ARENA_MAX:=2}"
export MALLOC_ARENA_MAX
flags='--max-semi-space-size=2 --heap-growing-percent=50 --initial-old-space-size=32 --liftoff-only --no-allocation-site-pretenuring --no-parallel-scavenge'
node=$1
shift
state=options # or: value (the next argument is an option's), placed
for arg do
  shift
  case $state:$arg in
    options:-r | options:--require | options:--import | options:--loader | options:--experimental-loader)
      state=value ;;
    options:--) set -- "$@" $flags; state=placed ;;
    options:-*) ;;
    options:*) if [ -f "$arg" ]; then set -- "$@" $flags; state=placed; fi ;;
    value:*) state=options ;;
  esac
  set -- "$@" "$arg"
done
[ "$state" = placed ] || echo "heap-wrapper.sh: no entry file on the command line; node starts without $flags" >&2
exec "$node" "$@"
