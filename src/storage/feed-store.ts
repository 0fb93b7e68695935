import { dataKeys } from './data-keys.ts';
import type { ObjectStore } from './objects/object-store.ts';
import { JsonRecordStore, type RecordLoadProblem } from './json-record-store.ts';

/**
 * What a feed grants: one XPI add-on, one Chromium extension, one Jami plugin, one collection
 * (and with it its XPI, Chromium and Jami members), or one VPN channel's signed index (`id` is
 * the channel's name).
 */
export type FeedScope =
  | { readonly kind: 'addon'; readonly id: string }
  | { readonly kind: 'chromium'; readonly id: string }
  | { readonly kind: 'jami'; readonly id: string }
  | { readonly kind: 'collection'; readonly id: string }
  | { readonly kind: 'vpn'; readonly id: string };

export const FEED_SCOPE_KINDS: readonly FeedScope['kind'][] = ['addon', 'chromium', 'jami', 'collection', 'vpn'];

/**
 * A private feed: the secret URL prefix /feeds/<token>/ granting read access to `scope`. Only the
 * token's SHA-256 is stored (as for API tokens): the URL is shown once, at creation and rotation.
 * `id` is a short public handle for admin URLs, the API and the audit log.
 */
export interface FeedRecord {
  id: string;
  label: string;
  scope: FeedScope;
  /** SHA-256 of the token, hex. */
  tokenHash: string;
  createdAt: string;
  rotatedAt?: string;
  revision: number;
  /**
   * A collection feed: its collection's createdAt when the feed was made. A collection deleted and
   * made again under the same name is another collection, which this feed does not grant.
   */
  collectionCreatedAt?: string;
  /**
   * The publisher key whose token made the feed (absent when an admin did). That key may still
   * see and revoke it once the scope is no longer its own (another key's add-on joined the VPN
   * channel), though not rotate it: revoking only takes access away.
   */
  createdByKey?: string;
}

function isFeedRecord(value: unknown): value is FeedRecord {
  const r = value as FeedRecord;
  return (
    typeof r?.id === 'string' && typeof r.label === 'string' && typeof r.tokenHash === 'string' && typeof r.revision === 'number' &&
    FEED_SCOPE_KINDS.includes(r.scope?.kind) && typeof r.scope.id === 'string'
  );
}

/** private/feeds/<id>.json, with an in-memory index from token hash to feed. */
export class FeedStore extends JsonRecordStore<FeedRecord> {
  private readonly byHash = new Map<string, string>();
  private readonly hashOf = new Map<string, string>();

  static async open(objects: ObjectStore): Promise<{ feeds: FeedStore; problems: RecordLoadProblem[] }> {
    const feeds = new FeedStore(objects, dataKeys.feeds);
    // Before loading, so the records loaded (and every later change, from any instance) are indexed.
    feeds.onChange((id) => feeds.reindex(id));
    const problems = await feeds.loadAll(isFeedRecord);
    for (const record of feeds.list()) feeds.reindex(record.id);
    return { feeds, problems };
  }

  private reindex(id: string): void {
    const old = this.hashOf.get(id);
    if (old !== undefined && this.byHash.get(old) === id) this.byHash.delete(old);
    this.hashOf.delete(id);
    const record = this.get(id);
    if (!record) return;
    this.byHash.set(record.tokenHash, id);
    this.hashOf.set(id, record.tokenHash);
  }

  /** The feed whose token hashes to `tokenHash`: a map lookup, no comparison of secrets. */
  byTokenHash(tokenHash: string): FeedRecord | undefined {
    const id = this.byHash.get(tokenHash);
    const record = id === undefined ? undefined : this.get(id);
    return record?.tokenHash === tokenHash ? record : undefined;
  }
}
