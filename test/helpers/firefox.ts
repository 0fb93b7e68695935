/**
 * Drives a real Gecko application — Debian's firefox-esr or thunderbird — through an add-on update
 * check, for system tests of what Outpost serves. The recipe (prefs, sideloading, scratch
 * environment, Marionette) follows shared/spec/firefox-esr-client.md; Thunderbird takes the same
 * one plus a few prefs of its own (shared/spec/thunderbird-client.md).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildXpi, webextManifest } from './build-xpi.ts';
import { installsSettled, MarionetteClient } from './marionette.ts';
import { findTool } from './system-tools.ts';

export type GeckoApp = 'firefox' | 'thunderbird';
type Prefs = Record<string, string | number | boolean>;

export interface AppRecipe {
  /** Command on PATH (Debian's package name). */
  binary: string;
  /** Arguments after the profile: Firefox opens a page, Thunderbird has none to open. */
  trailingArgs: string[];
  /** user.js prefs on top of COMMON_PREFS; `nowSeconds` is the profile's creation time. */
  prefs(nowSeconds: number): Prefs;
}

export const GECKO_APPS: Record<GeckoApp, AppRecipe> = {
  firefox: {
    binary: 'firefox-esr',
    trailingArgs: ['about:blank'],
    prefs: () => ({
      'browser.shell.checkDefaultBrowser': false,
      'browser.startup.homepage_override.mstone': 'ignore',
      'browser.aboutwelcome.enabled': false,
    }),
  },
  thunderbird: {
    binary: 'thunderbird',
    trailingArgs: [],
    prefs: (nowSeconds) => ({
      // thunderbird-client.md: at its first timer tick Thunderbird polls
      // thunderbird-settings.thunderbird.net. Mark that timer (and the add-on usage ping's) as
      // just run, and point remote settings nowhere for on-demand fetches.
      'app.update.lastUpdateTime.services-settings-poll-changes': nowSeconds,
      'app.update.lastUpdateTime.glean-addons-daily': nowSeconds,
      'services.settings.server': 'data:,#remote-settings-dummy/v1',
      // Region detection asks location.services.mozilla.com at start-up; an empty URL skips it.
      'browser.region.network.url': '',
      'mail.shell.checkDefaultClient': false,
      'mailnews.start_page.enabled': false,
      'mail.provider.enabled': false,
    }),
  },
};

export const FIREFOX_BINARY = GECKO_APPS.firefox.binary;
export const THUNDERBIRD_BINARY = GECKO_APPS.thunderbird.binary;

export interface GeckoRun {
  /** The add-on's version in extensions.json when the run ended (undefined: not listed). */
  version: string | undefined;
  active: boolean;
  /** Harness notes, the application's console (via Marionette) and its stdout/stderr. */
  log: string;
  /** Left in place for inspection; the caller removes it. */
  profileDir: string;
  /** Process group the application ran in (already killed), so tests can check nothing is left. */
  pgid: number | undefined;
}

export interface GeckoUpdateCheckOptions {
  /** Which application to run (default firefox). */
  app?: GeckoApp;
  /** Command or path to run instead of the app's Debian binary. */
  binary?: string;
  /** The installed (old) version, a WebExtension XPI whose manifest names its update_url. */
  xpi: Buffer;
  addonId: string;
  /** Stop polling as soon as extensions.json shows this version, active. */
  expectVersion?: string;
  /** Give up after this long (default 90 s); the state at that moment is returned. */
  timeoutMs?: number;
  /** Extra or overriding user.js prefs (e.g. extensions.checkUpdateSecurity=true for https). */
  prefs?: Prefs;
  /** false: no Marionette, rely on the update timer alone (default true). */
  marionette?: boolean;
}

/** The names the Firefox-only harness had; same shapes. */
export type FirefoxRun = GeckoRun;
export type FirefoxUpdateCheckOptions = GeckoUpdateCheckOptions;

/** A minimal unsigned MV2 WebExtension whose gecko block carries the update_url. */
export function buildWebExtensionXpi(opts: { id: string; version: string; updateUrl: string; name?: string; strictMinVersion?: string }): Promise<Buffer> {
  const name = opts.name ?? `Outpost test ${opts.id}`;
  const manifest = webextManifest({ id: opts.id, version: opts.version, update_url: opts.updateUrl, name, strict_min_version: opts.strictMinVersion });
  return buildXpi({ 'manifest.json': manifest });
}

/** Prefs from the spec: allow the unsigned sideloaded add-on, make its update check happen soon. */
const COMMON_PREFS: Prefs = {
  'xpinstall.signatures.required': false,
  'extensions.autoDisableScopes': 0,
  'extensions.enabledScopes': 5,
  'extensions.update.enabled': true,
  'extensions.update.autoUpdateDefault': true,
  'extensions.update.interval': 86400,
  // Without Marionette, the add-on timer is due at the first tick (~10 s after start).
  'app.update.timerFirstInterval': 10000,
  'app.update.lastUpdateTime.addon-background-update-timer': 1,
  'extensions.getAddons.cache.enabled': false,
  // Test update URLs are plain http; with this on, the updated add-on would end up disabled.
  'extensions.checkUpdateSecurity': false,
  // Debug-level add-on manager messages in the browser console, read back for GeckoRun.log.
  'extensions.logging.enabled': true,
  'media.gmp-provider.enabled': false,
  'toolkit.telemetry.enabled': false,
  'toolkit.telemetry.unified': false,
  'datareporting.healthreport.uploadEnabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'marionette.port': 0,
};

