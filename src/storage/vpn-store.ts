import type { VpnConditions } from '../vpn/vpn-conditions.ts';
import { DEFAULT_VPN_CHANNEL } from '../config.ts';
import { dataKeys } from './data-keys.ts';
import type { ObjectStore } from './objects/object-store.ts';
import { JsonRecordStore, type RecordLoadProblem } from './json-record-store.ts';

/** Bytes an add-on was published with before the current ones (the index keeps no versions). */
export interface VpnPreviousUpload {
  sha256: string;
  publishedAt: string;
  replacedAt: string;
}

/**
 * One Mozilla VPN add-on: the current `<id>.rcc` in the index folder and what was read from its
 * manifest. The index names it (id and sha256) unless it is withdrawn.
 */
export interface VpnRecord {
  /** The manifest id, which is also the file name `<id>.rcc` the client downloads. */
  id: string;
  name: string;
  type: string;
  /** The Outpost key whose tokens may replace or withdraw it (the first publisher's). */
  publisherKey: string;
  /** Of the current .rcc: its entry in the index. */
  sha256: string;
  size: number;
  /** As parsed (our names), so warnings can be computed again against today's date. */
  conditions: VpnConditions;
  createdAt: string;
  /** When the current bytes were published. */
  publishedAt: string;
  updatedAt: string;
  /** Counts changes; each audit entry carries it. */
  revision: number;
  /** Set while withdrawn: out of the index, the file aside in private/withdrawn/vpn/<id>/. */
  withdrawnAt?: string;
  /** Earlier uploads, oldest first, for the audit trail. */
  history: VpnPreviousUpload[];
}

function isVpnRecord(value: unknown): value is VpnRecord {
  const r = value as VpnRecord;
  return (
    typeof r?.id === 'string' && typeof r.name === 'string' && typeof r.publisherKey === 'string' && typeof r.sha256 === 'string' &&
    typeof r.revision === 'number' && typeof r.conditions === 'object' && r.conditions !== null && Array.isArray(r.history)
  );
}

/** Published VPN add-ons: private/vpn/<id>.json (the index is rendered from these). */
export class VpnStore extends JsonRecordStore<VpnRecord> {
  static async open(objects: ObjectStore, channel = DEFAULT_VPN_CHANNEL): Promise<{ vpn: VpnStore; problems: RecordLoadProblem[] }> {
    const vpn = new VpnStore(objects, dataKeys.vpnRecords(channel));
    return { vpn, problems: await vpn.loadAll(isVpnRecord) };
  }

  /** The records the index names. */
  active(): VpnRecord[] {
    return this.list().filter((r) => !r.withdrawnAt);
  }
}
