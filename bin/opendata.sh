#!/bin/sh
# The CLI as `npm start` and `npm run opendata` start it: bin/cli-bundle.ts brings its bundle up to date
# (built again only when a file it was built from changed), then node runs the bundle, started through
# lambda/handlers/heap-wrapper.sh, as the Lambda functions start it (the V8 flags and the cap on glibc's
# malloc arenas, README: Memory). Each step execs the next, so the node that runs the CLI is the process
# npm started, and a signal npm passes on (SIGTERM, SIGINT) reaches it.
set -eu
root=$(dirname "$0")/..
node --import tsx "$root/bin/cli-bundle.ts"
exec sh "$root/lambda/handlers/heap-wrapper.sh" node "$root/node_modules/.cache/kz-az-open-data/cli/opendata.mjs" "$@"
