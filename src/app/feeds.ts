import { createHash, randomBytes } from 'node:crypto';
import { OutpostError } from '../errors.ts';
import type { AddonCatalog } from '../storage/addon-catalog.ts';
import type { AuditLog } from '../storage/audit-log.ts';
import type { CollectionStore } from '../storage/collection-store.ts';
import type { FeedRecord, FeedScope, FeedStore } from '../storage/feed-store.ts';
import type { TaskLock } from './shared-lock.ts';
import { ownerKey, type Actor } from './publish-errors.ts';
import type { VpnStore } from '../storage/vpn-store.ts';
import type { ChromiumStore } from '../storage/chromium-store.ts';
import type { PluginStore } from '../storage/plugin-store.ts';
import { mayManageChannel } from './vpn-visibility.ts';

export type FeedErrorCode = 'FEED_INVALID' | 'FEED_NOT_FOUND' | 'FEED_FORBIDDEN';
export class FeedError extends OutpostError<FeedErrorCode> {}

/** 32 random bytes, base64url: the only shape a feed URL's secret segment can have. */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;
/** A feed's public handle (randomBytes(6), hex): anything else names no feed, checked before any lock or read. */
const FEED_ID = /^[0-9a-f]{12}$/;
const SCOPE = /^(addon|chromium|jami|collection|vpn)[ \t]+(\S{1,200})$/;
const MAX_LABEL = 100;
const CONTROL = /[\u0000-\u001f\u007f]/;

const NOUNS: Record<FeedScope['kind'], string> = { addon: 'add-on', chromium: 'Chromium extension', jami: 'Jami plugin', collection: 'collection', vpn: 'VPN channel' };

export function hashFeedToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** `addon <id>` / `chromium <id>` / `jami <id>` / `collection <name>` / `vpn <channel>`, the form the admin, API and CLI take and show. */
export function scopeText(scope: FeedScope): string {
  return `${scope.kind} ${scope.id}`;
}

export function parseScope(text: string): FeedScope {
  const match = SCOPE.exec(text.trim());
  if (!match) throw new FeedError('FEED_INVALID', 'A feed scope is "addon <id>", "chromium <id>", "jami <id>", "collection <name>" or "vpn <channel>".');
  return { kind: match[1] as FeedScope['kind'], id: match[2]! };
}

export interface FeedDeps {
  feeds: FeedStore;
  catalog: Pick<AddonCatalog, 'get'>;
  chromium?: Pick<ChromiumStore, 'get'>;
  plugins?: Pick<PluginStore, 'get'>;
  collections: Pick<CollectionStore, 'get'>;
  /** The VPN channels (OUTPOST_VPN_CHANNELS, production first). */
  vpnChannels?: readonly { readonly name: string; readonly records: Pick<VpnStore, 'list'> }[];
  lock: TaskLock;
  audit?: AuditLog;
  now?: () => Date;
}

/** A feed and its secret, which exists only in this answer (the store keeps its hash). */
export interface IssuedFeed {
  feed: FeedRecord;
  token: string;
}

/**
 * Private feeds: create, rotate (a new secret; the old URL dies at once) and revoke, each
 * audited without the secret. Who may: for an add-on, whoever may change it (its key's token or
 * an admin, ownerKey); for a collection, an admin (collections are theirs); for a VPN channel, an
 * admin or a token of the one key owning all its add-ons (mayManageChannel). The key whose token
 * made a feed may always revoke it.
 */
export class FeedService {
  private readonly now: () => Date;

