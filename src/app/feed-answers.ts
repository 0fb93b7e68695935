import type { AddonRecord } from '../catalog/addon-record.ts';
import { AnswerPlan } from '../catalog/answer-plan.ts';
import { renderAllDocuments, renderForRequest, type DocumentOptions } from '../catalog/update-documents.ts';
import type { ByteLru } from '../cache/byte-lru.ts';
import type { AddonCatalog } from '../storage/addon-catalog.ts';
import type { CollectionRecord, CollectionStore } from '../storage/collection-store.ts';
import type { FeedRecord } from '../storage/feed-store.ts';
import type { ChromiumRecord, ChromiumStore } from '../storage/chromium-store.ts';
import type { PluginStore } from '../storage/plugin-store.ts';
import type { PluginRecord } from '../jami-store/plugin-record.ts';
import type { ChromiumPublishService } from './chromium-publish.ts';
import { packageKey } from './addon-changes.ts';
import { feedBase, type FeedService } from './feeds.ts';
import { planned, type UpdateQuery } from './update-queries.ts';
import type { VpnChannel } from './outpost.ts';
import { INDEX_FILE, SIGNATURE_FILE } from './vpn-index-writer.ts';
import { vpnFolder } from './vpn-visibility.ts';

export interface FeedAnswerDeps {
  feeds: Pick<FeedService, 'resolve'>;
  catalog: Pick<AddonCatalog, 'load'>;
  /** Jami plugins a `jami <id>` or collection feed grants. */
  plugins?: Pick<PluginStore, 'get' | 'list'>;
  /** Chromium extensions a `chromium <id>` or collection feed grants, and their gupdate answers. */
  chromium?: { records: Pick<ChromiumStore, 'get'>; service: Pick<ChromiumPublishService, 'staticDocument' | 'answerFeedCheck'> };
  collections: Pick<CollectionStore, 'get'>;
  documentOptions: (record: AddonRecord) => Promise<DocumentOptions>;
  publicUrl: string;
  memory: ByteLru;
  /** VPN channels a `vpn <channel>` feed serves the index of. */
  vpn?: readonly Pick<VpnChannel, 'name' | 'prefix' | 'records' | 'visibility'>[];
}

/** What a feed opened with its secret may show: the feed, and the base of every link it serves. */
export interface OpenFeed {
  feed: FeedRecord;
  base: string;
}

/**
 * Everything served under /feeds/<token>/: which add-ons a feed grants (its own, or its
 * collection's XPI and Chromium members, private or not), their documents rendered at request time with every
 * link under the feed's prefix (so the secret travels with each link), and where their packages
 * are. Rendered documents are kept in the shared answer memory, keyed by the feed's token hash
 * and the record's revision: a change to the add-on (a new revision) or a rotation (a new hash)
 * makes new keys, and what the old ones held ages out of the LRU unreachable.
 */
export class FeedAnswers {
  constructor(private readonly deps: FeedAnswerDeps) {}

  open(token: string): OpenFeed | undefined {
    const feed = this.deps.feeds.resolve(token);
    return feed ? { feed, base: feedBase(this.deps.publicUrl, token) } : undefined;
  }

  /** The collection a feed grants, if it is a collection feed whose collection still exists. */
  collection(open: OpenFeed, name: string): CollectionRecord | undefined {
    return open.feed.scope.kind === 'collection' && open.feed.scope.id === name ? this.grantedCollection(open) : undefined;
  }

  /** A collection feed's collection: the one it was made for, not a later one of the same name. */
  private grantedCollection(open: OpenFeed): CollectionRecord | undefined {
    const collection = this.deps.collections.get(open.feed.scope.id);
    return collection && collection.createdAt === open.feed.collectionCreatedAt ? collection : undefined;
  }

  /** The add-on `id` if the feed grants it. */
  async addon(open: OpenFeed, id: string): Promise<AddonRecord | undefined> {
    return this.grants(open, 'addon', id) ? this.deps.catalog.load(id) : undefined;
  }

  /** Whether the feed grants `kind <id>`: its own scope, or a member of its collection. */
  private grants(open: OpenFeed, kind: 'addon' | 'chromium' | 'jami', id: string): boolean {
    const { scope } = open.feed;
    if (scope.kind === kind) return scope.id === id;
    return scope.kind === 'collection' && Boolean(this.grantedCollection(open)?.members.some((m) => m.kind === kind && m.id === id));
  }

  /**
   * The Jami plugins a feed grants, as the store API reads them (every other id unknown); none
   * for a feed that can grant no plugin, whose /jami/ paths are then the plain 404.
   */
  jamiPlugins(open: OpenFeed): Pick<PluginStore, 'get' | 'list'> | undefined {
    const { scope } = open.feed;
    const plugins = this.deps.plugins;
    if (!plugins || (scope.kind !== 'jami' && scope.kind !== 'collection')) return undefined;
    const get = (id: string): PluginRecord | undefined => (this.grants(open, 'jami', id) ? plugins.get(id) : undefined);
    return { get, list: () => plugins.list().filter((r) => this.grants(open, 'jami', r.id)) };
  }

