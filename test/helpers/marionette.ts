/**
 * A minimal Marionette client (Gecko's remote-control protocol), just enough for system tests to
 * run privileged JavaScript in a test Firefox or Thunderbird (the same protocol and add-on manager
 * in both), plus the few chrome-context calls they make. Written
 * here rather than pulling in a WebDriver stack: the protocol is a TCP stream of
 * `<byte length>:<JSON>` frames. The server speaks first (a hello object); each command is
 * `[0, id, name, params]` and its answer `[1, id, error, result]`.
 */
import { readFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export class MarionetteError extends Error {
  constructor(
    message: string,
    readonly remote?: { error?: string; message?: string; stacktrace?: string },
  ) {
    super(message);
  }
}

export interface AddonManagerState {
  version: string | undefined;
  active: boolean;
  installs: { state: number; busy: boolean; error: number; version?: string }[];
  /** The last event of every install the triggered check started (see TRIGGER_SCRIPT). */
  started: string[];
}

const INSTALL_EVENTS_PREF = 'outpost.harness.installEvents';
const STARTED_EVENTS = ['onNewInstall', 'onDownloadStarted', 'onDownloadEnded', 'onInstallStarted'];
const ENDED_EVENTS = ['onDownloadFailed', 'onDownloadCancelled', 'onInstallEnded', 'onInstallFailed', 'onInstallCancelled', 'onInstallPostponed'];

/** True once every install the triggered check started has reached an end event. */
export function installsSettled(state: AddonManagerState): boolean {
  return !state.installs.some((i) => i.busy) && state.started.every((e) => ENDED_EVENTS.includes(e));
}

// Chrome-context scripts: Marionette passes args as `arguments` and awaits a returned promise.
const TRIGGER_SCRIPT = `
  const [id] = arguments;
  const TIMER_PREF = 'app.update.lastUpdateTime.addon-background-update-timer';
  const { AddonManager, AddonManagerPrivate } = ChromeUtils.importESModule('resource://gre/modules/AddonManager.sys.mjs');
  return (async () => {
    // Marionette can be up before the add-on manager; backgroundUpdateCheck() throws until it is.
    for (let i = 0; !AddonManager.isReady && i < 200; i++) await new Promise((r) => setTimeout(r, 100));
    // Every install this check starts, with the last event it reached, kept in a pref so later
    // scripts can read it: the manager's own install list has gaps around the moment an upgrade
    // swaps files, where a poll would see "nothing busy" and the old version still active.
    const seen = new WeakMap();
    const events = [];
    const record = (name) => (install) => {
      if (install.existingAddon?.id !== id && install.addon?.id !== id) return;
      if (!seen.has(install)) { seen.set(install, events.length); events.push(null); }
      events[seen.get(install)] = name;
      Services.prefs.setStringPref(${JSON.stringify(INSTALL_EVENTS_PREF)}, JSON.stringify(events));
    };
    const listener = {};
    for (const name of ${JSON.stringify([...STARTED_EVENTS, ...ENDED_EVENTS])}) listener[name] = record(name);
    AddonManager.addInstallListener(listener);
    // Mark the timer's check as just done so it does not start a second, overlapping one.
    Services.prefs.setIntPref(TIMER_PREF, Math.floor(Date.now() / 1000));
    await AddonManagerPrivate.backgroundUpdateCheck();
    return 'done';
  })().catch((e) => {
    // Let the timer do the check after all.
    Services.prefs.setIntPref(TIMER_PREF, 1);
    return 'failed: ' + e;
  });
`;
// An install stays in the manager's list from creation until it ends (installed, failed, cancelled).
const STATE_SCRIPT = `
  const [id] = arguments;
  const { AddonManager } = ChromeUtils.importESModule('resource://gre/modules/AddonManager.sys.mjs');
  const settled = new Set([AddonManager.STATE_INSTALLED, AddonManager.STATE_INSTALL_FAILED,
    AddonManager.STATE_DOWNLOAD_FAILED, AddonManager.STATE_CANCELLED, AddonManager.STATE_POSTPONED]);
  return (async () => {
    const installs = (await AddonManager.getAllInstalls())
      .filter((i) => i.existingAddon?.id === id || i.addon?.id === id)
      .map((i) => ({ state: i.state, busy: !settled.has(i.state), error: i.error, version: i.version }));
    const addon = await AddonManager.getAddonByID(id);
    const started = JSON.parse(Services.prefs.getStringPref(${JSON.stringify(INSTALL_EVENTS_PREF)}, '[]'));
    return { installs, started, version: addon?.version, active: addon?.isActive ?? false };
  })();
`;

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export class MarionetteClient {
  private buffer = Buffer.alloc(0);
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private hello: ((frame: unknown) => void) | undefined;
  private closedError: Error | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.failAll(err));
    socket.on('close', () => this.failAll(new MarionetteError('Marionette connection closed')));
  }

  /** Connects and waits for the server's hello frame. */
  static async connect(port: number, host = '127.0.0.1', timeoutMs = 10_000): Promise<MarionetteClient> {
    const socket = connect({ port, host });
    const client = new MarionetteClient(socket);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new MarionetteError(`no Marionette hello from ${host}:${port} within ${timeoutMs} ms`));
      }, timeoutMs);
      client.hello = (frame) => {
        clearTimeout(timer);
        const proto = (frame as { marionetteProtocol?: number }).marionetteProtocol;
        if (proto !== 3) reject(new MarionetteError(`unsupported Marionette protocol ${String(proto)}`));
        else resolve();
      };
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    return client;
  }

  /**
   * For a Firefox or Thunderbird started with `--marionette` and `marionette.port=0`: waits for
   * the port it writes to `<profile>/MarionetteActivePort`, connects and opens a chrome-context
   * session, all before `giveUpAt` (opening the session waits for the first window, which can take
   * seconds).
   */
  static async fromProfile(profileDir: string, opts: { giveUpAt: number; scriptTimeoutMs: number; stop?: () => boolean }): Promise<MarionetteClient> {
    const portFile = path.join(profileDir, 'MarionetteActivePort');
    let port = 0;
    // The file can exist briefly before its content is written.
    while (!(port > 0)) {
      await sleep(100);
      if (opts.stop?.() || Date.now() > opts.giveUpAt) throw new MarionetteError('the application never wrote MarionetteActivePort');
      port = Number((await readFile(portFile, 'utf8').catch(() => '')).trim());
    }
    const left = (): number => Math.max(1, opts.giveUpAt - Date.now());
    const client = await MarionetteClient.connect(port, '127.0.0.1', left());
    try {
      await client.startChromeSession(Math.max(1000, opts.scriptTimeoutMs), left());
      return client;
    } catch (err) {
      client.close();
      throw err;
    }
  }

  /** Sends one command and resolves with its result (rejects with the remote error). */
  send(name: string, params: Record<string, unknown> = {}, timeoutMs = 30_000): Promise<unknown> {
    if (this.closedError) return Promise.reject(this.closedError);
    const id = this.nextId++;
    const body = Buffer.from(JSON.stringify([0, id, name, params]), 'utf8');
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new MarionetteError(`Marionette command ${name} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.socket.write(Buffer.concat([Buffer.from(`${body.length}:`, 'ascii'), body]));
    });
  }

  /**
   * Opens a session and switches to chrome context, where Services and the add-on manager live.
   * Marionette stops scripts after the session's script timeout; long waits need a larger one.
   */
  async startChromeSession(scriptTimeoutMs = 30_000, timeoutMs = 30_000): Promise<void> {
    const alwaysMatch = { acceptInsecureCerts: true, timeouts: { script: scriptTimeoutMs } };
    await this.send('WebDriver:NewSession', { capabilities: { alwaysMatch } }, timeoutMs);
    await this.send('Marionette:SetContext', { value: 'chrome' }, timeoutMs);
  }

  /**
   * Runs a function body in the current context. Marionette awaits a returned promise, so
   * `return (async () => ...)()` works for asynchronous work.
   */
  async execute<T>(script: string, args: unknown[] = [], timeoutMs = 30_000): Promise<T> {
    const result = (await this.send('WebDriver:ExecuteScript', { script, args }, timeoutMs)) as { value: T };
    return result.value;
  }

  /**
   * Runs the add-on manager's background update check now (what its daily timer does) and resolves
   * with 'done' once every update check has answered; installs it started may still be running
   * (those for `addonId` are recorded for addonState's `started`).
   */
  backgroundUpdateCheck(timeoutMs: number, addonId: string): Promise<string> {
    return this.execute<string>(TRIGGER_SCRIPT, [addonId], timeoutMs);
  }

  /** The add-on as the add-on manager sees it, and its installs (busy = not yet over). */
  addonState(id: string): Promise<AddonManagerState> {
    return this.execute<AddonManagerState>(STATE_SCRIPT, [id], 5000);
  }

  /** Every message in the browser console (Services.console), oldest first. */
  consoleMessages(): Promise<string[]> {
    return this.execute<string[]>('return Services.console.getMessageArray().map((m) => String(m.message ?? m));', [], 5000);
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const colon = this.buffer.indexOf(0x3a);
      if (colon < 0) return;
      const length = Number(this.buffer.subarray(0, colon).toString('ascii'));
      if (!Number.isInteger(length) || length < 0) {
        this.failAll(new MarionetteError('malformed Marionette frame length'));
        this.socket.destroy();
        return;
      }
      if (this.buffer.length < colon + 1 + length) return;
      const text = this.buffer.subarray(colon + 1, colon + 1 + length).toString('utf8');
      this.buffer = this.buffer.subarray(colon + 1 + length);
      let frame: unknown;
      try {
        frame = JSON.parse(text);
      } catch {
        // Thrown from a socket event it would crash the test process; fail the commands instead.
        this.failAll(new MarionetteError('Marionette sent a frame that is not JSON'));
        this.socket.destroy();
        return;
      }
      this.onFrame(frame);
    }
  }

  private onFrame(frame: unknown): void {
    if (!Array.isArray(frame)) {
      const hello = this.hello;
      this.hello = undefined;
      hello?.(frame);
      return;
    }
    const [type, id, error, result] = frame as [number, number, MarionetteError['remote'] | null, unknown];
    const waiter = type === 1 ? this.pending.get(id) : undefined;
    if (!waiter) return;
    this.pending.delete(id);
    clearTimeout(waiter.timer);
    if (error) waiter.reject(new MarionetteError(`${error.error ?? 'error'}: ${error.message ?? ''}`, error));
    else waiter.resolve(result);
  }

  private failAll(err: Error): void {
    this.closedError ??= err;
    for (const [id, waiter] of this.pending) {
      clearTimeout(waiter.timer);
      waiter.reject(err);
      this.pending.delete(id);
    }
  }
}
