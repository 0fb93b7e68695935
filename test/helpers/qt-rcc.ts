import { execFileSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Debian's qt6-base-dev-tools installs rcc outside PATH. */
export const QT_RCC = '/usr/lib/qt6/libexec/rcc';

/**
 * requireTool (system-tools.ts) for a tool found by its absolute path: true when it can run; when
 * it cannot, CI=true throws (the file fails) and elsewhere it warns loudly and answers false.
 */
export function requireRcc(): boolean {
  try {
    accessSync(QT_RCC, constants.X_OK);
    return true;
  } catch {
    const message = `Qt's rcc is not installed at ${QT_RCC} (Debian package qt6-base-dev-tools)`;
    if (process.env.CI === 'true') throw new Error(`${message}; CI needs it.`);
    console.warn(`\n!!! SKIPPING rcc tests: ${message}. Under CI=true they FAIL instead. !!!\n`);
    return false;
  }
}

/** "rcc 6.4.2" and the like. */
export function rccVersion(): string {
  return execFileSync(QT_RCC, ['--version'], { encoding: 'utf8' }).trim();
}

/**
 * Writes `files` (path → content) to a temporary folder, lists them in a .qrc under `prefix`, and
 * runs `rcc -binary` with `args`. Modification times are fixed so the output is reproducible.
 */
export function buildWithRcc(files: Record<string, string | Buffer>, args: readonly string[] = [], prefix = '/'): Buffer {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'outpost-rcc-'));
  try {
    const entries = Object.entries(files).map(([name, content], i) => {
      const source = path.join(dir, 'src', String(i));
      mkdirSync(path.dirname(source), { recursive: true });
      writeFileSync(source, content);
      return `<file alias="${name}">src/${i}</file>`;
    });
    writeFileSync(path.join(dir, 'x.qrc'), `<RCC><qresource prefix="${prefix}">${entries.join('')}</qresource></RCC>\n`);
    const out = path.join(dir, 'x.rcc');
    execFileSync(QT_RCC, ['-binary', ...args, path.join(dir, 'x.qrc'), '-o', out], {
      env: { ...process.env, QT_RCC_SOURCE_DATE_OVERRIDE: '1700000000' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A VPN add-on's manifest.json: the fields the client requires, with `fields` on top. */
export function vpnManifest(id: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, name: `Add-on ${id}`, api_version: '0.1', type: 'message', ...fields };
}

/** A whole VPN add-on built by Qt's rcc as Mozilla's build.py lays one out (prefix "/"). */
export function buildVpnAddon(manifest: Record<string, unknown>, files: Record<string, string | Buffer> = {}, args: readonly string[] = []): Buffer {
  return buildWithRcc({ 'manifest.json': JSON.stringify(manifest, null, 2), ...files }, args);
}