  /** The Chromium extension `id` if the feed grants it. */
  chromiumRecord(open: OpenFeed, id: string): ChromiumRecord | undefined {
    return this.grants(open, 'chromium', id) ? this.deps.chromium?.records.get(id) : undefined;
  }

  /** A granted extension's updates.xml, codebases under the feed (small: rendered per request). */
  chromiumDocument(open: OpenFeed, record: ChromiumRecord): string {
    return this.deps.chromium!.service.staticDocument(record, open.base);
  }

  /** The feed's /chromium/updates.xml?x=…: granted extensions answered, every other id as unknown. */
  chromiumCheck(open: OpenFeed, query: string): string | undefined {
    // A feed that can grant no extension has no such route: the plain 404, as for any path it lacks.
    if (open.feed.scope.kind !== 'chromium' && open.feed.scope.kind !== 'collection') return undefined;
    return this.deps.chromium?.service.answerFeedCheck(query, (id) => this.chromiumRecord(open, id), open.base);
  }

  private async options(open: OpenFeed, record: AddonRecord): Promise<DocumentOptions> {
    return { ...(await this.deps.documentOptions(record)), publicUrl: open.base };
  }

  /**
   * The record as the feed tells it: release notes this server hosts are linked under the feed
   * (/feeds/<token>/notes/…), since a private add-on's public /notes/ URLs answer 404.
   */
  private asServed(open: OpenFeed, record: AddonRecord): AddonRecord {
    const hosted = `${this.deps.publicUrl}/notes/`;
    if (!record.versions.some((v) => v.updateInfoURL?.startsWith(hosted))) return record;
    const rebased = (url: string) => `${open.base}/notes/${url.slice(hosted.length)}`;
    return { ...record, versions: record.versions.map((v) => (v.updateInfoURL?.startsWith(hosted) ? { ...v, updateInfoURL: rebased(v.updateInfoURL) } : v)) };
  }

  private cacheKey(open: OpenFeed, record: AddonRecord, what: string): string {
    return `feed:${open.feed.tokenHash}\n${record.id}\n${record.revision}\n${what}`;
  }

  /** One of the add-on's static documents (`update.json`, `<app>/<platform>/update.rdf`…), by path. */
  async document(open: OpenFeed, record: AddonRecord, path: string): Promise<Buffer | undefined> {
    const key = this.cacheKey(open, record, 'documents');
    let docs = this.deps.memory.get<Map<string, Buffer>>(key);
    if (!docs) {
      docs = new Map(renderAllDocuments(this.asServed(open, record), await this.options(open, record)).map((d) => [d.path, Buffer.from(d.body)]));
      this.deps.memory.set(key, docs, [...docs.values()].reduce((n, b) => n + b.length + 64, 256));
    }
    return docs.get(path);
  }

  /** The adaptive answer to a client's query (the /updates/<id>?… form), as the public route gives it. */
  async query(open: OpenFeed, record: AddonRecord, query: UpdateQuery): Promise<{ format: 'rdf' | 'json'; body: Buffer }> {
    const answer = new AnswerPlan(record, this.cacheKey(open, record, 'answer')).answerFor(planned(query), record)!;
    const ready = this.deps.memory.get<Buffer>(answer.key);
    if (ready) return { format: answer.format, body: ready };
    const body = Buffer.from(renderForRequest(this.asServed(open, record), answer.request, answer.format, await this.options(open, record)));
    this.deps.memory.set(answer.key, body, body.length + 128);
    return { format: answer.format, body };
  }

  /**
   * The object keys that may hold `path` (`<channel prefix>/manifest.json`, `….sig` or
   * `<id>.rcc` of an active add-on) for a VPN channel feed: the channel's current folder first,
   * then the other one, which an instance that has not yet heard of a switch may still name. The
   * bytes are the channel's own: the index holds only ids and sha256s, and the client fetches the
   * files relative to the index URL, so one signed index serves the public prefix and every feed.
   */
  vpnKeys(open: OpenFeed, path: string): string[] | undefined {
    const { scope } = open.feed;
    const channel = scope.kind === 'vpn' ? this.deps.vpn?.find((c) => c.name === scope.id) : undefined;
    if (!channel || !path.startsWith(`${channel.prefix}/`)) return undefined;
    const name = path.slice(channel.prefix.length + 1);
    const record = name.endsWith('.rcc') ? channel.records.get(name.slice(0, -'.rcc'.length)) : undefined;
    if (name !== INDEX_FILE && name !== SIGNATURE_FILE && (!record || record.withdrawnAt)) return undefined;
    const isPrivate = channel.visibility.isPrivate();
    return [vpnFolder(channel.name, channel.prefix, isPrivate), vpnFolder(channel.name, channel.prefix, !isPrivate)].map((folder) => `${folder}${name}`);
  }

  /** The object key of a package of a granted add-on or extension (public/ or private/feed-files/), if offered. */
  packageKey(record: AddonRecord | ChromiumRecord, file: string): string | undefined {
    const version = record.versions.find((v) => v.file === file && !v.withdrawnAt);
    return version ? packageKey(record, version) : undefined;
  }
}
