/**
 * What `opendata publish` prints when it is done: one line per dataset (with
 * the rows each new version changed), where to look at the result, and what
 * base URL its absolute links use.
 */
import type { ChangePreview, RowKey } from '../lambda/core/changes.js';
import { formatIssue } from '../lambda/core/issue.js';
import type { DatasetOutcome, PublishResult } from '../lambda/core/pipeline.js';
import { DEFAULT_BASE_URL } from '../lambda/core/site.js';
import type { CheckOutcome } from '../lambda/core/checks/index.js';
import type { DatasetReport } from '../lambda/core/validate.js';
import { shellWord } from '../lambda/core/shell-word.js';

/** Lines for standard output and for standard error. */
export interface ReportLines {
  readonly out: readonly string[];
  readonly err: readonly string[];
}

/** "3 issues": every issue found, including those a capped report leaves out. */
export function issueTotal(report: DatasetReport): string {
  const count = report.issueCount ?? report.issues.length;
  return `${count} issue${count === 1 ? '' : 's'}`;
}

/** A row's key as a curator would look it up: its value, or `column=value` pairs for a composite key. */
export function formatKey(key: RowKey): string {
  const entries = Object.entries(key);
  if (entries.length === 1) return String(entries[0]?.[1]);
  return entries.map(([column, value]) => `${column}=${String(value)}`).join(' ');
}

/** `2 added (a, b), 1 changed (c)`, naming the first keys of each kind and how many more there are. */
export function describeChanges(preview: ChangePreview): string {
  const parts = (['added', 'removed', 'changed'] as const).flatMap((kind) => {
    const count = preview.summary[kind];
    if (count === 0) return [];
    const keys = preview.keys[kind].map(formatKey);
    const more = count > keys.length ? `, ${count - keys.length} more` : '';
    return [`${count} ${kind} (${keys.join(', ')}${more})`];
  });
  return parts.length === 0 ? 'no row changed (schema or descriptor only)' : parts.join(', ');
}

/**
 * What the descriptor's declared rules came to (see `checks/rules.ts`), in a
 * line: `8 rules checked: 7 held, 1 flagged conflict (turnover-2018-base)`.
 * A flagged conflict is a rule that fails as a conflict of the source the
 * descriptor declares (both readings kept); a failed rule is also an issue.
 * `undefined` for a dataset without rules. The details are in the report
 * (`validate --format json`, and `validation.json` of a published version).
 */
export function describeRules(report: DatasetReport): string | undefined {
  const rules = (report.checks ?? []).filter((outcome) => outcome.check === 'rule');
  if (rules.length === 0) return undefined;
  const named = (status: CheckOutcome['status']): string[] =>
    rules.filter((outcome) => outcome.status === status).map((outcome) => outcome.subject ?? 'unnamed');
  const held = named('passed').length;
  const conflicts = named('conflict');
  const failed = named('failed');
  const notChecked = rules.filter((outcome) => outcome.status === 'not-checked');
  const checked = rules.length - notChecked.length;
  const parts = [
    ...(held > 0 || checked === 0 ? [`${held} held`] : []),
    ...(conflicts.length > 0
      ? [`${conflicts.length} flagged conflict${conflicts.length === 1 ? '' : 's'} (${conflicts.join(', ')})`]
      : []),
    ...(failed.length > 0 ? [`${failed.length} failed (${failed.join(', ')})`] : []),
  ];
  // Rules left unchecked for the same reason are named together, the reason said once.
  const byReason = new Map<string, string[]>();
  for (const outcome of notChecked) {
    const reason = outcome.message.replace(/^not checked: /, '');
    byReason.set(reason, [...(byReason.get(reason) ?? []), outcome.subject ?? 'unnamed']);
  }
  const skipped = [...byReason].map(([reason, subjects]) => `${subjects.join(', ')}: ${reason}`);
  return (
    `${checked} rule${checked === 1 ? '' : 's'} checked: ${parts.join(', ')}` +
    (skipped.length === 0 ? '' : `; ${notChecked.length} not checked (${skipped.join('; ')})`)
  );
}

/**
 * The lines of one dataset's outcome, followed by what its page leaves out
 * (`notes`: a chart not drawn, and why), each once.
 */
export function describeOutcome(
  outcome: DatasetOutcome,
  width: number,
  notes: readonly string[] = [],
): ReportLines {
  const detail = ' '.repeat(width + 2);
  const rules = describeRules(outcome.report);
  const rulesLine = rules === undefined ? [] : [`${detail}${rules}`];
  const lines = outcomeLines(outcome, width);
  return { out: [...lines.out, ...rulesLine, ...notes.map((note) => `${detail}${note}`)], err: lines.err };
}

