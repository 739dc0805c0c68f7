/**
 * Preloaded into a child process (`node --import ./test/support/peak-rss.ts …`)
 * to write its peak resident memory, in bytes, to the file named by
 * `PEAK_RSS_FILE` when it exits, so a test can bound a command's memory without
 * changing what the command prints.
 */
import { writeFileSync } from 'node:fs';

const file = process.env.PEAK_RSS_FILE;
if (file !== undefined && file !== '') {
  process.on('exit', () => {
    // resourceUsage reports kilobytes.
    writeFileSync(file, String(process.resourceUsage().maxRSS * 1024));
  });
}
