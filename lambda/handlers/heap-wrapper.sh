#!/bin/sh
# Lambda starts Node.js through this script (AWS_LAMBDA_EXEC_WRAPPER, set by
# lib/pipeline-function.ts), so that the pipeline functions run with the CLI's
# heap setting: 1 MiB per semi-space of V8's young generation (README, Memory).
#
# "$@" is the runtime's own command line: the node binary, the bootstrap's
# options (among them a --max-semi-space-size sized from the function's
# memory), then the runtime's entry file. Node hands V8 the last value given for
# a flag, so ours goes after every option and before the entry. The entry is the
# first argument that is no option and names a file: the separate value of an
# option (--max-http-header-size 81920) names none, and the options whose value
# does are skipped by name. Without an entry, node starts unchanged.
set -eu

flag=--max-semi-space-size=1
node=$1
shift
state=options # or: value (the next argument is an option's), placed
for arg do
  shift
  case $state:$arg in
    options:-r | options:--require | options:--import | options:--loader | options:--experimental-loader)
      state=value ;;
    options:--) set -- "$@" "$flag"; state=placed ;;
    options:-*) ;;
    options:*) if [ -f "$arg" ]; then set -- "$@" "$flag"; state=placed; fi ;;
    value:*) state=options ;;
  esac
  set -- "$@" "$arg"
done
[ "$state" = placed ] || echo "heap-wrapper.sh: no entry file on the command line; node starts without $flag" >&2
exec "$node" "$@"
