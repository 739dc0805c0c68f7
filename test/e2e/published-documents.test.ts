import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Ajv } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../lambda/core/canonical.js';
import type { Catalog } from '../../lambda/core/catalog.js';
import {
  cli,
  makeWorkspace,
  readJson,
  REPO_ROOT,
  STANDARDS_DIR,
  treeDigest,
  publishWorkspace,
} from '../support/workspace.js';

let out: string;
let files: string[];

beforeAll(async () => {
  const ws = await makeWorkspace();
  await publishWorkspace(ws);
  out = ws.out;
  files = Object.keys(await treeDigest(out));
});

async function projectValidator(schemaFile: string) {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats.default(ajv);
  return ajv.compile(await readJson(path.join(REPO_ROOT, 'schemas', schemaFile)));
}

describe('published documents', () => {
  it('catalog.json matches schemas/catalog.schema.json and every contract field', async () => {
    const validate = await projectValidator('catalog.schema.json');
    const catalog = await readJson<Catalog>(path.join(out, 'catalog.json'));

    expect(validate(catalog), JSON.stringify(validate.errors)).toBe(true);
    const version = catalog.datasets.find((dataset) => dataset.id === 'trade')?.versions[0];
    expect(version).toMatchObject({ version: '1.0.0', change: 'initial', rows: 16 });
    expect(version?.distributions.find((distribution) => distribution.format === 'csv')).toMatchObject({
      mediaType: 'text/csv',
      path: 'datasets/trade/1.0.0/trade.csv',
    });
  });

  it('every catalog distribution states the real byte count and sha256', async () => {
    const catalog = await readJson<Catalog>(path.join(out, 'catalog.json'));
    const distributions = catalog.datasets.flatMap((dataset) =>
      dataset.versions.flatMap((version) => version.distributions),
    );

    expect(distributions.length).toBeGreaterThan(0);
    for (const distribution of distributions) {
      const bytes = await readFile(path.join(out, distribution.path));
      expect(bytes.byteLength, distribution.path).toBe(distribution.bytes);
      expect(sha256Hex(bytes), distribution.path).toBe(distribution.sha256);
    }
  });

  it('each validation.json matches schemas/validation-report.schema.json', async () => {
    const validate = await projectValidator('validation-report.schema.json');
    const reports = files.filter((file) => file.endsWith('/validation.json'));

    expect(reports.length).toBeGreaterThan(0);
    for (const file of reports) {
      const report = await readJson(path.join(out, file));
      expect(validate(report), `${file}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });

  it('validate --format json prints a document matching schemas/validation-report.schema.json', async () => {
    const validate = await projectValidator('validation-report.schema.json');
    const ws = await makeWorkspace();

    const { code, stdout } = await cli(
      'validate',
      '--data',
      ws.data,
      '--schemas',
      ws.schemas,
      '--format',
      'json',
    );

    expect(code).toBe(0);
    const document: unknown = JSON.parse(stdout);
    expect(validate(document), JSON.stringify(validate.errors)).toBe(true);
    expect(document).toMatchObject({ valid: true });
  });

  it('datapackage.json lists each data file with its real bytes and hash', async () => {
    const packages = files.filter((file) => file.endsWith('/datapackage.json'));

    for (const file of packages) {
      const pkg = await readJson<{ resources: { path: string; bytes: number; hash: string }[] }>(
        path.join(out, file),
      );
      for (const resource of pkg.resources) {
        const bytes = await readFile(path.join(out, path.dirname(file), resource.path));
        expect(resource.bytes).toBe(bytes.byteLength);
        expect(resource.hash).toBe(`sha256:${sha256Hex(bytes)}`);
      }
    }
  });
});

describe.skipIf(STANDARDS_DIR === undefined)('Frictionless Data Package v2 conformance', () => {
  it('every datapackage.json is valid against the official profile', async () => {
    // The profiles are draft-07 and use editor hints (`format: textarea`) that carry no constraint.
    const ajv = new Ajv({ strict: false, allErrors: true, formats: { textarea: true } });
    addFormats.default(ajv);
    const validate = ajv.compile(
      await readJson(path.join(STANDARDS_DIR ?? '', 'frictionless', 'datapackage.json')),
    );
    const packages = files.filter((file) => file.endsWith('/datapackage.json'));

    expect(packages.length).toBeGreaterThan(0);
    for (const file of packages) {
      const pkg = await readJson<{ $schema: string }>(path.join(out, file));
      expect(pkg.$schema).toBe('https://datapackage.org/profiles/2.0/datapackage.json');
      expect(validate(pkg), `${file}: ${JSON.stringify(validate.errors, null, 2)}`).toBe(true);
    }
  });
});

if (STANDARDS_DIR === undefined) {
  console.warn(
    'Skipping Frictionless conformance: standards not found (set OPEN_DATA_STANDARDS_DIR, default ../shared/standards).',
  );
}