  constructor(private readonly deps: FeedDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** The feed a URL's secret segment opens, if any: looked up by hash, never compared as text. */
  resolve(token: string): FeedRecord | undefined {
    return TOKEN.test(token) ? this.deps.feeds.byTokenHash(hashFeedToken(token)) : undefined;
  }

  /** The feeds `actor` may see: all for an admin, else those of add-ons of its key. */
  list(actor: Actor): FeedRecord[] {
    return this.deps.feeds
      .list()
      .filter((f) => this.madeBy(f, actor) || this.allowed(f.scope, actor, false))
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  /**
   * Before a feed's lock: the lock's refresh reads the store under this name (on a bucket shared
   * by several instances), and only a well-formed handle may reach a key.
   */
  private checkId(id: string): void {
    if (!FEED_ID.test(id)) throw new FeedError('FEED_NOT_FOUND', `No feed ${id.slice(0, 64)}.`);
  }

  get(id: string, actor: Actor): FeedRecord {
    this.checkId(id);
    const feed = this.deps.feeds.get(id);
    if (!feed || !(this.madeBy(feed, actor) || this.allowed(feed.scope, actor, false))) throw new FeedError('FEED_NOT_FOUND', `No feed ${id.slice(0, 64)}.`);
    return feed;
  }

  private madeBy(feed: FeedRecord, actor: Actor): boolean {
    return !actor.admin && feed.createdByKey !== undefined && feed.createdByKey === actor.keyName;
  }

  private allowed(scope: FeedScope, actor: Actor, loud: boolean): boolean {
    if (actor.admin) return true;
    if (scope.kind === 'vpn') {
      const channel = this.deps.vpnChannels?.find((c) => c.name === scope.id);
      const may = channel !== undefined && mayManageChannel(channel.records, actor);
      if (!may && loud) throw new FeedError('FEED_FORBIDDEN', `The ${scope.id} channel holds add-ons of other keys (or none); an admin makes its feeds.`);
      return may;
    }
    const record = this.owned(scope);
    if (!record) {
      if (loud) throw new FeedError('FEED_FORBIDDEN', scope.kind === 'collection' ? 'Only an admin makes feeds of collections.' : `No ${NOUNS[scope.kind]} ${scope.id} of your key.`);
      return false;
    }
    if (!loud) return record.publisherKey === actor.keyName;
    ownerKey(record, actor, scope.id);
    return true;
  }

  private async audit(actor: Actor, action: string, feed: FeedRecord): Promise<void> {
    const details = { feed: feed.id, scope: scopeText(feed.scope), label: feed.label };
    await this.deps.audit?.record({ actor: actor.name, action, target: `feed:${feed.id}`, revision: feed.revision, details, ...(actor.ip ? { ip: actor.ip } : {}) });
  }

  create(scope: FeedScope, label: string, actor: Actor): Promise<IssuedFeed> {
    const text = label.trim();
    if (text.length > MAX_LABEL || CONTROL.test(text)) throw new FeedError('FEED_INVALID', `A label has at most ${MAX_LABEL} characters, without control characters.`);
    // Authorisation before existence: a token must not learn which collections exist, nor that
    // another key's private add-on does.
    if (!actor.admin && scope.kind === 'collection') throw new FeedError('FEED_FORBIDDEN', 'Only an admin makes feeds of collections.');
    const record = this.owned(scope);
    const hidden = record?.private === true && !actor.admin && record.publisherKey !== actor.keyName;
    const collection = scope.kind === 'collection' ? this.deps.collections.get(scope.id) : undefined;
    if (hidden || !this.exists(scope)) throw new FeedError('FEED_INVALID', `There is no ${NOUNS[scope.kind]} ${scope.id}.`);
    this.allowed(scope, actor, true);
    const id = randomBytes(6).toString('hex');
    const made = {
      id,
      label: text,
      scope,
      createdAt: this.now().toISOString(),
      revision: 1,
      ...(collection ? { collectionCreatedAt: collection.createdAt } : {}),
      ...(actor.admin ? {} : { createdByKey: actor.keyName }),
    };
    return this.deps.lock.run(`feed:${id}`, () => this.issue((tokenHash) => ({ ...made, tokenHash }), 'feed-create', actor));
  }

  /** The record of a per-package scope (add-on, Chromium extension, Jami plugin): its publisher key decides. */
  private owned(scope: FeedScope): { publisherKey: string; private?: true } | undefined {
    if (scope.kind === 'addon') return this.deps.catalog.get(scope.id);
    if (scope.kind === 'jami') return this.deps.plugins?.get(scope.id);
    return scope.kind === 'chromium' ? this.deps.chromium?.get(scope.id) : undefined;
  }

  private exists(scope: FeedScope): boolean {
    if (scope.kind !== 'collection' && scope.kind !== 'vpn') return this.owned(scope) !== undefined;
    if (scope.kind === 'collection') return this.deps.collections.get(scope.id) !== undefined;
    return this.deps.vpnChannels?.some((c) => c.name === scope.id) === true;
  }

  rotate(id: string, actor: Actor): Promise<IssuedFeed> {
    this.checkId(id);
    return this.deps.lock.run(`feed:${id}`, async () => {
      const previous = this.get(id, actor);
      this.allowed(previous.scope, actor, true);
      return this.issue((tokenHash) => ({ ...previous, tokenHash, rotatedAt: this.now().toISOString(), revision: previous.revision + 1 }), 'feed-rotate', actor);
    });
  }

  /** A new secret for the feed `build` makes of its hash: saved, audited (never the secret), answered once. */
  private async issue(build: (tokenHash: string) => FeedRecord, action: string, actor: Actor): Promise<IssuedFeed> {
    const token = randomBytes(32).toString('base64url');
    const feed = build(hashFeedToken(token));
    await this.deps.feeds.save(feed);
    await this.audit(actor, action, feed);
    return { feed, token };
  }

  revoke(id: string, actor: Actor): Promise<void> {
    this.checkId(id);
    return this.deps.lock.run(`feed:${id}`, async () => {
      const previous = this.get(id, actor);
      if (!this.madeBy(previous, actor)) this.allowed(previous.scope, actor, true);
      await this.deps.feeds.restore(id, undefined);
      await this.audit(actor, 'feed-revoke', { ...previous, revision: previous.revision + 1 });
    });
  }
}

/** The path prefix of a feed, `${publicUrl}/feeds/<token>`: what every link it serves starts with. */
export function feedBase(publicUrl: string, token: string): string {
  return `${publicUrl}/feeds/${token}`;
}
