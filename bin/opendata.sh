#!/bin/sh
# The CLI as `npm start` and `npm run opendata` start it: bin/cli-bundle.ts brings its bundle up to date
# (built again only when a file it was built from changed), then node runs the bundle, started through
# lambda/handlers/heap-wrapper.sh, as the Lambda functions start it (the V8 flags and the cap on glibc's
# malloc arenas, README: Memory). Where the bundle cannot be built (a read-only node_modules, say), the CLI
# runs from its TypeScript source through tsx instead, and says so. It runs from any folder: the CLI keeps
# the caller's, and only the bundling step, and the finding of tsx, look from the project's. The last step
# execs node, so the node that runs the CLI takes the place of this script; package.json's scripts exec this
# script in turn, so that node takes the place of npm's shell too, and a signal npm passes on (a service
# manager's SIGTERM to `npm run opendata -- serve`) reaches node rather than a shell that would leave it
# running.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
bundle=${OPEN_DATA_CLI_BUNDLE_DIR:-$root/node_modules/.cache/kz-az-open-data/cli}
case $bundle in
  /*) ;;
  *) bundle=$PWD/$bundle ;;
esac
export OPEN_DATA_CLI_BUNDLE_DIR="$bundle"
# Whether the bundle is current is asked in plain JavaScript first (bin/cli-bundle-current.mjs, about 0.08 s,
# which says "current" or nothing); tsx, about 0.2 s to load, only when it is to be built.
if { [ -f "$bundle/opendata.mjs" ] && [ "$(node "$root/bin/cli-bundle-current.mjs")" = current ]; } ||
  (cd "$root" && node --import tsx bin/cli-bundle.ts); then
  exec sh "$root/lambda/handlers/heap-wrapper.sh" node "$bundle/opendata.mjs" "$@"
fi
echo "opendata: running the CLI from its TypeScript source instead, through tsx" >&2
tsx=$(cd "$root" && node --input-type=module -e 'process.stdout.write(import.meta.resolve("tsx"))')
exec sh "$root/lambda/handlers/heap-wrapper.sh" node --import "$tsx" "$root/bin/opendata.ts" "$@"