/** The folders a run staged and then left unlisted, as its report says: they are its own, not debris found. */
function supersededNote(versions: readonly string[]): string {
  const one = versions.length === 1;
  return `this run's own staging ${one ? 'as' : 'as each of'} ${versions.join(', ')}, made before that, is left unlisted: ${one ? 'its' : 'their'} files stay where they are, listed and linked nowhere`;
}

/** Version numbers passed over, each named up to a line's worth: `1.0.1, 1.0.2, 1.0.3 and 48 more, to 1.0.51`. */
function numbersShown(versions: readonly string[]): string {
  const shown = 3;
  if (versions.length <= shown + 1) return versions.join(', ');
  return `${versions.slice(0, shown).join(', ')} and ${versions.length - shown} more, to ${versions[versions.length - 1] ?? ''}`;
}

function outcomeLines(outcome: DatasetOutcome, width: number): ReportLines {
  const id = outcome.id.padEnd(width);
  switch (outcome.status) {
    case 'published': {
      const notes = [`${outcome.change}, ${outcome.rows} ${outcome.rows === 1 ? 'row' : 'rows'}`];
      if (outcome.rebased) notes.push('re-based on a version another run published meanwhile');
      if (outcome.superseded.length > 0) notes.push(supersededNote(outcome.superseded));
      if (outcome.skipped.length > 0)
        notes.push(
          `skipped ${numbersShown(outcome.skipped)}: held by ${outcome.skipped.length === 1 ? 'an unlisted folder' : 'unlisted folders'} (another run's staging, or a failed attempt's), left as found`,
        );
      const detail = ' '.repeat(width + 2);
      return {
        out: [
          `${id}  published ${outcome.version} (${notes.join('; ')})`,
          ...(outcome.changes === undefined ? [] : [`${detail}rows: ${describeChanges(outcome.changes)}`]),
          ...(outcome.message === undefined ? [] : [`${detail}why: ${outcome.message}`]),
          ...(outcome.message === undefined && outcome.messageUsedBy !== undefined
            ? [
                `${detail}why: not given; the changeMessage in ${outcome.id}.dataset.json explains ${outcome.messageUsedBy} already (write this change's reason there, or pass --message)`,
              ]
            : []),
        ],
        err: [],
      };
    }
    case 'unchanged':
      return {
        out: [
          `${id}  unchanged ${outcome.version}${outcome.superseded === undefined ? '' : ` (another run listed the same content meanwhile; ${supersededNote(outcome.superseded)})`}`,
        ],
        err: [],
      };
    case 'rejected':
      return {
        out: [
          `${id}  rejected: ${issueTotal(outcome.report)}${outcome.report.truncated ? ' (only the first ones are listed)' : ''}, published versions left as they were`,
        ],
        err: outcome.report.issues.map(formatIssue),
      };
  }
}

/** Where the tree went, as the curator named it. */
export type Destination =
  | { readonly kind: 'folder'; readonly folder: string; readonly isDefault: boolean }
  | { readonly kind: 'bucket'; readonly url: string };

/**
 * Where to look at what was published: the folder's `index.html` and the
 * `serve` command, or the site itself for a bucket whose base URL is known.
 */
export function whereToLook(destination: Destination, baseUrl: string | undefined): string {
  if (destination.kind === 'bucket')
    return baseUrl === undefined
      ? `Look at ${destination.url}index.html (no base URL recorded: give --base-url for the site's address)`
      : `Look at ${baseUrl} (the catalog: ${baseUrl}catalog.json)`;
  const serve = `npm run opendata -- serve${destination.isDefault ? '' : ` --dir ${shellWord(destination.folder)}`}`;
  return `Look at ${destination.folder}/index.html in a browser, or run "${serve}" and open ${DEFAULT_BASE_URL}`;
}

/**
 * What to say about the base URL: a warning (standard error) when none was
 * ever given, so that the absolute links say 127.0.0.1; a note when this run
 * recorded one or changed it; nothing when the tree kept the one it had.
 */
export function baseUrlNote(result: Pick<PublishResult, 'baseUrl' | 'previousBaseUrl'>): ReportLines {
  const { baseUrl, previousBaseUrl } = result;
  if (baseUrl === undefined)
    return {
      out: [],
      err: [
        `opendata: warning: no base URL recorded for this tree, so the absolute URLs of its feed, DCAT catalog and page metadata say ${DEFAULT_BASE_URL}; publish once with --base-url https://… to record the site's address`,
      ],
    };
  if (previousBaseUrl === undefined)
    return { out: [`Base URL ${baseUrl} recorded in catalog.json; later runs keep it`], err: [] };
  if (previousBaseUrl !== baseUrl)
    return {
      out: [
        `Base URL changed from ${previousBaseUrl} to ${baseUrl}: pages, feed, DCAT catalog and download URLs follow it; no version file changed`,
      ],
      err: [],
    };
  return { out: [], err: [] };
}
