import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Catalog } from '../../lambda/core/catalog.js';
import { cli, makeWorkspace, publishWorkspace, readJson } from '../support/workspace.js';

const REASON = 'Corrected the 2001 turnover after re-reading the paper <p. 3>';

// Edits change a row's note, not a number: a number must stay one its quote states (provenance is checked).
const NOTE = "One item of the paper's";
const NOTE_EDITED = "An item of the paper's";
const NOTE_EDITED_AGAIN = "A single item of the paper's";

async function editCsv(ws: { data: string }, from: string, to: string): Promise<void> {
  const file = path.join(ws.data, 'trade.csv');
  const text = await readFile(file, 'utf8');
  if (!text.includes(from)) throw new Error(`${from} not in trade.csv`);
  await writeFile(file, text.replace(from, to));
}

async function setChangeMessage(ws: { data: string }, message: string): Promise<void> {
  const file = path.join(ws.data, 'trade.dataset.json');
  const descriptor = await readJson<Record<string, unknown>>(file);
  await writeFile(file, `${JSON.stringify({ ...descriptor, changeMessage: message }, null, 2)}\n`);
}

/** Where a version's message shows: its changes.json, its catalog entry, the dataset page and the feed. */
async function shown(out: string, version: string) {
  const changes = await readJson<{ message?: string }>(
    path.join(out, `datasets/trade/${version}/changes.json`),
  );
  const catalog = await readJson<Catalog>(path.join(out, 'catalog.json'));
  return {
    changes: changes.message,
    catalog: catalog.datasets.find((d) => d.id === 'trade')?.versions.find((v) => v.version === version)
      ?.message,
    page: await readFile(path.join(out, 'datasets/trade/index.html'), 'utf8'),
    feed: await readFile(path.join(out, 'feed.xml'), 'utf8'),
  };
}

const ESCAPED = REASON.replace('<', '&lt;').replace('>', '&gt;');

describe("a curator's reason for a change", () => {
  it('given with --message appears in changes.json, the catalog, the page changelog, the feed and the run', async () => {
    const ws = await makeWorkspace();
    await publishWorkspace(ws, 'trade');
    await editCsv(ws, NOTE, NOTE_EDITED);

    const { code, stdout } = await publishWorkspace(ws, 'trade', '--message', REASON);

    expect(code).toBe(0);
    expect(stdout).toMatch(/^trade +published 1\.0\.1 \(patch, \d+ rows\)$/m);
    expect(stdout).toMatch(/^ +rows: 1 changed \(year=2001 id=turnover-2001-series\)$/m);
    expect(stdout).toContain(`why: ${REASON}`);
    const where = await shown(ws.out, '1.0.1');
    expect(where.changes).toBe(REASON);
    expect(where.catalog).toBe(REASON);
    expect(where.page).toContain(`<li class="message">Why: ${ESCAPED}</li>`);
    expect(where.feed).toContain(`<summary>${ESCAPED} — patch release:`);
  });

  it('in the descriptor goes with the next version only, and alone publishes nothing', async () => {
    const ws = await makeWorkspace();
    await publishWorkspace(ws, 'trade');
    await setChangeMessage(ws, REASON);

    const alone = await publishWorkspace(ws, 'trade');
    await editCsv(ws, NOTE, NOTE_EDITED);
    const first = await publishWorkspace(ws, 'trade');
    await editCsv(ws, NOTE_EDITED, NOTE_EDITED_AGAIN);
    const second = await publishWorkspace(ws, 'trade');
    // A third change: the message in the descriptor is still the one 1.0.1 carries, two versions back.
    await editCsv(ws, NOTE_EDITED_AGAIN, NOTE_EDITED);
    const third = await publishWorkspace(ws, 'trade');

    expect(alone.stdout).toMatch(/^trade +unchanged 1\.0\.0$/m);
    expect(first.stdout).toMatch(/^trade +published 1\.0\.1 /m);
    expect(second.stdout).toMatch(/^trade +published 1\.0\.2 /m);
    // Said, not silent: the message left in the descriptor is the one 1.0.1 carries.
    expect(second.stdout).toContain(
      "why: not given; the changeMessage in trade.dataset.json explains 1.0.1 already (write this change's reason there, or pass --message)",
    );
    expect(first.stdout).not.toContain('why: not given');
    const one = await shown(ws.out, '1.0.1');
    expect(one.changes).toBe(REASON);
    expect(one.catalog).toBe(REASON);
    const two = await shown(ws.out, '1.0.2');
    expect(two.changes).toBeUndefined();
    expect(two.catalog).toBeUndefined();
    expect(third.stdout).toMatch(/^trade +published 1\.0\.3 /m);
    const three = await shown(ws.out, '1.0.3');
    expect(three.changes).toBeUndefined();
    expect(three.catalog).toBeUndefined();
    expect(three.page.split(`Why: ${ESCAPED}`).length - 1).toBe(1);
  });

  it('in the descriptor does not go with a first version, which has nothing before it to explain', async () => {
    const ws = await makeWorkspace();
    await setChangeMessage(ws, REASON);

    const initial = await publishWorkspace(ws, 'trade');
    await editCsv(ws, NOTE, NOTE_EDITED);
    const next = await publishWorkspace(ws, 'trade');

    expect(initial.stdout).toMatch(/^trade +published 1\.0\.0 \(initial/m);
    expect(initial.stdout).not.toContain('why:');
    const zero = await shown(ws.out, '1.0.0');
    expect([zero.changes, zero.catalog]).toEqual([undefined, undefined]);
    expect(next.stdout).toContain(`why: ${REASON}`);
    const one = await shown(ws.out, '1.0.1');
    expect([one.changes, one.catalog]).toEqual([REASON, REASON]);
  });

  it('from --message wins over the descriptor, and is said to be unused when nothing changed', async () => {
    const ws = await makeWorkspace();
    await publishWorkspace(ws, 'trade');
    await setChangeMessage(ws, 'the descriptor says this');
    await editCsv(ws, NOTE, NOTE_EDITED);

    await publishWorkspace(ws, 'trade', '--message', REASON);
    const unused = await publishWorkspace(ws, 'trade', '--message', 'nothing to explain');

    expect((await shown(ws.out, '1.0.1')).changes).toBe(REASON);
    expect(unused.stdout).toContain('--message not used: no dataset has a new version');
  });

  it('from --message is carried by a first version too, as the help says', async () => {
    const ws = await makeWorkspace();

    const first = await publishWorkspace(ws, 'trade', '--message', REASON);

    expect(first.stdout).toContain(`why: ${REASON}`);
    const zero = await shown(ws.out, '1.0.0');
    expect([zero.changes, zero.catalog]).toEqual([REASON, REASON]);
    const help = await cli('publish', '--help');
    expect(help.stdout.replace(/\s+/g, ' ')).toContain(
      'comes from --message, which every new version of the run carries (a first one included)',
    );
  });

  it('is refused, before anything is written, when empty or holding control characters or line separators', async () => {
    const ws = await makeWorkspace();

    const empty = await publishWorkspace(ws, 'trade', '--message', ' ');
    const control = await publishWorkspace(ws, 'trade', '--message', 'a\u001b[2Jb');
    const separator = await publishWorkspace(ws, 'trade', '--message', 'Corrected.\u2028Again.');

    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('opendata: --message is empty');
    expect(control.code).toBe(2);
    expect(control.stderr).toContain('opendata: --message contains');
    expect(separator.code).toBe(2);
    expect(separator.stderr).toContain(
      'opendata: --message contains U+2028 (LINE SEPARATOR) at position 11; only line feeds may break a description',
    );
  });
});
