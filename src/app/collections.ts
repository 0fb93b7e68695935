import { OutpostError } from '../errors.ts';
import type { AuditLog } from '../storage/audit-log.ts';
import type { CollectionMember, CollectionRecord, CollectionStore } from '../storage/collection-store.ts';
import type { TaskLock } from './shared-lock.ts';
import type { Actor } from './publish-errors.ts';

export type CollectionErrorCode = 'COLLECTION_NAME_INVALID' | 'COLLECTION_EXISTS' | 'COLLECTION_NOT_FOUND' | 'COLLECTION_INVALID';
export class CollectionError extends OutpostError<CollectionErrorCode> {}

/** A collection's name is its URL segment: /collections/<name>. */
const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const MEMBER_LINE = /^(addon|chromium|jami|vpn)[ \t]+(\S{1,200})(?:[ \t]+(\S{1,32}))?$/;
export const MAX_MEMBERS = 500;
const MAX_TITLE = 100;
const MAX_DESCRIPTION = 2000;
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

export interface CollectionDeps {
  collections: CollectionStore;
  lock: TaskLock;
  audit?: AuditLog;
  /** Whether the member names something published (in any state). */
  exists: (member: CollectionMember) => boolean;
  /** The VPN channels a member may name (production first). */
  vpnChannels: readonly string[];
  now?: () => Date;
}

export interface CollectionFields {
  title: string;
  description: string;
  /** One member per line: `<kind> <id> [<vpn channel>]`; blank lines and `#` comments are skipped. */
  members: string;
}

function invalid(message: string): CollectionError {
  return new CollectionError('COLLECTION_INVALID', message);
}

/** The member lines, checked: a known kind, a published id, each once, a known channel for VPN add-ons. */
export function parseMembers(text: string, deps: Pick<CollectionDeps, 'exists' | 'vpnChannels'>): CollectionMember[] {
  const members: CollectionMember[] = [];
  const seen = new Set<string>();
  const lines = text.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const where = `Line ${i + 1} ("${line.slice(0, 80)}")`;
    const match = MEMBER_LINE.exec(line);
    if (!match) throw invalid(`${where} is not "<kind> <id>": kinds are addon, chromium, jami and vpn (a VPN add-on may add its channel).`);
    const [, kind, id, channel] = match as unknown as [string, CollectionMember['kind'], string, string | undefined];
    if (channel !== undefined && kind !== 'vpn') throw invalid(`${where}: only a VPN add-on takes a channel.`);
    if (channel !== undefined && !deps.vpnChannels.includes(channel)) throw invalid(`${where}: there is no VPN channel ${channel}; this server has ${deps.vpnChannels.join(', ')}.`);
    const member: CollectionMember = { kind, id, ...(channel !== undefined && channel !== deps.vpnChannels[0] ? { channel } : {}) };
    const key = `${kind} ${id} ${member.channel ?? ''}`;
    if (seen.has(key)) throw invalid(`${where} names a member already listed.`);
    if (!deps.exists(member)) throw invalid(`${where}: nothing is published as ${kind} ${id}${channel ? ` in ${channel}` : ''}.`);
    seen.add(key);
    members.push(member);
    if (members.length > MAX_MEMBERS) throw invalid(`A collection holds at most ${MAX_MEMBERS} members.`);
  }
  return members;
}

/** The lines parseMembers reads, for an edit form. */
export function membersText(members: readonly CollectionMember[]): string {
  return members.map((m) => [m.kind, m.id, m.channel].filter(Boolean).join(' ')).join('\n');
}

function checkText(title: string, description: string): void {
  if (title.trim() === '' || title.length > MAX_TITLE || CONTROL.test(title)) throw invalid(`The title must be 1 to ${MAX_TITLE} characters, without control characters.`);
  if (description.length > MAX_DESCRIPTION || CONTROL.test(description)) throw invalid(`The description may have at most ${MAX_DESCRIPTION} characters, without control characters.`);
}

/** Collections are an admin's: create, edit (title, description, members in order) and delete, each audited. */
export class CollectionService {
  private readonly now: () => Date;

  constructor(private readonly deps: CollectionDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  private async audit(actor: Actor, action: string, record: Pick<CollectionRecord, 'id' | 'revision'>, details: Record<string, unknown> = {}): Promise<void> {
    await this.deps.audit?.record({ actor: actor.name, action, target: `collection:${record.id}`, revision: record.revision, details, ...(actor.ip ? { ip: actor.ip } : {}) });
  }

  create(name: string, fields: CollectionFields, actor: Actor): Promise<CollectionRecord> {
    if (!NAME.test(name)) throw new CollectionError('COLLECTION_NAME_INVALID', 'A collection name is 1 to 63 lowercase letters, digits and "-", starting with a letter or digit: it becomes the URL /collections/<name>.');
    return this.deps.lock.run(`collection:${name}`, async () => {
      if (this.deps.collections.get(name)) throw new CollectionError('COLLECTION_EXISTS', `The collection ${name} exists already.`);
      checkText(fields.title, fields.description);
      const members = parseMembers(fields.members, this.deps);
      const at = this.now().toISOString();
      const record: CollectionRecord = { id: name, title: fields.title.trim(), description: fields.description.trim(), members, createdAt: at, updatedAt: at, revision: 1 };
      await this.deps.collections.save(record);
      await this.audit(actor, 'collection-create', record, { members: members.length });
      return record;
    });
  }

  update(name: string, fields: CollectionFields, actor: Actor): Promise<CollectionRecord> {
    return this.deps.lock.run(`collection:${name}`, async () => {
      const previous = this.deps.collections.get(name);
      if (!previous) throw new CollectionError('COLLECTION_NOT_FOUND', `No collection ${name}.`);
      checkText(fields.title, fields.description);
      const members = parseMembers(fields.members, this.deps);
      const record: CollectionRecord = { ...previous, title: fields.title.trim(), description: fields.description.trim(), members, updatedAt: this.now().toISOString(), revision: previous.revision + 1 };
      await this.deps.collections.save(record);
      await this.audit(actor, 'collection-edit', record, { members: members.length });
      return record;
    });
  }

  /** A private collection is served only through its feeds (app/feeds.ts); its public URLs answer 404. */
  setVisibility(name: string, visibility: 'private' | 'public', actor: Actor): Promise<CollectionRecord> {
    return this.deps.lock.run(`collection:${name}`, async () => {
      const previous = this.deps.collections.get(name);
      if (!previous) throw new CollectionError('COLLECTION_NOT_FOUND', `No collection ${name}.`);
      if ((visibility === 'private') === Boolean(previous.private)) return previous;
      const { private: _was, ...rest } = previous;
      const record: CollectionRecord = { ...rest, ...(visibility === 'private' ? { private: true as const } : {}), updatedAt: this.now().toISOString(), revision: previous.revision + 1 };
      await this.deps.collections.save(record);
      await this.audit(actor, 'collection-visibility', record, { visibility });
      return record;
    });
  }

  remove(name: string, actor: Actor): Promise<void> {
    return this.deps.lock.run(`collection:${name}`, async () => {
      const previous = this.deps.collections.get(name);
      if (!previous) throw new CollectionError('COLLECTION_NOT_FOUND', `No collection ${name}.`);
      await this.deps.collections.restore(name, undefined);
      await this.audit(actor, 'collection-delete', { id: name, revision: previous.revision + 1 });
    });
  }
}