interface AddonState {
  version: string | undefined;
  active: boolean;
}

async function prepareProfile(opts: GeckoUpdateCheckOptions, recipe: AppRecipe): Promise<{ profileDir: string; scratchDir: string }> {
  const tag = opts.app === 'thunderbird' ? 'tb' : 'ff';
  const profileDir = await mkdtemp(path.join(os.tmpdir(), `outpost-${tag}-profile-`));
  const scratchDir = await mkdtemp(path.join(os.tmpdir(), `outpost-${tag}-scratch-`));
  await mkdir(path.join(profileDir, 'extensions'));
  await writeFile(path.join(profileDir, 'extensions', `${opts.addonId}.xpi`), opts.xpi);
  const prefs = { ...COMMON_PREFS, ...recipe.prefs(Math.floor(Date.now() / 1000)), ...opts.prefs };
  const lines = Object.entries(prefs).map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});`);
  await writeFile(path.join(profileDir, 'user.js'), lines.join('\n') + '\n');
  for (const d of ['home', 'tmp', 'cache']) await mkdir(path.join(scratchDir, d));
  return { profileDir, scratchDir };
}

function geckoEnv(scratchDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Headless means headless: no real display or session bus for it to find.
  for (const k of ['DISPLAY', 'WAYLAND_DISPLAY', 'DBUS_SESSION_BUS_ADDRESS', 'XDG_RUNTIME_DIR']) delete env[k];
  return {
    ...env,
    HOME: path.join(scratchDir, 'home'),
    TMPDIR: path.join(scratchDir, 'tmp'),
    XDG_CACHE_HOME: path.join(scratchDir, 'cache'),
    MOZ_HEADLESS: '1',
    MOZ_CRASHREPORTER_DISABLE: '1',
    MOZ_DISABLE_AUTO_SAFE_MODE: '1',
  };
}

/** extensions.json as the application last saved it; undefined while it does not exist or is mid-write. */
async function readAddonState(profileDir: string, id: string): Promise<AddonState | undefined> {
  try {
    const db = JSON.parse(await readFile(path.join(profileDir, 'extensions.json'), 'utf8')) as { addons?: { id: string; version: string; active: boolean }[] };
    const addon = db.addons?.find((a) => a.id === id);
    return { version: addon?.version, active: addon?.active ?? false };
  } catch {
    return undefined;
  }
}

/**
 * Live (non-zombie) processes in a process group. Zombies do not count: killed content processes
 * are re-parented to PID 1, which in containers may reap them only seconds later.
 */
export function liveProcessesInGroup(pgid: number): number[] {
  const live: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Fields after the parenthesised command name: state, ppid, pgrp, ...
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') live.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return live;
}

function signalGroup(pgid: number | undefined): void {
  try {
    if (pgid !== undefined) process.kill(-pgid, 'SIGKILL');
  } catch {
    // group already gone
  }
}

/** Kills the whole process group (Gecko forks content processes) and waits until it is gone. */
async function killGroup(child: ChildProcess, exited: Promise<void>): Promise<void> {
  const pgid = child.pid;
  if (pgid === undefined) return;
  signalGroup(pgid);
  // An unref'd timer: a waiting test run must not be held open by it.
  await Promise.race([exited, sleep(5000, undefined, { ref: false })]);
  for (let i = 0; i < 50 && liveProcessesInGroup(pgid).length > 0; i++) await sleep(100);
}

interface Browser {
  child: ChildProcess;
  exited: Promise<void>;
  hasExited: () => boolean;
  output: () => string;
}

/**
 * Spawns the application in its own session (setsid), so it and everything it forks form one
 * group (Debian's /usr/bin/thunderbird is a shell script that execs the binary: same process).
 */
function startApp(binary: string, label: string, args: string[], env: NodeJS.ProcessEnv, note: (t: string) => void): Browser {
  const child = spawn(binary, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let ended = false;
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-64_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => {
    const end = (what: string): void => {
      ended = true;
      note(what);
      resolve();
    };
    child.once('exit', (code, signal) => end(`${label} exited (code ${code}, signal ${signal})`));
    child.once('error', (err) => end(`${label} could not start: ${err.message}`));
  });
  return { child, exited, hasExited: () => ended, output: () => output };
}

/** Polls until the check is over; `marionette` only when it triggered the check. Undefined: never over. */
async function waitForOutcome(
  opts: GeckoUpdateCheckOptions, profileDir: string, deadline: number, browser: Browser,
  marionette: MarionetteClient | undefined, note: (t: string) => void,
): Promise<AddonState | undefined> {
  let firstSeen: string | undefined;
  while (Date.now() < deadline && !browser.hasExited()) {
    const state = await readAddonState(profileDir, opts.addonId);
    if (firstSeen === undefined && state?.version !== undefined) {
      firstSeen = state.version;
      note(`extensions.json first shows ${firstSeen} (active: ${state.active})`);
    }
    const changed = opts.expectVersion ? state?.version === opts.expectVersion : !marionette && state?.version !== firstSeen;
    if (state?.active && changed) {
      note(`extensions.json shows ${state.version}, active`);
      return state;
    }
    if (marionette && state) {
      const live = await marionette.addonState(opts.addonId).catch(() => undefined);
      // Over once no install for the add-on is in flight and extensions.json has caught up.
      if (live && installsSettled(live) && state.version === live.version && state.active === live.active) {
        note(`the add-on manager is done with the check: ${JSON.stringify(live)}`);
        return state;
      }
    }
    await sleep(200);
  }
  return undefined;
}

/**
 * Starts the application (Firefox unless `opts.app` says otherwise) on a fresh profile with
 * `opts.xpi` sideloaded as `opts.addonId`, triggers the add-on update check and reports the
 * add-on's version and state afterwards. With Marionette the check starts at once and the run
 * ends as soon as the add-on manager has finished with it; otherwise the timer starts it ~10 s in
 * and the run ends at `expectVersion` (or any new version) or timeout. The application is always
 * killed before this returns, whatever happened.
 */
export async function runGeckoUpdateCheck(opts: GeckoUpdateCheckOptions): Promise<GeckoRun> {
  const app = opts.app ?? 'firefox';
  const recipe = GECKO_APPS[app];
  const binary = opts.binary ?? recipe.binary;
  if (!binary.includes('/') && !findTool(binary)) throw new Error(`${binary} is not installed`);
  const started = Date.now();
  const deadline = started + (opts.timeoutMs ?? 90_000);
  const useMarionette = opts.marionette ?? true;
  const notes: string[] = [];
  const note = (text: string): void => {
    notes.push(`[+${((Date.now() - started) / 1000).toFixed(1)}s] ${text}`);
  };
  const { profileDir, scratchDir } = await prepareProfile({ ...opts, app }, recipe);
  const args = ['--headless', '--no-remote', '--profile', profileDir, ...recipe.trailingArgs];
  if (useMarionette) args.unshift('--marionette', '--remote-allow-system-access');
  note(`starting ${binary}`);
  const browser = startApp(binary, app, args, geckoEnv(scratchDir), note);
  // Last resort if the test process dies mid-run: never leave a browser behind.
  const onExit = (): void => signalGroup(browser.child.pid);
  process.once('exit', onExit);

  let marionette: MarionetteClient | undefined;
  let triggered = false;
  let consoleLines: string[] = [];
  let final: AddonState | undefined;
  try {
    if (useMarionette) {
      // Marionette is up within a few seconds; past 20 s the timer will have fired anyway.
      const giveUpAt = Math.min(deadline, Date.now() + 20_000);
      marionette = await MarionetteClient.fromProfile(profileDir, { giveUpAt, scriptTimeoutMs: deadline - Date.now(), stop: browser.hasExited })
        .catch((err: Error) => void note(`no Marionette: ${err.message}`));
      if (marionette) note('Marionette session open');
      const left = deadline - Date.now();
      const result = left > 0 ? await marionette?.backgroundUpdateCheck(left, opts.addonId).catch((err: Error) => `failed: ${err.message}`) : undefined;
      if (result !== undefined) note(`backgroundUpdateCheck: ${result}`);
      triggered = result === 'done';
    }
    if (!triggered) note('waiting for the add-on update timer (~10 s after start)');
    // Without a triggered check, "nothing in flight" says nothing; only the version can end it.
    final = await waitForOutcome(opts, profileDir, deadline, browser, triggered ? marionette : undefined, note);
    if (!final) {
      note(browser.hasExited() ? `${app} ended before the check was over` : `gave up after ${Date.now() - started} ms`);
      final = await readAddonState(profileDir, opts.addonId);
    }
    if (marionette) {
      consoleLines = await marionette.consoleMessages().catch((err: Error) => [`(could not read the browser console: ${err.message})`]);
    }
  } finally {
    marionette?.close();
    await killGroup(browser.child, browser.exited);
    process.removeListener('exit', onExit);
    await rm(scratchDir, { recursive: true, force: true, maxRetries: 3 });
  }
  note(`run took ${Date.now() - started} ms`);
  const log = [
    '--- harness ---', ...notes,
    // Add-on state dumps run to kilobytes per line; the start of each line says what happened.
    '--- browser console ---', ...consoleLines.map((l) => (l.length > 600 ? `${l.slice(0, 600)}…` : l)),
    `--- ${app} stdout/stderr ---`, browser.output(),
  ].join('\n');
  return { version: final?.version, active: final?.active ?? false, log, profileDir, pgid: browser.child.pid };
}

/** The Firefox-only harness's entry point: runGeckoUpdateCheck with `app` defaulting to firefox. */
export const runFirefoxUpdateCheck = runGeckoUpdateCheck;
