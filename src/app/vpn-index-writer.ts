import { DEFAULT_VPN_CHANNEL } from '../config.ts';
import { isOutpostError } from '../errors.ts';
import { dataKeys, segment } from '../storage/data-keys.ts';
import { readObject, writeObject } from '../storage/objects/object-bytes.ts';
import type { ObjectStore } from '../storage/objects/object-store.ts';
import type { VpnStore } from '../storage/vpn-store.ts';
import { renderIndex, signIndex, verifyIndex } from '../vpn/vpn-index.ts';
import { publicKeyOf, type VpnIndexKey } from './vpn-index-key.ts';

/** The names the client fetches under its trusted base URL (spec: "What a client fetches"). */
export const INDEX_FILE = 'manifest.json';
export const SIGNATURE_FILE = 'manifest.json.sig';

const DAY_MS = 24 * 60 * 60 * 1000;

/** private/vpn-index.json: the serial last issued and the prefix the index was written under. */
export interface VpnIndexState {
  serial: number;
  prefix: string;
}

export interface VpnIndexDeps {
  objects: ObjectStore;
  records: VpnStore;
  key: VpnIndexKey;
  /** OUTPOST_VPN_PREFIX, or the channel's */
  prefix: string;
  /** The channel this index is (production unless OUTPOST_VPN_CHANNELS names more). */
  channel?: string;
  /** OUTPOST_VPN_INDEX_DAYS */
  indexDays: number;
  /**
   * The folder the index is served from now: public/<prefix>/, or a private channel's folder
   * (vpn-visibility.ts). Read at each write, so a switch takes effect at the next one.
   */
  folder?: () => string;
  now?: () => Date;
}

/** The index, its signature and the state are a few KB; anything near this is not ours. */
const MAX_INDEX_BYTES = 16 * 1024 * 1024;

/** The serial a file claims, or 0: only ever a floor for the next one, never trusted beyond that. */
function claimedSerial(bytes: Buffer | undefined): number {
  try {
    const serial = (JSON.parse(bytes?.toString('utf8') ?? 'null') as { serial?: unknown } | null)?.serial;
    return Number.isSafeInteger(serial) && (serial as number) > 0 ? (serial as number) : 0;
  } catch {
    return 0;
  }
}

/**
 * Writes the signed index of the active records. Callers hold the VPN lock, so serials are issued
 * one at a time. The serial is saved before the index goes out, so no crash can issue one twice;
 * manifest.json is written before its signature, and a crash between the two leaves a pair that
 * does not verify, which start-up replaces (isCurrent is false).
 */
export class VpnIndexWriter {
  private readonly now: () => Date;

  constructor(private readonly deps: VpnIndexDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** The folder the index and its .rcc files are in now (ends with /). */
  folder(): string {
    return this.deps.folder?.() ?? dataKeys.vpnIndex(this.deps.prefix);
  }

  /** manifest.json, manifest.json.sig or `<id>.rcc` in the current folder. */
  fileKey(name: string): string {
    return `${this.folder()}${segment(name)}`;
  }

  private key(name: string): string {
    return this.fileKey(name);
  }

  private read(key: string): Promise<Buffer | undefined> {
    return readObject(this.deps.objects, key, MAX_INDEX_BYTES);
  }

  private stateKey(): string {
    return dataKeys.vpnState(this.deps.channel ?? DEFAULT_VPN_CHANNEL);
  }

  async state(): Promise<VpnIndexState | undefined> {
    const bytes = await this.read(this.stateKey());
    if (!bytes) return undefined;
    let saved: Partial<VpnIndexState> = {};
    try {
      saved = JSON.parse(bytes.toString('utf8')) as Partial<VpnIndexState>;
    } catch {
      // Written atomically, so only a hand edit breaks it; the served index still gives a floor.
    }
    const { serial, prefix } = saved;
    return { serial: Number.isSafeInteger(serial) ? serial! : 0, prefix: typeof prefix === 'string' ? prefix : this.deps.prefix };
  }

  /** What the served index says of itself (for the admin): its serial and expiry, if one is served. */
  async served(): Promise<{ serial: number; expires: string } | undefined> {
    const bytes = await this.read(this.key(INDEX_FILE));
    if (!bytes) return undefined;
    try {
      const { serial, expires } = JSON.parse(bytes.toString('utf8')) as { serial?: unknown; expires?: unknown };
      return Number.isSafeInteger(serial) && typeof expires === 'string' ? { serial: serial as number, expires } : undefined;
    } catch {
      return undefined;
    }
  }

  /** Whether an index has ever been served here (a server without VPN add-ons writes none). */
  async exists(): Promise<boolean> {
    return (await this.deps.objects.head(this.key(INDEX_FILE))) !== undefined;
  }

  /** Loads (or on first use creates) the key, so a key problem is found before a change writes anything. */
  async ready(): Promise<void> {
    await this.deps.key.signer();
  }

  /** Renders, signs and writes the index with the next serial. The key is loaded before any write. */
  async publish(): Promise<{ serial: number; expires: Date }> {
    const signer = await this.deps.key.signer();
    // A lost state file must not restart the count below what clients have already seen.
    const previous = Math.max((await this.state())?.serial ?? 0, claimedSerial(await this.read(this.key(INDEX_FILE))));
    const serial = previous + 1;
    const expires = new Date(this.now().getTime() + this.deps.indexDays * DAY_MS);
    const addons = this.deps.records.active().map((r) => ({ id: r.id, sha256: r.sha256 }));
    const index = renderIndex({ addons, serial, expires, previousSerial: previous });
    const signature = signIndex(index, signer);
    const state: VpnIndexState = { serial, prefix: this.deps.prefix };
    const { objects } = this.deps;
    await writeObject(objects, this.stateKey(), `${JSON.stringify(state, null, 2)}\n`);
    await writeObject(objects, this.key(INDEX_FILE), index);
    await writeObject(objects, this.key(SIGNATURE_FILE), signature);
    return { serial, expires };
  }

  /**
   * True when the served pair verifies with the configured key, names exactly the active records,
   * carries the serial last issued, and has more than half its validity left (so a running server
   * re-signs well before clients would see it expire).
   */
  async isCurrent(): Promise<boolean> {
    const [index, signature, state] = [await this.read(this.key(INDEX_FILE)), await this.read(this.key(SIGNATURE_FILE)), await this.state()];
    if (!index || !signature || !state || state.prefix !== this.deps.prefix) return false;
    const refreshAt = new Date(this.now().getTime() + (this.deps.indexDays * DAY_MS) / 2);
    try {
      const parsed = verifyIndex(index, signature, publicKeyOf(await this.deps.key.signer()), { now: refreshAt, minSerial: state.serial });
      const served = parsed.addons.map((a) => `${a.id} ${a.sha256}`).sort();
      const wanted = this.deps.records.active().map((r) => `${r.id} ${r.sha256}`).sort();
      return parsed.serial === state.serial && served.join('\n') === wanted.join('\n');
    } catch (err) {
      // Only the verdict on the served files; a key that cannot be loaded is the caller's error.
      if (isOutpostError(err) && err.code.startsWith('VPN_INDEX_')) return false;
      throw err;
    }
  }
}
