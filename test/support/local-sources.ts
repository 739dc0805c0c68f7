import path from 'node:path';
import type { SourceLocation } from '../../lambda/core/sources.js';
import type { CuratedSources } from '../../lambda/core/uploads.js';
import { LocalDirectoryStore } from '../../lambda/store/local-directory.js';

/** The source location of a folder holding `data/` and `schemas/`, as the CLI builds it. */
export function sourceLocation(folder: string): SourceLocation {
  return {
    data: new LocalDirectoryStore(path.join(folder, 'data')),
    schemas: new LocalDirectoryStore(path.join(folder, 'schemas')),
    dataLabel: 'data',
    schemasLabel: 'schemas',
  };
}

/** What the Lambda steps read, over a local folder: its `data/` and `schemas/`, and uploads in `incoming/`. */
export function curatedSources(folder: string): CuratedSources {
  return {
    location: sourceLocation(folder),
    uploads: { store: new LocalDirectoryStore(path.join(folder, 'incoming')), label: 'incoming' },
  };
}
