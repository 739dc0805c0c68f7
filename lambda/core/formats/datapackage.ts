import { buildDataPackage } from '../datapackage.js';
import type { VersionFormat } from './format.js';
import { prettyJson } from './pretty-json.js';

/** `datapackage.json`: the Frictionless Data Package describing the version's packaged files. */
export const datapackageFormat: VersionFormat = {
  format: 'datapackage',
  stem: 'datapackage',
  extension: 'json',
  mediaType: 'application/json',
  charset: 'utf-8',
  label: 'Data Package',
  description: 'Frictionless Data Package: Table Schema, sizes and hashes',
  euFileType: 'JSON',
  primaryRank: 4,
  packaged: false,
  tabular: false,
  renderer: {
    kind: 'package',
    render: ({ table, version }, packaged) =>
      prettyJson(buildDataPackage(table.definition, version, packaged)),
  },
};
