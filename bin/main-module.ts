import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Whether the module at `moduleUrl` (its `import.meta.url`) is the entry node was started with, compared
 * as real paths: node names a module by its real path and the entry as given, so a symbolic link on the
 * way (a linked `node_modules` holding the CLI's bundle), or a space read back from a URL, hid it, and
 * the script then did nothing and exited 0.
 */
export function isMainModule(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}
