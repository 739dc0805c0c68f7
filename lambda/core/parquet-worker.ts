/**
 * The Parquet encoder on a thread of its own, started by `parquet-thread.ts`: it takes a table's rows
 * as the JSON lines of the spill, one batch a message, parses and encodes them, and answers each
 * message with the row groups it completed (moved, not copied). Messages are handled one at a time, in
 * order, so the answers come back in the order of the file.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ParquetEncoder } from './parquet.js';
import type { FromParquetThread, ParquetThreadSetup, ToParquetThread } from './parquet-thread.js';
import { parseRow } from './row-source.js';

const port = parentPort;
if (port === null) throw new Error('parquet-worker runs as a worker thread started by parquet-thread.ts');
const { columns, rowGroupRows } = workerData as ParquetThreadSetup;
const encoder = new ParquetEncoder(columns, rowGroupRows);

function answer(reply: FromParquetThread): void {
  port?.postMessage(
    reply,
    reply.groups.map((group) => group.buffer as ArrayBuffer),
  );
}

port.on('message', (message: ToParquetThread) => {
  if (message.kind === 'rows') {
    const groups: Uint8Array[] = [];
    const lines = message.lines.split('\n');
    // Each line ends with `\n`: the piece after the last is empty.
    for (let index = 0; index < lines.length - 1; index++) {
      const group = encoder.add(parseRow(lines[index] as string));
      if (group !== undefined) groups.push(group);
    }
    answer({ kind: 'rows', groups });
  } else {
    answer({ kind: 'end', groups: [encoder.finish()], rows: encoder.rows });
  }
});
