import type { ObjectStore } from '../../lambda/core/object-store.js';

/**
 * What Step Functions does around a Distributed Map's child executions, for
 * the tests (neither moto nor aws-local-stepfunctions runs a Distributed Map):
 * the ItemReader reads a JSON array from S3, each item becomes a child
 * execution's input through the ItemSelector `{"id.$": "$$.Map.Item.Value"}`,
 * and the ResultWriter writes the children's outcomes as documented in
 * "ResultWriter (Map)" of the Step Functions developer guide: under
 * `<prefix>/<map run id>/`, `SUCCEEDED_n.json` and `FAILED_n.json` (JSON arrays
 * of executions, Input and Output as JSON strings) and a `manifest.json`
 * naming each file with its size. The state's output is then
 * `{"MapRunArn": …, "ResultWriterDetails": {"Bucket": …, "Key": …manifest.json}}`.
 */
export interface DistributedMapRun {
  /** The bucket's store, with bucket keys (no prefix). */
  readonly store: ObjectStore;
  readonly bucket: string;
  /** The ItemReader's key. */
  readonly itemsKey: string;
  /** The ResultWriter's prefix, without a trailing slash. */
  readonly resultsPrefix: string;
  /** One child execution: its output, or a thrown error (the child failed). */
  readonly child: (input: { readonly id: string }) => Promise<unknown>;
  /** Children run at once (MaxConcurrency). */
  readonly maxConcurrency: number;
  /**
   * Executions per result file. Step Functions starts a new file at 5 GB; a small value makes a
   * test read several files.
   */
  readonly entriesPerFile?: number;
  /** Names the Map Run (the last part of its ARN and the results folder). */
  readonly mapRunId?: string;
}

/** The Map state's output when its results are written to S3. */
export interface DistributedMapOutput {
  readonly MapRunArn: string;
  readonly ResultWriterDetails: { readonly Bucket: string; readonly Key: string };
}

const JSON_META = { contentType: 'application/json', cacheControl: 'no-store' } as const;

/** Runs a Distributed Map the way Step Functions would, as far as its inputs and outputs in S3 go. */
export async function runDistributedMap(run: DistributedMapRun): Promise<DistributedMapOutput> {
  const stored = await run.store.get(run.itemsKey);
  if (stored === undefined) throw new Error(`States.ItemReaderFailed: ${run.itemsKey} does not exist`);
  const items = JSON.parse(new TextDecoder().decode(stored.body)) as unknown;
  if (!Array.isArray(items)) throw new Error(`States.ItemReaderFailed: ${run.itemsKey} is not a JSON array`);

  const mapRunId = run.mapRunId ?? '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
  const mapRunArn = `arn:aws:states:us-east-1:123456789012:mapRun:publishing/Publish-each-dataset:${mapRunId}`;
  const executions: Record<string, unknown>[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      const input = { id: items[index] as string };
      const common = {
        ExecutionArn: `arn:aws:states:us-east-1:123456789012:execution:publishing/Publish-each-dataset:${index}`,
        Input: JSON.stringify(input),
        InputDetails: { Included: true },
        Name: `${index}`,
        StartDate: '2026-03-01T12:00:00.000Z',
        StateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:publishing/Publish-each-dataset',
        StopDate: '2026-03-01T12:00:01.000Z',
        RedriveCount: 0,
      };
      try {
        const output = await run.child(input);
        executions[index] = {
          ...common,
          Output: JSON.stringify(output),
          OutputDetails: { Included: true },
          Status: 'SUCCEEDED',
        };
      } catch (error) {
        const failure = error instanceof Error ? error : new Error(String(error));
        executions[index] = {
          ...common,
          Error: failure.name,
          Cause: JSON.stringify({ errorType: failure.name, errorMessage: failure.message }),
          Status: 'FAILED',
        };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, run.maxConcurrency) }, worker));

  const folder = `${run.resultsPrefix}/${mapRunId}/`;
  const perFile = run.entriesPerFile ?? Number.POSITIVE_INFINITY;
  const files: Record<'SUCCEEDED' | 'FAILED' | 'PENDING', { Key: string; Size: number }[]> = {
    FAILED: [],
    PENDING: [],
    SUCCEEDED: [],
  };
  for (const status of ['SUCCEEDED', 'FAILED'] as const) {
    const matching = executions.filter((execution) => execution.Status === status);
    for (let start = 0; start < matching.length; start += perFile) {
      const key = `${folder}${status}_${files[status].length}.json`;
      const body = new TextEncoder().encode(JSON.stringify(matching.slice(start, start + perFile)));
      await run.store.put(key, body, JSON_META);
      files[status].push({ Key: key, Size: body.byteLength });
    }
  }
  const manifestKey = `${folder}manifest.json`;
  const manifest = { DestinationBucket: run.bucket, MapRunArn: mapRunArn, ResultFiles: files };
  await run.store.put(manifestKey, new TextEncoder().encode(JSON.stringify(manifest)), JSON_META);
  return { MapRunArn: mapRunArn, ResultWriterDetails: { Bucket: run.bucket, Key: manifestKey } };
}
