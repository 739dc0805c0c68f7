import { existsSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { appendFile, mkdir, readFile, rename, rm, truncate, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSiteServer } from '../../bin/site-server.js';
import type { Catalog } from '../../lambda/core/catalog.js';
import {
  cli,
  datasetIds,
  makeWorkspace,
  readJson,
  REPO_ROOT,
  publishWorkspace,
  treeDigest,
} from '../support/workspace.js';

const run = promisify(execFile);

describe('validate', () => {
  it('prints one line per valid dataset and exits 0', async () => {
    const ws = await makeWorkspace();

    const { code, stdout, stderr } = await cli(
      'validate',
      'trade',
      'visits',
      '--data',
      ws.data,
      '--schemas',
      ws.schemas,
    );

    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^trade: valid \(16 rows\)\ntrade: 2 rules checked: 1 held, 1 flagged conflict \(turnover-2018-base-plus-increase-2019\)\nvisits: valid \(\d+ rows\)$/,
    );
    expect(stderr).toBe('');
  });

  it('prints file:line:column errors and exits 1, writing nothing', async () => {
    const ws = await makeWorkspace();
    const file = path.join(ws.data, 'trade.csv');
    await writeFile(file, (await readFile(file, 'utf8')).replace(',2002,turnover,', ',20O2,turnover,'));

    const { code, stdout, stderr } = await cli(
      'validate',
      'trade',
      '--data',
      ws.data,
      '--schemas',
      ws.schemas,
    );

    expect(code).toBe(1);
    expect(stderr).toBe(`${ws.data}/trade.csv:3:2: [type-error] year: "20O2" is not an integer`);
    expect(stdout).toBe(
      'trade: invalid, 1 issue\ntrade: 2 rules checked: 1 held, 1 flagged conflict (turnover-2018-base-plus-increase-2019)',
    );
  });

  it('counts every issue, also those a capped report leaves out, in validate and publish', async () => {
    const ws = await makeWorkspace();
    const file = path.join(ws.data, 'trade.csv');
    const [header = '', first = ''] = (await readFile(file, 'utf8')).split('\n');
    const bad = Array.from({ length: 1500 }, (_, i) =>
      first.replace('turnover-2001-series', `t${i}`).replace(',2001,', ',20O1,'),
    );
    await writeFile(file, `${[header, ...bad].join('\n')}\n`);
    const options = ['trade', '--data', ws.data, '--schemas', ws.schemas] as const;

    const validate = await cli('validate', ...options);
    const publish = await cli('publish', ...options, '--out', ws.out);

    // 1500 type errors, and the 6 row selectors of trade's two declared rules, which find no row now.
    expect(validate.stdout).toBe(
      'trade: invalid, 1506 issues (only the first ones are listed)\ntrade: 2 rules checked: 2 failed (exports-plus-imports-2019, turnover-2018-base-plus-increase-2019)',
    );
    expect(publish.stdout).toMatch(/^trade +rejected: 1506 issues \(only the first ones are listed\)/m);
    expect(validate.stderr.split('\n').length).toBeLessThan(1500);
  });

  it('warns of a CSV that no descriptor names, which is neither validated nor published', async () => {
    const ws = await makeWorkspace();
    await rename(path.join(ws.data, 'visits.dataset.json'), path.join(ws.data, 'visits.Dataset.json'));

    for (const command of ['validate', 'publish']) {
      const args = [
        command,
        '--data',
        ws.data,
        '--schemas',
        ws.schemas,
        ...(command === 'publish' ? ['--out', ws.out] : []),
      ];
      const { code, stdout, stderr } = await cli(...args);

      expect(code, stderr).toBe(0);
      expect(stderr.split('\n').filter((line) => line.includes('has no descriptor'))).toEqual([
        `opendata: warning: ${ws.data}/visits.csv has no descriptor ${ws.data}/visits.dataset.json, so it is neither validated nor published (visits.Dataset.json differs only in letter case: file names are case-sensitive)`,
      ]);
      expect(stdout).not.toMatch(/^visits/m);
    }
  });

  it('reports a dataset id with no descriptor as a usage error listing the datasets', async () => {
    const ws = await makeWorkspace();

    const { code, stderr } = await cli('validate', 'nosuch', '--data', ws.data, '--schemas', ws.schemas);

    expect(code).toBe(2);
    expect(stderr).toContain(
      `opendata: unknown dataset "nosuch": there is no ${ws.data}/nosuch.dataset.json; the datasets are ${await datasetIds(ws.data)}`,
    );
  });

  it('reports the missing files of a dataset that has its descriptor', async () => {
    const ws = await makeWorkspace();
    await rm(path.join(ws.data, 'trade.csv'));

    const { code, stderr } = await cli('validate', 'trade', '--data', ws.data, '--schemas', ws.schemas);

    expect(code).toBe(1);
    expect(stderr).toContain(
      `${ws.data}/trade.csv: [file-missing] the CSV file of dataset "trade" is missing`,
    );
  });

  it('says a missing site.json as every other issue is said, without a position in a file that is not there', async () => {
    const ws = await makeWorkspace();
    await rm(path.join(ws.data, 'site.json'));

    const { code, stderr } = await publishWorkspace(ws);

    expect(code).not.toBe(0);
    expect(stderr).toBe(`opendata: ${ws.data}/site.json: [file-missing] the site metadata file is missing`);
  });

  it('refuses an id that could escape the data folder before reading anything', async () => {
    const ws = await makeWorkspace();

    const { code, stderr } = await cli(
      'validate',
      '../schemas/trade',
      '--data',
      ws.data,
      '--schemas',
      ws.schemas,
    );

    // A command-line mistake, as an unknown id is (exit 2), said without a file it could not name.
    expect(code).toBe(2);
    expect(stderr.split('\n')[0]).toBe(
      `opendata: "../schemas/trade" is not a valid dataset id: its 1st character, "." (U+002E), is not a lowercase letter; use a lowercase letter followed by up to 62 lowercase letters, digits or hyphens; the datasets are ${await datasetIds(ws.data)}`,
    );
  });
});

