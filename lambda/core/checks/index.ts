import { cellTextCheck } from './cell-text.js';
import { cellsCheck } from './cells.js';
import type { CheckFactory } from './check.js';
import { foreignKeysCheck } from './foreign-keys.js';
import { formulaPrefixCheck } from './formula-prefix.js';
import { headerCheck } from './header.js';
import { primaryKeyCheck } from './primary-key.js';
import { provenanceCheck } from './provenance.js';
import { rowShapeCheck } from './row-shape.js';
import { rulesCheck } from './rules.js';
import { uniqueCheck } from './unique.js';

export type {
  CellMarks,
  Check,
  CheckContext,
  CheckFactory,
  CheckOutcome,
  RowState,
  RunContext,
  TableEnd,
  TableStart,
} from './check.js';

/**
 * Every check a table goes through, in the order they see each row: the
 * row's shape, then text rules for every cell, then formula prefixes, then
 * types and the schema's constraints (which fill the typed values), then the
 * rules between rows. A check early in the list marks a cell or row bad, and
 * the later ones leave it alone.
 */
export const CHECKS: readonly CheckFactory[] = [
  headerCheck,
  rowShapeCheck,
  cellTextCheck,
  formulaPrefixCheck,
  cellsCheck,
  primaryKeyCheck,
  uniqueCheck,
  foreignKeysCheck,
  rulesCheck,
  provenanceCheck,
];
