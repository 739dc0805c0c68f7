/**
 * A publisher that dies for real: run by the model and the kill tests (bundled, with plain `node`)
 * with one JSON argument, a {@link ChildRequest}. It publishes folder A to a directory through a
 * {@link CrashingStore} that SIGKILLs this process at the requested store operation, mid-write
 * where the operation writes. Exits 0 if the run needed fewer operations.
 */
import { publishDatasets } from '../../lambda/core/pipeline.js';
import { LocalDirectoryStore } from '../../lambda/store/local-directory.js';
import { CrashingStore } from '../support/crashing-store.js';
import { sourceLocation } from '../support/local-sources.js';

/** What the child publisher is told (one JSON argument). */
export interface ChildRequest {
  /** The folder holding `data/` and `schemas/`. */
  readonly folder: string;
  /** The published tree (a directory). */
  readonly out: string;
  /** Where the run's scratch files go. */
  readonly scratchParent: string;
  /** The store operation at which the process kills itself. */
  readonly crashAt?: number;
  /** Or: the process kills itself at the first write to a key matching this pattern. */
  readonly crashOnWrite?: string;
  /** The run's publish time, ISO 8601. */
  readonly now: string;
}

const request = JSON.parse(process.argv[2] ?? '{}') as ChildRequest;
const store = new CrashingStore(new LocalDirectoryStore(request.out), {
  ...(request.crashAt === undefined ? {} : { crashAt: request.crashAt }),
  ...(request.crashOnWrite === undefined ? {} : { crashOnWrite: new RegExp(request.crashOnWrite) }),
  mode: 'kill',
});
await publishDatasets({
  source: sourceLocation(request.folder),
  store,
  now: new Date(request.now),
  scratchParent: request.scratchParent,
});
process.stdout.write(`completed after ${store.operations} store operations\n`);