describe('usage errors exit 2', () => {
  it.each([
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['validate', '--format', 'xml'], '--format must be text or json, not "xml"'],
    [['validate', '--nope'], 'unknown option --nope for validate'],
    [['publish', '--out', 'x', '--bucket', 'b'], 'use either --out or --bucket, not both'],
    [['publish', '--prefix', 'p'], '--prefix and --endpoint only apply with --bucket'],
    [['publish', '--bucket', 'b', '--prefix', '../site'], '--prefix "../site" has a ".." segment'],
    [['publish', '--bucket', 'b', '--prefix', 'a//b'], '--prefix "a//b" has an empty segment'],
    [
      ['publish', '--bucket', 'b', '--prefix', '%2e%2e/site'],
      '--prefix "%2e%2e/site" contains a percent-escape',
    ],
    [['publish', '--bucket', 'b', '--prefix', 'a\nb'], '--prefix "a\\nb" contains a control character'],
    // Refused, not read as the bucket's root or as "site": the keys written are the ones the prefix says.
    [['publish', '--bucket', 'b', '--prefix', '/'], '--prefix "/" is the bucket\'s root: leave --prefix out'],
    [['publish', '--bucket', 'b', '--prefix', 'site//'], '--prefix "site//" ends with more than one "/"'],
    [
      ['publish', '--bucket', 'b', '--prefix', 'si\u200bte'],
      'contains U+200B, which does not show as itself',
    ],
    [
      ['publish', '--bucket', 'b', '--prefix', 'si\ufffdte'],
      'contains U+FFFD, the character that stands for',
    ],
    // A data folder that is not there, or a file, was said to hold no datasets.
    [['validate', '--data', '/no/such/data'], 'no data folder /no/such/data: give --data DIR'],
    [
      ['validate', '--data', '/dev/null'],
      '/dev/null is not a folder: give --data the folder that holds the datasets',
    ],
    [
      ['publish', '--out', 'x', '--connect-timeout-ms', '5'],
      '--connect-timeout-ms only applies with --bucket: a folder has no server to wait for',
    ],
    [
      ['publish', '--idle-timeout-ms=9', '--connect-timeout-ms', '5'],
      '--connect-timeout-ms and --idle-timeout-ms only apply with --bucket: a folder has no server to wait for',
    ],
    [
      ['publish', '--idle-timeout-ms', '0'],
      '--idle-timeout-ms must be a whole number from 1 to 2147483647, not "0"',
    ],
    [['publish', '--base-url', 'data.example.org'], '--base-url must be an http(s) URL'],
    [['verify'], 'verify takes one directory or base URL'],
    [['verify', ''], 'verify takes one directory or base URL'],
    [
      ['verify', 'file:///srv/site'],
      'verify reads a folder or an http(s) URL, not a file: URL (for a local tree give its folder: "/srv/site")',
    ],
    [['verify', 'ftp://example.org/site'], 'verify reads a folder or an http(s) URL, not a ftp: URL\n'],
    [
      ['verify', 'public/catalog.json'],
      'verify takes the folder that holds catalog.json, not the file: "public"',
    ],
    [['serve', '--port', 'eighty'], '--port must be a port number'],
  ])('%j', async (args, message) => {
    const { code, stderr } = await cli(...args);

    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stderr).toMatch(/Run "npm run opendata -- (\w+ )?--help" for usage\.$/);
  });

  it('shows help with --help and exits 0', async () => {
    const { code, stdout } = await cli('--help');

    expect(code).toBe(0);
    expect(stdout).toContain('Usage: npm run opendata -- <command> [options]');
  });
});

