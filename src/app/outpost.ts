import path from 'node:path';
import pino, { type DestinationStream, type Logger } from 'pino';
import type { Config } from '../config.ts';
import { openAuthState, type AuthState } from '../auth/auth-state.ts';
import type { AddonCatalog } from '../storage/addon-catalog.ts';
import { PluginStore } from '../storage/plugin-store.ts';
import { JamiPublishService } from './jami-publish.ts';
import { ChromiumPublishService, CHROMIUM_UPDATE_DOCUMENT } from './chromium-publish.ts';
import { ChromiumVersionChanges } from './chromium-changes.ts';
import { JamiVisibility } from './jami-visibility.ts';
import { ChromiumStore } from '../storage/chromium-store.ts';
import { PackagePublisher } from './package-publish.ts';
import { VpnStore } from '../storage/vpn-store.ts';
import { CollectionStore } from '../storage/collection-store.ts';
import { CollectionService } from './collections.ts';
import { FeedStore } from '../storage/feed-store.ts';
import { FeedService } from './feeds.ts';
import { VpnIndexKey } from './vpn-index-key.ts';
import { VpnIndexWriter } from './vpn-index-writer.ts';
import { VPN_LOCK, VpnPublishService } from './vpn-publish.ts';
import { checkVpnSettings, vpnFolder, VpnVisibility } from './vpn-visibility.ts';
import { VpnChannelStore } from '../storage/vpn-channel-store.ts';
import { DataLayout } from '../storage/data-layout.ts';
import type { ObjectStore } from '../storage/objects/object-store.ts';
import { recoverChanges } from './addon-changes.ts';
import { openBackend } from './backend.ts';
import { createFirstRun } from './first-run.ts';
import { InstanceSync, type SyncedStore } from './instance-sync.ts';
import { ChangeFeed } from '../storage/objects/change-feed.ts';
import type { ObjectCatalogStore } from '../storage/object-catalog-store.ts';
import { SYNC } from '../limits.ts';
import { lockDataFolder, type HeldLock } from '../storage/file-lock.ts';
import { KeyStore, keysFolder } from '../storage/key-store.ts';
import { resolvePassphrase } from './key-access.ts';
import type { TaskLock } from './shared-lock.ts';
import { ManifestService } from './manifests.ts';
import { XpiPublishService } from './xpi-publish.ts';
import { VersionChangeService } from './version-changes.ts';
import { ChangeJournal } from '../storage/change-journal.ts';
import { PackageIntents } from './package-intents.ts';
import { vpnRecovery } from './vpn-repair.ts';
import { SignerCache } from './signer-cache.ts';
import { ByteLru } from '../cache/byte-lru.ts';
import { UpdateQueryService } from './update-queries.ts';
import { publicAddons } from './public-view.ts';
import { checkBeforeServing } from './startup-checks.ts';

export { DEFAULT_KEY_NAME } from './first-run.ts';

/**
 * Everything a running instance holds; built once by the composition root. Tokens, admins,
 * sessions, sign-in counts and the audit log (AuthState) live in the deployment's object store.
 */
export interface Outpost extends AuthState {
  config: Config;
  layout: DataLayout;
  /** Where packages, served documents and records are written: the data folder or a bucket. */
  objects: ObjectStore;
  /** What every change to one thing (an add-on, a VPN index…) holds; across instances on a bucket. */
  lock: TaskLock;
  keys: KeyStore;
  catalog: AddonCatalog;
  /** The serving memory budget (OUTPOST_CACHE_MB): documents, update-query answers, records. */
  memory: ByteLru;
  updateQueries: UpdateQueryService;
  manifests: ManifestService;
  publish: XpiPublishService;
  /** Withdraw, restore and range edits of published versions. */
  versions: VersionChangeService;
  journal: ChangeJournal;
  /** The intents of Jami, Chromium and VPN changes, and how each kind settles one. */
  intents: PackageIntents;
  plugins: PluginStore;
  jamiVisibility: JamiVisibility;
  chromium: ChromiumPublishService;
  /** Published Chromium extensions (what gupdate answers and listings read). */
  chromiumRecords: ChromiumStore;
  /** Withdraw and restore of Chromium extension versions; start-up repair of their files. */
  chromiumVersions: ChromiumVersionChanges;
  /** Published Mozilla VPN add-ons (what the signed index lists). */
  vpnRecords: VpnStore;
  /** The signed VPN add-on index (manifest.json and manifest.json.sig) and its serial. */
  vpnIndex: VpnIndexWriter;
  /** Publish and withdraw of VPN add-ons; the index public key. */
  vpn: VpnPublishService;
  /** Every VPN index: production (vpnRecords, vpnIndex and vpn above) first, then OUTPOST_VPN_CHANNELS. */
  vpnChannels: readonly VpnChannel[];
  /** Collections: named, ordered sets of add-ons of any kind (admin-made, public pages). */
  collectionRecords: CollectionStore;
  collections: CollectionService;
  /** Private feeds: secret URL prefixes granting one add-on or collection (feed-store.ts). */
  feedRecords: FeedStore;
  feeds: FeedService;
  /** Every package format through one door (XPI, Jami plugin, Chromium extension or VPN add-on). */
  packages: PackagePublisher;
  logger: Logger;
  /** With several instances on one bucket: what keeps this one in step with the others. */
  sync?: InstanceSync;
  /** Releases the data folder for another process; the instance is not used afterwards. */
  close(): Promise<void>;
}

