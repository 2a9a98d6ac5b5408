// The labelled files of a data directory: every `.csv` below it, in the order people number them.
import { readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** Every `.csv` below `dir`, as `/`-separated relative paths in natural order (2.csv before 10.csv). */
export function listCsvFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      // Symbolic links are followed, so a data directory may be assembled from links.
      const kind = e.isSymbolicLink() ? statSync(p) : e;
      if (kind.isDirectory()) walk(p);
      else if (kind.isFile() && e.name.toLowerCase().endsWith('.csv'))
        out.push(relative(dir, p).split(sep).join('/'));
    }
  };
  walk(dir);
  const collator = new Intl.Collator('en', { numeric: true });
  return out.sort(collator.compare);
}