describe('verify', () => {
  async function published() {
    const ws = await makeWorkspace();
    await publishWorkspace(ws);
    return ws.out;
  }

  it('passes on a fresh tree', async () => {
    const out = await published();

    const { code, stdout } = await cli('verify', out);

    expect(code).toBe(0);
    expect(stdout).toMatch(/^verify: ok, \d+ files match the catalog$/);
  });

  it.each([
    [
      'a corrupted byte',
      async (file: string) => {
        const bytes = await readFile(file);
        bytes[10] = (bytes[10] ?? 0) ^ 0x01;
        await writeFile(file, bytes);
      },
      /trade\.csv: has sha256 [0-9a-f]{64}; the catalog says [0-9a-f]{64}/,
    ],
    [
      'a truncated file',
      (file: string) => truncate(file, 100),
      /trade\.csv: has 100 bytes; the catalog says \d+/,
    ],
    ['a missing file', (file: string) => rm(file), /trade\.csv: is listed in the catalog but missing/],
    [
      'an appended byte',
      (file: string) => appendFile(file, 'x'),
      /trade\.csv: has \d+ bytes; the catalog says \d+/,
    ],
  ])('catches %s and exits 1', async (_name, damage, message) => {
    const out = await published();
    await damage(path.join(out, 'datasets/trade/1.0.0/trade.csv'));

    const { code, stdout, stderr } = await cli('verify', out);

    expect(code).toBe(1);
    expect(stderr).toMatch(message);
    expect(stderr).toContain(`${out}/datasets/trade/1.0.0/trade.csv`);
    expect(stdout).toMatch(/^verify: \d+ problems? in \d+ files checked$/);
  });

  it('catches a catalog entry with a wrong hash', async () => {
    const out = await published();
    const catalog = await readJson<{ datasets: { versions: { distributions: { sha256: string }[] }[] }[] }>(
      path.join(out, 'catalog.json'),
    );
    const first = catalog.datasets[0]?.versions[0]?.distributions[0];
    if (first === undefined) throw new Error('empty catalog');
    first.sha256 = '0'.repeat(64);
    await writeFile(path.join(out, 'catalog.json'), JSON.stringify(catalog));

    const { code, stderr } = await cli('verify', out);

    expect(code).toBe(1);
    expect(stderr).toContain(`the catalog says ${'0'.repeat(64)}`);
  });

  it('says so when there is no catalog', async () => {
    const ws = await makeWorkspace();
    await mkdir(ws.out);

    const { code, stderr } = await cli('verify', ws.out);

    expect(code).toBe(1);
    expect(stderr).toContain('catalog.json: is missing: nothing has been published here');
  });

  // A mistyped folder was said as a site with nothing published in it.
  it('says a folder that is not there, or a file, is no folder, as a usage error', async () => {
    const ws = await makeWorkspace();
    const missing = path.join(ws.root, 'no-such-site');
    const file = path.join(ws.data, 'trade.csv');

    expect(await cli('verify', missing)).toMatchObject({ code: 2 });
    expect((await cli('verify', missing)).stderr).toContain(`verify ${missing}: no such folder`);
    expect((await cli('verify', file)).stderr).toContain(
      `verify ${file}: not a folder; give the folder that holds catalog.json`,
    );
  });
});

