import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DatasetDocument } from '../../lambda/core/dataset-document.js';
import type { ChartDeclaration } from '../../lambda/core/descriptor.js';
import { chartsFor } from '../../lambda/core/site/charts.js';
import { HAVE_XML_PARSER, xmlParseError } from '../injection/xml-parser.js';
import { makeWorkspace, publishWorkspace, readJson } from '../support/workspace.js';

/**
 * What an SVG draws, read with a real XML parser (Python's ElementTree): the
 * tooltip of every marker (circle or path with a title) and every text shown.
 */
function drawnIn(svg: string): { marks: string[]; texts: string[] } {
  const script = [
    'import sys, json, xml.etree.ElementTree as ET',
    'ns = "{http://www.w3.org/2000/svg}"',
    'root = ET.fromstring(sys.stdin.buffer.read())',
    'marks = [e.find(ns + "title").text for e in root.iter() if e.tag in (ns + "circle", ns + "path") and e.find(ns + "title") is not None]',
    'texts = ["".join(e.itertext()) for e in root.iter(ns + "text")]',
    'print(json.dumps({"marks": marks, "texts": texts}))',
  ].join('\n');
  const result = spawnSync('python3', ['-c', script], { input: svg, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`not parsed: ${result.stderr}`);
  return JSON.parse(result.stdout) as { marks: string[]; texts: string[] };
}

const BASE_2018 = '2018: 220.54 in turnover_2019_base_musd (flagged: turnover-2018)';
const SERIES_2018 = '2018: 258.3 in turnover_musd (flagged: turnover-2018)';

let document: DatasetDocument;
let published: { svg: string; csv: string };

beforeAll(async () => {
  const ws = await makeWorkspace();
  await publishWorkspace(ws, 'trade', 'trade-by-year');
  const folder = path.join(ws.out, 'datasets/trade-by-year');
  document = await readJson<DatasetDocument>(path.join(folder, 'latest/trade-by-year.json'));
  published = {
    svg: await readFile(path.join(folder, 'chart-turnover.svg'), 'utf8'),
    csv: await readFile(path.join(folder, 'chart-data/chart-turnover.csv'), 'utf8'),
  };
});

/** The document with its one chart declared otherwise. */
function declaring(chart: Partial<ChartDeclaration>): DatasetDocument {
  const [declared] = document.charts ?? [];
  if (declared === undefined) throw new Error('trade-by-year declares no chart');
  return { ...document, charts: [{ ...declared, ...chart }] };
}

describe('a series chart draws every reading of a contradiction kept in columns of its own', () => {
  it.skipIf(!HAVE_XML_PARSER)(
    'the trade-by-year chart marks and labels the 2018 base of the 2019 comparison beside the annual series',
    () => {
      expect(xmlParseError(new TextEncoder().encode(published.svg))).toBeUndefined();
      const { marks, texts } = drawnIn(published.svg);

      expect(marks).toContain(BASE_2018);
      expect(marks).toContain(SERIES_2018);
      expect(marks).toContain('2019: 229.6');
      expect(texts).toContain('⚠ 220.54');
      expect(texts).toContain('⚠ 258.3');
      // The <desc> states every value, and the unit once.
      expect(published.svg).toMatch(
        new RegExp(
          `<desc [^>]*>Bilateral trade turnover by year, million USD, by year\\. [^<]*${BASE_2018.replace(/[().]/g, '\\$&')}`,
        ),
      );
      // The rows drawn, with the column of the other reading, each row once.
      const lines = published.csv.trim().split('\n');
      expect(lines[0]).toBe('year,turnover_musd,turnover_2019_base_musd,flagged');
      expect(lines).toContain('2018,258.3,220.54,true');
      expect(lines.filter((line) => line.startsWith('2018,'))).toHaveLength(1);
    },
  );

  it('comes from the declaration, not from the dataset', () => {
    const renamed = { ...declaring({}), id: 'some-other-series' };
    const without = declaring({ readings: undefined });

    const [drawn] = chartsFor(renamed);
    const [plain] = chartsFor(without);

    expect(drawn?.svg).toContain(BASE_2018);
    expect(drawn?.narrowSvg).toContain(BASE_2018);
    expect(plain?.svg).not.toContain('220.54');
    expect(plain?.svg).toContain('2018: 258.3 (flagged: turnover-2018)');
  });

  it('draws nothing for a declaration whose other reading is not a number column', () => {
    expect(chartsFor(declaring({ readings: ['turnover_musd_trade_id'] }))).toEqual([]);
    expect(chartsFor(declaring({ readings: ['no_such_column'] }))).toEqual([]);
  });
});
