import { sourceTextsFrom, type SourceTexts } from '../lambda/core/source-texts.js';
import { pathKind } from '../lambda/store/file-system.js';
import { LocalDirectoryStore } from '../lambda/store/local-directory.js';
import { UsageError } from './cli-arguments.js';

/** Where the CLI looks for source texts when neither `--sources` nor the environment says. */
export const DEFAULT_SOURCES_DIR = '../shared/sources';
/** The environment variable naming the source texts folder. */
export const SOURCES_DIR_VARIABLE = 'OPEN_DATA_SOURCES_DIR';

/** The source texts a command checks quotes against, and the line to print if they were missing when needed. */
export interface LocalSourceTexts {
  readonly texts: SourceTexts;
  /** The one line saying provenance was not checked, once a dataset needed the missing texts; else undefined. */
  notice(): string | undefined;
}

/**
 * The folder of source texts the provenance check reads: `--sources DIR`
 * (which must exist), else `OPEN_DATA_SOURCES_DIR`, else
 * {@link DEFAULT_SOURCES_DIR}. When the folder found that way is absent, or holds
 * no file, every dataset's report records "provenance not checked", and `notice`
 * gives the one line the command prints about it at the end.
 */
export function localSourceTexts(
  option: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): LocalSourceTexts {
  const fromEnv = env[SOURCES_DIR_VARIABLE];
  const folder = option ?? (fromEnv !== undefined && fromEnv !== '' ? fromEnv : DEFAULT_SOURCES_DIR);
  if (pathKind(folder) === 'folder') {
    // A folder that holds no file gives no source texts either: said once, as an absent folder is.
    const texts = sourceTextsFrom(new LocalDirectoryStore(folder), folder);
    let why: string | undefined;
    return {
      texts: {
        get: async (file) => {
          const found = await texts.get(file);
          if (!found.ok && found.notChecked === true) why ??= found.why;
          return found;
        },
      },
      notice: () =>
        why === undefined
          ? undefined
          : `opendata: provenance not checked: ${why} (give --sources DIR or set ${SOURCES_DIR_VARIABLE})`,
    };
  }
  if (option !== undefined) throw new UsageError(`--sources ${option}: ${notAFolder(option)}`);
  let needed = false;
  return {
    texts: {
      get: async () => {
        needed = true;
        return {
          ok: false,
          why: 'no source texts folder was given to this run',
          recorded: 'no source texts folder was given to this run',
          notChecked: true,
        };
      },
    },
    notice: () =>
      needed
        ? `opendata: provenance not checked: ${pathKind(folder) === 'file' ? `${folder}, given for the source texts folder, is a file` : `no source texts folder at ${folder}`} (give --sources DIR or set ${SOURCES_DIR_VARIABLE})`
        : undefined,
  };
}

/** What stands at `folder`, which is not a folder: said so that a file given for a folder reads as such. */
function notAFolder(folder: string): string {
  return pathKind(folder) === 'file'
    ? 'is a file, not a folder: give the folder that holds the source texts'
    : 'no such folder';
}