describe('serve and verify over HTTP', () => {
  let out: string;
  let base: string;
  let server: ReturnType<typeof createSiteServer>;

  beforeAll(async () => {
    const ws = await makeWorkspace();
    await publishWorkspace(ws);
    out = ws.out;
    server = createSiteServer(out);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('serves versioned files as immutable and mutable files for five minutes, with content types and CORS', async () => {
    const versioned = await fetch(`${base}/datasets/trade/1.0.0/trade.csv`);
    const latest = await fetch(`${base}/datasets/trade/latest/trade.json`);
    const catalog = await fetch(`${base}/catalog.json`);

    expect(versioned.status).toBe(200);
    expect(versioned.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(versioned.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(versioned.headers.get('access-control-allow-origin')).toBe('*');
    expect(latest.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(latest.headers.get('cache-control')).toBe('public, max-age=300');
    expect(catalog.headers.get('cache-control')).toBe('public, max-age=300');
    expect(Buffer.from(await versioned.arrayBuffer())).toEqual(
      await readFile(path.join(out, 'datasets/trade/1.0.0/trade.csv')),
    );
  });

  it('answers byte ranges and CORS preflights', async () => {
    const range = await fetch(`${base}/datasets/trade/1.0.0/trade.csv`, { headers: { Range: 'bytes=0-1' } });
    const preflight = await fetch(`${base}/catalog.json`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://example.org', 'Access-Control-Request-Headers': 'range' },
    });

    expect(range.status).toBe(206);
    expect(await range.text()).toBe('id');
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toBe('Range');
    expect(preflight.headers.get('access-control-allow-methods')).toBe('GET, HEAD');
  });

  it('answers 404 for missing files and 405 for writes', async () => {
    expect((await fetch(`${base}/datasets/nosuch/latest/x.csv`)).status).toBe(404);
    expect((await fetch(`${base}/catalog.json`, { method: 'PUT', body: '{}' })).status).toBe(405);
  });

  it('verify checks a tree by its base URL', async () => {
    const { code, stdout } = await cli('verify', `${base}/`);
    const catalog = await readJson<Catalog>(path.join(out, 'catalog.json'));

    expect(code).toBe(0);
    expect(stdout).toContain('verify: ok');
    expect(catalog.datasets.length).toBeGreaterThan(0);
  });
});

describe('as a process', () => {
  it('npm run opendata exits with the contract codes', async () => {
    const ws = await makeWorkspace();
    const opendata = (...args: string[]) =>
      run('node', ['--import', 'tsx', 'bin/opendata.ts', ...args], { cwd: REPO_ROOT }).then(
        () => 0,
        (error: { code: number }) => error.code,
      );

    expect(await opendata('validate', '--data', ws.data, '--schemas', ws.schemas)).toBe(0);
    await writeFile(path.join(ws.data, 'trade.csv'), 'not,the,header\n');
    expect(await opendata('validate', '--data', ws.data, '--schemas', ws.schemas)).toBe(1);
    expect(await opendata('validate', '--format', 'yaml')).toBe(2);
  });
});

describe('operational errors', () => {
  it('reports a corrupt published catalog as a message and exit 1, not a stack trace', async () => {
    const ws = await makeWorkspace();
    await publishWorkspace(ws, 'trade');
    await writeFile(path.join(ws.out, 'catalog.json'), '{');

    const { code, stderr } = await publishWorkspace(ws, 'trade');

    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^opendata: catalog\.json:1:2 in the published tree: is not valid JSON: .+; restore it from a copy .+, then run verify$/,
    );
  });

  it('checks the published catalog against its schema before publishing, naming the value that is wrong', async () => {
    const ws = await makeWorkspace();
    expect((await publishWorkspace(ws, 'trade')).code).toBe(0);
    const file = path.join(ws.out, 'catalog.json');
    const published = await readFile(file, 'utf8');

    for (const [edited, named] of [
      [published.replace(/"rows": (\d+)/, '"rows": "$1"'), '/datasets/0/versions/0/rows must be integer'],
      [
        published.replace(/^\{/, '{\n  "baseUrl": "javascript:alert(1)//",'),
        '/baseUrl must match pattern "^https?://[^?#]*/$"',
      ],
    ] as const) {
      expect(edited).not.toBe(published);
      await writeFile(file, edited);

      const { code, stderr } = await publishWorkspace(ws, 'trade');

      expect(code, stderr).toBe(1);
      expect(stderr).toContain(
        `opendata: catalog.json in the published tree does not match schemas/catalog.schema.json: ${named}`,
      );
      expect(stderr).not.toContain('a bug');
      expect(await readFile(file, 'utf8')).toBe(edited);
    }
  });

  it('refuses a catalog listing a dataset or a version twice: verify fails, publish writes nothing', async () => {
    const ws = await makeWorkspace();
    expect((await publishWorkspace(ws, 'trade')).code).toBe(0);
    const csv = path.join(ws.data, 'trade.csv');
    const rows = await readFile(csv, 'utf8');
    await writeFile(csv, rows.replace('One item', 'One  item'));
    expect((await publishWorkspace(ws, 'trade')).stdout).toContain('trade  published 1.0.1');
    const file = path.join(ws.out, 'catalog.json');
    const catalog = await readJson<Catalog>(file);
    const [trade] = catalog.datasets;
    if (trade === undefined) throw new Error('nothing published');
    await writeFile(csv, rows.replace('One item', 'One   item'));

    for (const [datasets, named] of [
      // A second entry holding only the newest version: a publish kept that one alone and dropped 1.0.0.
      [
        [trade, { ...trade, versions: trade.versions.slice(0, 1) }],
        'lists dataset "trade" twice (/datasets/0 and /datasets/1): each dataset is listed once, with every version it has',
      ],
      [
        Array.from({ length: 5000 }, () => trade),
        'lists dataset "trade" 5000 times (/datasets/0, /datasets/1, …): each dataset is listed once, with every version it has',
      ],
      [
        [{ ...trade, versions: [...trade.versions, ...trade.versions.slice(0, 1)] }],
        'lists version 1.0.1 of dataset "trade" twice (/datasets/0/versions/0 and /datasets/0/versions/2): each version is listed once',
      ],
      [
        [{ ...trade, latest: '1.0.0' }],
        'dataset "trade" names 1.0.0 as its latest version, but lists a later one, 1.0.1 (/datasets/0/versions/0)',
      ],
    ] as const) {
      await writeFile(file, `${JSON.stringify({ ...catalog, datasets }, null, 2)}\n`);
      const before = await treeDigest(ws.out);

      const verified = await cli('verify', ws.out);
      const published = await publishWorkspace(ws, 'trade');

      expect(verified.code).toBe(1);
      expect(verified.stderr).toBe(`${file}: ${named}`);
      expect(published.code, published.stderr).toBe(1);
      expect(published.stderr).toBe(
        `opendata: catalog.json in the published tree ${named}; put that right in it, or restore it from a copy (a backup, or the bucket's version history on S3), then run verify`,
      );
      expect(await treeDigest(ws.out)).toEqual(before);
    }
  });

  it('refuses to publish into the data or schemas folder, or onto a file, before writing anything', async () => {
    const ws = await makeWorkspace();
    const before = await readFile(path.join(ws.data, 'trade.csv'), 'utf8');

    for (const [out, said] of [
      [ws.data, `--out ${ws.data} is the data folder (${ws.data})`],
      [`${ws.schemas}/`, `--out ${ws.schemas}/ is the schemas folder (${ws.schemas})`],
      [path.join(ws.data, 'trade.csv'), `--out ${path.join(ws.data, 'trade.csv')} is a file, not a folder`],
    ] as const) {
      const { code, stderr } = await cli('publish', '--data', ws.data, '--schemas', ws.schemas, '--out', out);

      expect(code).toBe(2);
      expect(stderr).toContain(`opendata: ${said}`);
    }
    expect(await readFile(path.join(ws.data, 'trade.csv'), 'utf8')).toBe(before);
    expect(existsSync(path.join(ws.data, 'catalog.json'))).toBe(false);
    expect(existsSync(path.join(ws.schemas, 'catalog.json'))).toBe(false);

    // A folder inside the data folder is a tree of its own: the data folder's own files are all that is read.
    const inside = await cli(
      'publish',
      'trade',
      '--data',
      ws.data,
      '--schemas',
      ws.schemas,
      '--out',
      path.join(ws.data, 'public'),
    );
    expect(inside.code, inside.stderr).toBe(0);
    expect((await cli('validate', '--data', ws.data, '--schemas', ws.schemas)).code).toBe(0);
  });

  it('names the scratch folder it cannot use, exits 1 and publishes nothing', async () => {
    const ws = await makeWorkspace();
    const missing = path.join(ws.root, 'no-such-folder');
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = missing; // where os.tmpdir() points, and so where scratch files would go
    let result: Awaited<ReturnType<typeof publishWorkspace>>;
    try {
      result = await publishWorkspace(ws, 'trade');
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`opendata: could not create a scratch folder in ${missing} (ENOENT`);
    expect(result.stderr).toContain('set TMPDIR to a folder with room');
    expect(existsSync(path.join(ws.out, 'catalog.json'))).toBe(false);
  });

  it('refuses to compare with a damaged previous version: names the file, exits 1, adds no version', async () => {
    const ws = await makeWorkspace();
    await publishWorkspace(ws, 'trade');
    const previous = path.join(ws.out, 'datasets/trade/1.0.0/trade.json');
    await truncate(previous, (await readFile(previous)).byteLength - 200);
    const csv = await readFile(path.join(ws.data, 'trade.csv'), 'utf8');
    // A change to a note (a number would also have to change in its quote, or provenance refuses the row).
    await writeFile(
      path.join(ws.data, 'trade.csv'),
      csv.replace("One item of the paper's", "An item of the paper's"),
    );
    const catalogBefore = await readFile(path.join(ws.out, 'catalog.json'), 'utf8');

    const { code, stderr } = await publishWorkspace(ws, 'trade');

    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^opendata: datasets\/trade\/1\.0\.0\/trade\.json in the published tree is not the JSON it should be \(.+\); the changes of a new version are worked out from it, so nothing was published: restore it from a copy \(a backup, or the bucket's version history on S3\), then run verify and publish again$/,
    );
    expect(await readFile(path.join(ws.out, 'catalog.json'), 'utf8')).toBe(catalogBefore);
    expect(existsSync(path.join(ws.out, 'datasets/trade/1.0.1'))).toBe(false);
  });
});
