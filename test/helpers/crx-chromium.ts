/**
 * Real Chromium as a CRX oracle, without touching anything outside a temporary folder:
 * - packing: `chromium --headless=new --no-sandbox --pack-extension=DIR --pack-extension-key=KEY.pem`
 *   (chromium-extensions.md), with its own --user-data-dir so no profile lands in $HOME;
 * - installing: a fresh profile whose "External Extensions" folder names each extension, in
 *   <profile>/External Extensions/<id>.json, either as a local .crx ({"external_crx": path,
 *   "external_version": v}) or as an update URL ({"external_update_url": url}: Chromium sends its
 *   gupdate check there, as for a policy install). About 4-5 s after start Chromium verifies each
 *   package fully and unpacks it under Default/Extensions/<id>/<version>_0, or logs
 *   `Extension error: Package is invalid: '<reason>'`. No enterprise policy is written, so these
 *   tests may run alongside the policy-driven system tests.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const CHROMIUM_COMMAND = 'chromium';

export async function chromiumVersion(): Promise<string> {
  const { stdout } = await execFileAsync(CHROMIUM_COMMAND, ['--version']);
  return stdout.trim();
}

/**
 * Chromium's helper processes (crashpad, utility) can still write into the profile for a moment
 * after the browser process has exited: a removal then meets ENOTEMPTY, so it is retried.
 */
const PROFILE_REMOVAL = { recursive: true, force: true, maxRetries: 10, retryDelay: 100 } as const;

/** Packs `extensionDir` with `keyPem`; returns the .crx Chromium writes next to the folder. */
export async function chromiumPack(extensionDir: string, keyPemPath: string): Promise<Buffer> {
  const profile = await mkdtemp(path.join(os.tmpdir(), 'ocp-'));
  const args = ['--headless=new', '--no-sandbox', `--user-data-dir=${profile}`, `--pack-extension=${extensionDir}`, `--pack-extension-key=${keyPemPath}`];
  try {
    await execFileAsync(CHROMIUM_COMMAND, args, { timeout: 60_000 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`chromium --pack-extension failed: ${e.stderr ?? e.message}`);
  } finally {
    await rm(profile, PROFILE_REMOVAL);
  }
  return readFile(`${extensionDir}.crx`);
}

export interface ExternalCrx {
  id: string;
  version: string;
  crxPath: string;
}

export type InstallOutcome = { installed: true; version: string } | { installed: false; error: string | undefined };

/** Chromium's refusals in its log; they do not name the extension. */
export function installRefusals(log: string): string[] {
  return [...log.matchAll(/Extension error: Package is invalid: '([^']+)'/g)].map((m) => m[1]!);
}

export function isInstalled(profile: string, id: string, version: string): boolean {
  return existsSync(path.join(profile, 'Default', 'Extensions', id, `${version}_0`, 'manifest.json'));
}

/**
 * Starts one fresh headless Chromium whose profile's "External Extensions" folder holds `entries`
 * (id -> {"external_crx", "external_version"} or {"external_update_url"}), polls `done(profile, log)`
 * every 100 ms until it holds or `timeoutMs` passes, then stops Chromium and removes the profile.
 */
export async function withExternalExtensions(
  entries: Readonly<Record<string, object>>,
  done: (profile: string, log: string) => boolean,
  opts: { timeoutMs?: number; args?: string[] } = {},
): Promise<{ log: string; installed: (id: string, version: string) => boolean }> {
  // Short: Chromium's singleton socket path must stay under 108 bytes.
  const profile = await mkdtemp(path.join(os.tmpdir(), 'oci-'));
  const external = path.join(profile, 'External Extensions');
  await mkdir(external);
  for (const [id, entry] of Object.entries(entries)) await writeFile(path.join(external, `${id}.json`), JSON.stringify(entry));
  const args = ['--headless=new', '--no-sandbox', `--user-data-dir=${profile}`, '--enable-logging=stderr', '--v=0', ...(opts.args ?? []), 'about:blank'];
  const child = spawn(CHROMIUM_COMMAND, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (log += text));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const found = new Set<string>();
  const deadline = Date.now() + (opts.timeoutMs ?? 40_000);
  try {
    while (Date.now() < deadline && child.exitCode === null && !done(profile, log)) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // Read before the profile goes away.
    for (const id of Object.keys(entries)) {
      const dir = path.join(profile, 'Default', 'Extensions', id);
      if (existsSync(dir)) for (const version of readdirSync(dir)) found.add(`${id}/${version}`);
    }
  } finally {
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(killer);
    await rm(profile, PROFILE_REMOVAL);
  }
  return { log, installed: (id, version) => found.has(`${id}/${version}_0`) };
}

/**
 * Offers every package to one fresh Chromium and reports, per id, whether it was installed or
 * refused (with Chromium's reason), waiting until every id has an outcome or `timeoutMs` passed.
 */
export async function chromiumInstallExternal(packages: readonly ExternalCrx[], timeoutMs = 40_000): Promise<Map<string, InstallOutcome>> {
  const entries = Object.fromEntries(packages.map((p) => [p.id, { external_crx: p.crxPath, external_version: p.version }]));
  const settled = (profile: string, log: string): boolean =>
    packages.filter((p) => isInstalled(profile, p.id, p.version)).length + installRefusals(log).length >= packages.length;
  const { log, installed } = await withExternalExtensions(entries, settled, { timeoutMs });
  // With one refused package the reason is unambiguous; with more, all reasons are given to each.
  const reasons = installRefusals(log);
  return new Map(
    packages.map((p): [string, InstallOutcome] => [
      p.id,
      installed(p.id, p.version) ? { installed: true, version: p.version } : { installed: false, error: reasons.join('; ') || undefined },
    ]),
  );
}