export interface VpnChannel {
  readonly name: string;
  readonly prefix: string;
  readonly records: VpnStore;
  readonly index: VpnIndexWriter;
  readonly service: VpnPublishService;
  /** Private or public (vpn-visibility.ts): which folder the index is served from. */
  readonly visibility: VpnVisibility;
}

/** What a first start created and must show once: after that, no secret is printed again. */
export interface FirstRun {
  keyName?: string;
  updateKey?: string;
  token?: string;
  passphraseNotice?: string;
  admin?: { username: string; password: string };
}

export { FIRST_ADMIN } from './first-run.ts';

/**
 * The process logger. The HTTP log serializers (src/http/log-redaction.ts) already strip secrets;
 * these paths catch the same headers should a request or response be logged any other way.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    redact: {
      paths: ['req.headers.authorization', 'req.headers["proxy-authorization"]', 'req.headers.cookie', 'res.headers["set-cookie"]', 'headers.authorization', 'headers.cookie'],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** `around`: see openBackend (tests only). */
export async function openOutpost(config: Config, logger?: Logger, around?: (objects: ObjectStore) => ObjectStore): Promise<{ outpost: Outpost; firstRun: FirstRun }> {
  const log = logger ?? createLogger(config.logLevel);
  const layout = new DataLayout(config.dataDir);
  await layout.ensure();
  // One server per data folder: a second one (or `outpost rebuild` while one runs) refuses to start.
  const folderLock = await lockDataFolder(path.join(layout.privateDir, 'server.lock'), config.dataDir);
  try {
    return await open(config, layout, log, folderLock, around);
  } catch (err) {
    await folderLock.release();
    throw err;
  }
}

