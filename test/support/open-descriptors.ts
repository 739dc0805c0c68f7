import { readdirSync, readlinkSync } from 'node:fs';

/** This process's open descriptors whose file `matches`, from /proc/self/fd (Linux). */
export function descriptorsWhere(matches: (file: string) => boolean): string[] {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return matches(readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      return false; // closed meanwhile (the directory's own descriptor among them)
    }
  });
}

/** This process's open descriptors on `file`. */
export function descriptorsOn(file: string): string[] {
  return descriptorsWhere((target) => target === file);
}
