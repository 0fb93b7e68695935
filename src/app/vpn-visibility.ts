import type { AuditLog } from '../storage/audit-log.ts';
import { dataKeys, segment } from '../storage/data-keys.ts';
import { listNames } from '../storage/objects/object-bytes.ts';
import type { ObjectStore } from '../storage/objects/object-store.ts';
import type { VpnChannelStore } from '../storage/vpn-channel-store.ts';
import type { RecordLoadProblem } from '../storage/json-record-store.ts';
import { ConfigError } from '../config.ts';
import type { VpnStore } from '../storage/vpn-store.ts';
import { exists } from './addon-changes.ts';
import { VpnError } from '../vpn/vpn-errors.ts';
import type { Actor } from './publish-errors.ts';
import { INDEX_FILE, SIGNATURE_FILE, type VpnIndexWriter } from './vpn-index-writer.ts';
import type { VpnPublishService } from './vpn-publish.ts';

export interface VpnVisibilityDeps {
  objects: ObjectStore;
  settings: VpnChannelStore;
  records: VpnStore;
  index: VpnIndexWriter;
  service: VpnPublishService;
  /** The channel's public prefix (OUTPOST_VPN_PREFIX or the channel's). */
  prefix: string;
  audit?: AuditLog;
  now?: () => Date;
}

/** Where a channel's index lives when it is public, or private (then only feeds reach it). */
export function vpnFolder(channel: string, prefix: string, isPrivate: boolean): string {
  return isPrivate ? dataKeys.vpnFeedIndex(channel) : dataKeys.vpnIndex(prefix);
}

/**
 * Who may change what a whole channel serves (its visibility, its feeds): an admin, or a token of
 * the one key that owns every add-on in it (the channel then serves nothing of another key's).
 */
export function mayManageChannel(records: Pick<VpnStore, 'list'>, actor: Actor): boolean {
  if (actor.admin) return true;
  const keys = new Set(records.list().map((r) => r.publisherKey));
  return keys.size === 1 && keys.has(actor.keyName);
}

/**
 * At start: every channel's setting must be readable, and a channel whose private folder holds
 * files must have one. Otherwise the channel would read as public and start-up repair would move
 * a private channel's index and add-ons into public/. The operator restores the file instead.
 */
export async function checkVpnSettings(objects: ObjectStore, settings: VpnChannelStore, problems: readonly RecordLoadProblem[], channels: readonly { name: string }[]): Promise<void> {
  const [problem] = problems;
  if (problem) throw new ConfigError('CONFIG_INVALID', `The VPN channel setting ${problem.file} cannot be read (${problem.reason}); it says whether a channel is private: restore it from a backup.`);
  for (const { name } of channels) {
    const folder = dataKeys.vpnFeedIndex(name);
    if (!settings.get(name) && (await listNames(objects, folder)).some(ours)) {
      throw new ConfigError('CONFIG_INVALID', `The VPN channel ${name} has a private index (${folder}) but no setting (${dataKeys.vpnChannelSettings}${name}.json): restore it, or write {"id":"${name}","private":true,"updatedAt":"…","revision":1} there.`);
    }
  }
}

const ours = (name: string) => !name.includes('/') && (name === INDEX_FILE || name === SIGNATURE_FILE || name.endsWith('.rcc'));

/**
 * Making a VPN channel private or public again. The setting is saved first: from then on every
 * write (this switch's, a publish's, start-up's) goes to the new folder, so the switch is one
 * durable decision. Then the .rcc files move over, the index is signed there, and the old folder
 * is emptied. A crash after the setting is saved is finished at the next start (drain, called by
 * vpn-repair.ts before anything else), which leaves nothing in the folder the setting does not name
 * — so no byte of a private channel stays under public/ after recovery.
 */
export class VpnVisibility {
  constructor(private readonly deps: VpnVisibilityDeps) {}

  get channel(): string {
    return this.deps.service.channel;
  }

  isPrivate(): boolean {
    return this.deps.settings.isPrivate(this.channel);
  }

  /** The folder the setting does not name: emptied by every switch and every start. */
  private otherFolder(): string {
    return vpnFolder(this.channel, this.deps.prefix, !this.isPrivate());
  }

  /** Returns whether anything changed; asking for what is already so changes nothing. */
  set(visibility: 'private' | 'public', actor: Actor): Promise<boolean> {
    return this.deps.service.runLocked(async () => {
      if (!mayManageChannel(this.deps.records, actor)) {
        throw new VpnError('VPN_CHANNEL_FORBIDDEN', `The ${this.channel} channel holds add-ons of other keys (or none); an admin changes it.`);
      }
      const previous = this.deps.settings.get(this.channel);
      const wanted = visibility === 'private';
      if ((previous?.private ?? false) === wanted) {
        await this.drain();
        return false;
      }
      // A key problem is found before anything moves.
      await this.deps.index.ready();
      const at = (this.deps.now?.() ?? new Date()).toISOString();
      const record = { id: this.channel, private: wanted, updatedAt: at, revision: (previous?.revision ?? 0) + 1 };
      await this.deps.settings.save(record);
      await this.drain();
      const { serial } = await this.deps.index.publish();
      await this.deps.audit?.record({
        actor: actor.name,
        action: 'vpn-visibility',
        target: `vpn-channel:${this.channel}`,
        revision: record.revision,
        details: { channel: this.channel, visibility, serial },
        ...(actor.ip ? { ip: actor.ip } : {}),
      });
      return true;
    });
  }

  /** Whether the folder the setting does not name holds anything of the channel's (cheap: one listing). */
  async leftBehind(): Promise<boolean> {
    return (await listNames(this.deps.objects, this.otherFolder())).some(ours);
  }

  /**
   * Moves the active add-ons' .rcc files the current folder lacks from the other folder, then
   * removes every index file and .rcc left there. The caller holds the channel's lock and signs
   * the index in the current folder afterwards (set, or start-up's refresh). Returns what was removed.
   */
  async drain(): Promise<string[]> {
    const { objects } = this.deps;
    const other = this.otherFolder();
    for (const record of this.deps.records.active()) {
      const from = `${other}${segment(`${record.id}.rcc`)}`;
      const to = this.deps.service.servedKey(record.id);
      if ((await exists(objects, from)) && !(await exists(objects, to))) await objects.move(from, to);
    }
    const removed: string[] = [];
    for (const name of await listNames(objects, other)) {
      if (!ours(name)) continue;
      await objects.remove(`${other}${name}`);
      removed.push(name);
    }
    return removed;
  }
}
