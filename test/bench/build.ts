import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const REPO = path.resolve(import.meta.dirname, '../..');

function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs);
  }
  return latest;
}

/**
 * The servers are measured as installed: `npm ci` compiles src/ into dist/ (the prepare script)
 * and bin.mjs runs that build when it is newer than every source. In a checkout being edited the
 * build is stale and the sources would run through tsx (slower to start); so the bench builds
 * first, as `npm run build` does. Says which one the servers will run.
 */
export function buildForServers(log: (message: string) => void): string {
  const built = path.join(REPO, 'dist/cli/main.js');
  const fresh = () => {
    try {
      return statSync(built).mtimeMs >= newest(path.join(REPO, 'src'));
    } catch {
      return false;
    }
  };
  if (!fresh()) {
    log('building dist/ (npm run build) so the servers run as installed…');
    const tsc = spawnSync(process.execPath, [path.join(REPO, 'node_modules/typescript/bin/tsc'), '-p', path.join(REPO, 'src/tsconfig.build.json')], { cwd: REPO, encoding: 'utf8' });
    if (tsc.status !== 0) log(`  the build failed, servers run from the sources through tsx:\n${tsc.stdout}${tsc.stderr}`);
  }
  return fresh() ? 'the compiled build (dist/)' : 'from the TypeScript sources (tsx): the build is stale';
}
