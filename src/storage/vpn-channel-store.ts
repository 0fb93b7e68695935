import { dataKeys } from './data-keys.ts';
import type { ObjectStore } from './objects/object-store.ts';
import { JsonRecordStore, type RecordLoadProblem } from './json-record-store.ts';

/**
 * A VPN channel's settings, `id` being the channel's name (OUTPOST_VPN_CHANNELS). A channel with
 * no record is public: only a change made in the admin, API or CLI writes one.
 */
export interface VpnChannelRecord {
  id: string;
  /** Served only through feeds: its index folder is private/vpn-feed-index/<channel>/. */
  private: boolean;
  updatedAt: string;
  revision: number;
}

function isVpnChannelRecord(value: unknown): value is VpnChannelRecord {
  const r = value as VpnChannelRecord;
  return typeof r?.id === 'string' && typeof r.private === 'boolean' && typeof r.updatedAt === 'string' && typeof r.revision === 'number';
}

/** private/vpn-channel-settings/<channel>.json, shared by every instance on the store. */
export class VpnChannelStore extends JsonRecordStore<VpnChannelRecord> {
  static async open(objects: ObjectStore): Promise<{ channels: VpnChannelStore; problems: RecordLoadProblem[] }> {
    const channels = new VpnChannelStore(objects, dataKeys.vpnChannelSettings);
    return { channels, problems: await channels.loadAll(isVpnChannelRecord) };
  }

  isPrivate(channel: string): boolean {
    return this.get(channel)?.private === true;
  }
}