async function open(config: Config, layout: DataLayout, log: Logger, folderLock: HeldLock, around?: (objects: ObjectStore) => ObjectStore): Promise<{ outpost: Outpost; firstRun: FirstRun }> {
  const firstRun: FirstRun = {};
  const { passphrase, notice } = await resolvePassphrase(config, true);
  if (notice) firstRun.passphraseNotice = notice;
  const backend = openBackend(config, layout, around);
  await backend.check();
  if (!backend.shared) await KeyStore.prepareFolder(config.keysDir);
  const { objects } = backend;
  // Keys: the OUTPOST_KEYS folder for one server; private/keys/ in the bucket for several, so a
  // key created on one instance signs on every other (still encrypted; the passphrase comes from
  // the environment of each, never from the bucket: key-access.ts).
  const keys = new KeyStore(backend.shared ? objects : keysFolder(config.keysDir), passphrase!);
  // The auth-side state goes through the object-store port; on a folder deployment the files are
  // where they always were. On a folder, checking the token list's ETag is one stat: done on every
  // API request, so a revoke by the CLI counts at once. In a bucket: one audit object per entry,
  // and the token list rechecked every TOKENS.recheckMs.
  const authOptions = backend.shared ? {} : { auditFile: layout.auditFile, tokenRecheckMs: 0 };
  const { tokens, admins, sessions, accountFailures, addressAttempts, audit } = openAuthState(objects, authOptions);

  await createFirstRun({ keys, tokens, admins, audit }, firstRun);

  const signers = new SignerCache(keys);
  await checkBeforeServing(config, keys, signers);

  const memory = new ByteLru(config.cacheBytes);
  const { catalog, problems } = await backend.openCatalog(memory);
  for (const p of problems) log.error({ file: p.file, reason: p.reason }, 'catalog record skipped');
  const manifests = new ManifestService(backend.marks, objects, signers, config.publicUrl, config.updateHash);
  // With several instances on one bucket, a change holds the key's lease, then re-reads the record.
  const lock = backend.lock((key) => refreshGuarded(key));
  const journal = new ChangeJournal(objects);
  const intents = new PackageIntents(journal, lock, audit);
  const publish = new XpiPublishService({ objects, catalog, keys, manifests, audit, journal, lock, publicUrl: config.publicUrl, updateHash: config.updateHash });
  const versions = new VersionChangeService({ objects, catalog, manifests, audit, journal, lock });
  const { plugins, problems: pluginProblems } = await PluginStore.open(objects);
  for (const p of pluginProblems) log.error({ file: p.file, reason: p.reason }, 'Jami plugin record skipped');
  const jami = new JamiPublishService({ objects, plugins, lock, audit, intents, publicUrl: config.publicUrl, jami: config.jami });
  const { chromium: chromiumRecords, problems: chromiumProblems } = await ChromiumStore.open(objects);
  for (const p of chromiumProblems) log.error({ file: p.file, reason: p.reason }, 'Chromium extension record skipped');
  const chromium = new ChromiumPublishService({ objects, tmpDir: layout.tmpDir, records: chromiumRecords, crxSigner: (name) => keys.crxSigner(name), lock, audit, intents, publicUrl: config.publicUrl });
  const chromiumVersions = new ChromiumVersionChanges({
    objects, records: chromiumRecords, lock, audit, intents, staticDocument: (r) => chromium.staticDocument(r), documentName: CHROMIUM_UPDATE_DOCUMENT,
  });
  // One signed index per channel, each with its own folder, key, records and lock.
  const vpnStores = await Promise.all(config.vpn.channels.map(({ name }) => VpnStore.open(objects, name)));
  const { channels: vpnSettings, problems: vpnSettingProblems } = await VpnChannelStore.open(objects);
  // Refused rather than skipped: a private channel read as public would be moved into public/.
  await checkVpnSettings(objects, vpnSettings, vpnSettingProblems, config.vpn.channels);
  const vpnChannels: VpnChannel[] = config.vpn.channels.map(({ name, prefix, keyName }, i) => {
    const { vpn: records, problems } = vpnStores[i]!;
    for (const p of problems) log.error({ file: p.file, reason: p.reason, channel: name }, 'VPN add-on record skipped');
    const key = new VpnIndexKey({ keys, signers, keyName, audit });
    const folder = () => vpnFolder(name, prefix, vpnSettings.isPrivate(name));
    const index = new VpnIndexWriter({ objects, records, key, prefix, channel: name, indexDays: config.vpn.indexDays, folder });
    // Read at publish time, once every channel exists: an id has one owner across channels.
    const ownerElsewhere = (id: string) => vpnChannels.find((c) => c.name !== name && c.records.get(id))?.records.get(id)?.publisherKey;
    const service = new VpnPublishService({ objects, records, index, publicKey: () => key.publicKey(), lock, audit, intents, publicUrl: config.publicUrl, prefix, channel: name, ownerElsewhere, isPrivate: () => vpnSettings.isPrivate(name) });
    const visibility = new VpnVisibility({ objects, settings: vpnSettings, records, index, service, prefix, audit });
    return { name, prefix, records, index, service, visibility };
  });
  const { records: vpnRecords, index: vpnIndex, service: vpn } = vpnChannels[0]!;
  intents.register(jami.recovery);
  const jamiVisibility = new JamiVisibility({ objects, plugins, lock, intents });
  intents.register(chromiumVersions.recovery);
  const inUse = vpnChannels.map((c) => c.prefix);
  intents.register(vpnRecovery((name) => {
    const c = vpnChannels.find((v) => v.name === name);
    return c && { objects, records: c.records, index: c.index, service: c.service, visibility: c.visibility, prefix: c.prefix, inUse, audit };
  }));
  const packages = new PackagePublisher(publish, jami, chromium, vpnChannels);
  const { collections: collectionRecords, problems: collectionProblems } = await CollectionStore.open(objects);
  for (const p of collectionProblems) log.error({ file: p.file, reason: p.reason }, 'collection record skipped');
  const collections = new CollectionService({
    collections: collectionRecords,
    lock,
    audit,
    vpnChannels: vpnChannels.map((c) => c.name),
    exists: (m) => {
      if (m.kind === 'addon') return catalog.revision(m.id) !== undefined;
      if (m.kind === 'chromium') return chromiumRecords.get(m.id) !== undefined;
      if (m.kind === 'jami') return plugins.get(m.id) !== undefined;
      return vpnChannels.find((c) => c.name === (m.channel ?? vpnChannels[0]!.name))?.records.get(m.id) !== undefined;
    },
  });
  const { feeds: feedRecords, problems: feedProblems } = await FeedStore.open(objects);
  for (const p of feedProblems) log.error({ file: p.file, reason: p.reason }, 'feed record skipped');
  const feeds = new FeedService({ feeds: feedRecords, catalog, chromium: chromiumRecords, plugins, collections: collectionRecords, vpnChannels, lock, audit });
  /** What a lock key guards (see each service's lockKey), read again from the bucket. */
  async function refreshGuarded(key: string): Promise<void> {
    const colon = key.indexOf(':');
    // Add-on ids never contain ":" (names/safe-segment.ts); every other kind's keys do.
    // Strict: a change must not start from memory that a failed read left stale.
    const strict = { strict: true };
    if (colon < 0) return void (await (catalog as ObjectCatalogStore).refreshWithTwins(key, strict));
    const [kind, id] = [key.slice(0, colon), key.slice(colon + 1)];
    if (kind === 'jami') await plugins.refreshWithTwins(id, strict);
    else if (kind === 'chromium') await chromiumRecords.refresh(id, strict);
    else if (kind === 'collection') await collectionRecords.refresh(id, strict);
    else if (kind === 'feed') await feedRecords.refresh(id, strict);
    else if (kind === 'vpn-id') for (const c of vpnChannels) await c.records.refreshWithTwins(id, strict);
    else if (kind === VPN_LOCK) {
      await vpnChannels.find((c) => c.name === id)?.records.refreshAll(strict);
      // Where this channel's files go (private or public) is decided by the stored setting.
      await vpnSettings.refresh(id, strict);
    }
  }
  // Several instances on one bucket hear of each other's changes through the change feed.
  let sync: InstanceSync | undefined;
  if (backend.shared) {
    const stores = new Map<string, SyncedStore>([['addon', catalog as ObjectCatalogStore], ['jami', plugins], ['chromium', chromiumRecords], ['collection', collectionRecords], ['feed', feedRecords], ['vpn-channel', vpnSettings]]);
    for (const c of vpnChannels) stores.set(`vpn:${c.name}`, c.records);
    // Intents another instance left (it crashed, or lost its lease) are recovered here too.
    const recoverStale = async (before: number) => {
      const addons = await recoverChanges({ objects, catalog, manifests, journal, audit }, lock, { before });
      const others = await intents.recover({ before });
      // A VPN channel switch keeps no intent: its setting is the decision. One cut short leaves
      // files in the folder the setting does not name (maybe public/): drained here, as at start.
      for (const c of vpnChannels) {
        if (!(await c.visibility.leftBehind())) continue;
        await c.service.runLocked(async () => {
          if ((await c.visibility.drain()).length) await c.service.reindexIfStale();
        });
      }
      const finished = [...addons.finished, ...others.finished];
      const undone = [...addons.undone, ...others.undone];
      if (finished.length || undone.length) log.warn({ finished, undone }, 'finished or took back changes another instance left half-done');
    };
    sync = new InstanceSync(new ChangeFeed(objects), stores, log, recoverStale);
    sync.start(SYNC);
  }
  const close = async () => {
    sync?.stop();
    await folderLock.release();
  };
  // Strangers' adaptive answers: a private add-on is an unknown id (feeds answer for it instead).
  const updateQueries = new UpdateQueryService(publicAddons(catalog), manifests, memory);
  return { outpost: { config, layout, objects, lock, keys, tokens, admins, sessions, accountFailures, addressAttempts, audit, catalog, memory, updateQueries, manifests, publish, versions, journal, intents, plugins, jamiVisibility, chromium, chromiumRecords, chromiumVersions, vpnRecords, vpnIndex, vpn, vpnChannels, packages, collectionRecords, collections, feedRecords, feeds, ...(sync ? { sync } : {}), logger: log, close }, firstRun };
}
