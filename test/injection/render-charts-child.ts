/**
 * Run by `chart-bounds.test.ts` in a child process with a small heap: draws
 * every chart for rows whose years are given as arguments and prints, as one
 * JSON line, each chart's name, size and number of drawn elements.
 */
import { chartsFor } from '../../lambda/core/site/charts.js';
import { enterprisesDataset, tradeDataset, visitsDataset } from './hostile-site.js';

const years = process.argv.slice(2).map(Number);
const documents = [tradeDataset(years), visitsDataset(years), enterprisesDataset(years)].map(
  (dataset) => dataset.document,
);
const charts = documents.flatMap((document) => chartsFor(document));
console.log(
  JSON.stringify(
    charts.map((chart) => ({
      name: chart.name,
      bytes: chart.svg.length,
      elements: chart.svg.match(/<[a-z]/g)?.length ?? 0,
    })),
  ),
);
