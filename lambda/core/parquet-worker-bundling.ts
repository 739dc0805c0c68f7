/**
 * The Parquet worker thread's code in a bundle (see parquet-worker-thread.ts): a bundle of its own, built from
 * `entry` (relative to the project root) into `file` beside every bundle that may start it, since loading
 * the starting bundle itself in the thread would run that bundle's top-level code a second time. The
 * stack's functions and the bench build it so.
 */
export const PARQUET_WORKER_BUNDLING = {
  entry: 'lambda/core/parquet-worker-thread.ts',
  file: 'parquet-worker.mjs',
} as const;
