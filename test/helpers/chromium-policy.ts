/**
 * A real Chromium that installs extensions the way organisations deploy them: enterprise policy
 * (chromium-extensions.md). The policy is a JSON file under /etc/chromium/policies/managed/, which
 * Chromium merges with every other file there, so there is one fixed file name (a stale file from
 * a killed run is overwritten, not added to) and it is removed at the end of every run, on exit
 * and on SIGINT/SIGTERM. Only one test file may use this helper.
 *
 * Chromium is driven through Playwright over --remote-debugging-pipe; the extension list and the
 * "Update" button are the chrome://extensions page's own APIs (chrome.management,
 * chrome.developerPrivate), since DevTools cannot attach to a policy-installed extension.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const POLICY_DIR = '/etc/chromium/policies/managed';
const POLICY_FILE = path.join(POLICY_DIR, 'outpost-system-test.json');
/** The binary itself: /usr/bin/chromium is a wrapper that adds the flags in /etc/chromium.d. */
const CHROMIUM_BINARY = '/usr/lib/chromium/chromium';

export interface InstalledExtension {
  id: string;
  version: string;
  installType: string;
  enabled: boolean;
}

export interface PolicyBrowser {
  /** Every extension Chromium has installed, as chrome.management reports them. */
  extensions(): Promise<InstalledExtension[]>;
  /** Waits until `id` is installed (any version); undefined when `timeoutMs` passes first. */
  waitForInstall(id: string, timeoutMs?: number): Promise<InstalledExtension | undefined>;
  /**
   * The chrome://extensions "Update" button: checks every extension now and resolves once the
   * check and the installs it started are over (so the version can be read right after).
   */
  updateNow(): Promise<void>;
  close(): Promise<void>;
}

function removePolicy(): void {
  rmSync(POLICY_FILE, { force: true });
}

const onSignal = (signal: NodeJS.Signals): void => {
  removePolicy();
  process.kill(process.pid, signal);
};

/** Writes the policy forcing `forcelist` ("<id>;<update url>" lines) on every Chromium here. */
function writePolicy(forcelist: readonly string[]): void {
  mkdirSync(POLICY_DIR, { recursive: true });
  writeFileSync(POLICY_FILE, JSON.stringify({ ExtensionInstallForcelist: forcelist }));
  process.once('exit', removePolicy);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}

function forgetPolicy(): void {
  removePolicy();
  process.removeListener('exit', removePolicy);
  process.removeListener('SIGINT', onSignal);
  process.removeListener('SIGTERM', onSignal);
}

/**
 * Starts a headless Chromium with a fresh profile under the policy `forcelist`. `args` are added
 * to Chromium's (e.g. --enable-crx-hash-check). The policy and the profile go away on close().
 */
export async function startPolicyChromium(forcelist: readonly string[], args: string[] = []): Promise<PolicyBrowser> {
  writePolicy(forcelist);
  // Short: Chromium's singleton socket path must stay under 108 bytes.
  const profile = mkdtempSync(path.join(os.tmpdir(), 'ocpol-'));
  let context: BrowserContext | undefined;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_BINARY,
      headless: true,
      // Playwright's defaults switch extensions and the network they install over off.
      ignoreDefaultArgs: ['--disable-extensions', '--disable-background-networking', '--disable-component-extensions-with-background-pages'],
      args: ['--no-sandbox', ...args],
    });
    const page: Page = await context.newPage();
    await page.goto('chrome://extensions');
    const ctx = context;
    const browser: PolicyBrowser = {
      extensions: () =>
        page.evaluate(async () => {
          const all = await (globalThis as any).chrome.management.getAll();
          return all.map((e: any) => ({ id: e.id, version: e.version, installType: e.installType, enabled: e.enabled }));
        }),
      async waitForInstall(id, timeoutMs = 30_000) {
        const deadline = Date.now() + timeoutMs;
        while (Date.now() < deadline) {
          const found = (await browser.extensions()).find((e) => e.id === id);
          if (found) return found;
          await sleep(100);
        }
        return undefined;
      },
      updateNow: () => page.evaluate(() => (globalThis as any).chrome.developerPrivate.autoUpdate()),
      async close() {
        try {
          await ctx.close();
        } finally {
          forgetPolicy();
          rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
        }
      },
    };
    return browser;
  } catch (err) {
    await context?.close().catch(() => undefined);
    forgetPolicy();
    rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    throw err;
  }
}

/** True when this process may write the policy folder (root, as in CI). */
export function canWritePolicy(): boolean {
  return process.getuid?.() === 0;
}
