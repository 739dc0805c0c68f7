import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { buildSync } from 'esbuild';
import type { CfnElement } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { encodeParquet } from '../../lambda/core/parquet.js';
import { PARQUET_WORKER_BUNDLING } from '../../lambda/core/parquet-worker-bundling.js';
import type { Column, Row } from '../../lambda/core/row-schema.js';
import { PipelineFunction } from '../../lib/pipeline-function.js';
import { cdkJsonContext, PROJECT_ROOT, testApp } from './app-fixture.js';

// Two functions bundled for real by the local esbuild, one given the Parquet worker: what each asset holds.
describe('a pipeline function given the Parquet worker', () => {
  const app = testApp({ context: cdkJsonContext(), builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'Functions');
  const make = (id: string, parquetWorker: boolean) =>
    new PipelineFunction(stack, id, {
      entry: path.join(PROJECT_ROOT, 'lambda/handlers/validate-and-publish.ts'),
      projectRoot: PROJECT_ROOT,
      description: 'test',
      environment: {},
      parquetWorker,
    });
  const withWorker = make('WithWorker', true);
  const without = make('Without', false);
  const assembly = app.synth();
  const template = assembly.getStackByName('Functions').template as {
    Resources: Record<string, { Properties: { Code?: { S3Key?: string } } }>;
  };
  const assetOf = (fn: PipelineFunction): string => {
    const logicalId = stack.getLogicalId(fn.function.node.defaultChild as CfnElement);
    const key = template.Resources[logicalId]?.Properties.Code?.S3Key ?? '';
    return path.join(assembly.directory, `asset.${key.replace(/\.zip$/, '')}`);
  };

  it("ships the worker's own bundle beside the handler's, which writes the Parquet file the main thread would", () => {
    const asset = assetOf(withWorker);
    expect(readdirSync(asset)).toEqual(
      expect.arrayContaining([
        'index.mjs',
        PARQUET_WORKER_BUNDLING.file,
        `${PARQUET_WORKER_BUNDLING.file}.map`,
      ]),
    );
    // The main thread's side, bundled into the asset beside the worker's bundle as the handler's is, and
    // loaded in a fresh process, starts the shipped worker on a spill of rows written by hand.
    const columns: Column[] = [
      { name: 'id', type: 'string', required: true, schema: {} },
      { name: 'value', type: 'number', required: false, schema: {} },
    ];
    const rows: Row[] = Array.from({ length: 3000 }, (_, i) => ({
      id: `row ${i} Қазақстан`,
      ...(i % 3 === 0 ? {} : { value: i / 7 }),
    }));
    const dir = mkdtempSync(path.join(tmpdir(), 'parquet-worker-bundle-'));
    const spill = path.join(dir, 'run.jsonl');
    writeFileSync(spill, rows.map((row) => `${JSON.stringify(row)}\n`).join(''));
    const mainSide = path.join(asset, 'probe-main.mjs');
    buildSync({
      entryPoints: [path.join(PROJECT_ROOT, 'lambda/core/parquet-worker.ts')],
      outfile: mainSide,
      bundle: true,
      platform: 'node',
      format: 'esm',
      logLevel: 'silent',
    });
    const script = path.join(dir, 'probe.mjs');
    writeFileSync(
      script,
      `const { ParquetBesideValidation } = await import(${JSON.stringify(mainSide)});
      const scratch = { reservePath: () => ${JSON.stringify(path.join(dir, 'out.parquet'))} };
      const beside = new ParquetBesideValidation(${JSON.stringify(columns)}, scratch, 'out.parquet', { startRows: 1 });
      beside.spilled(${rows.length}, { path: ${JSON.stringify(spill)}, bytes: ${statSync(spill).size} });
      const body = await beside.finish();
      console.log(JSON.stringify({ failure: beside.failure, sha256: body?.sha256, bytes: body?.bytes }));`,
    );
    const run = spawnSync(process.execPath, [script], { encoding: 'utf8' });
    rmSync(dir, { recursive: true, force: true });
    rmSync(mainSide);
    expect(run.stderr).toBe('');
    const expected = encodeParquet(columns, rows);
    expect(JSON.parse(run.stdout)).toEqual({
      sha256: createHash('sha256').update(expected).digest('hex'),
      bytes: expected.byteLength,
    });
  });

  it('leaves it out of a function without it (one vCPU), which writes Parquet on its main thread', () => {
    expect(existsSync(path.join(assetOf(without), PARQUET_WORKER_BUNDLING.file))).toBe(false);
    expect(existsSync(path.join(assetOf(without), 'index.mjs'))).toBe(true);
  });
});
