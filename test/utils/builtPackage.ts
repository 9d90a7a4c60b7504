import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const projectRoot = path.resolve(import.meta.dirname, '../..');

/** Builds dist/ once if it is missing (npm test builds first; this keeps `vitest run` alone working). */
export function ensureBuilt(entries: string[]): void {
  if (entries.every((entry) => existsSync(path.join(projectRoot, 'dist', entry)))) return;
  execFileSync('npm', ['run', 'build'], { cwd: projectRoot, stdio: 'pipe' });
}

/**
 * A scratch folder whose node_modules/cosyvoice-react links to this project, so Node resolves the
 * package through its `exports` map exactly as an installed copy would.
 */
export function consumerFolder(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'cosyvoice-consumer-'));
  mkdirSync(path.join(dir, 'node_modules'));
  symlinkSync(projectRoot, path.join(dir, 'node_modules', 'cosyvoice-react'), 'dir');
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs a script with Node in `cwd` and returns its stdout. */
export function runNode(cwd: string, args: string[]): string {
  return execFileSync(process.execPath, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}
