import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_VPN_CHANNEL } from '../config.ts';
import { isObjectKey } from './objects/object-store.ts';
import { dataKeys, refused, segment } from './data-keys.ts';

export { StorageError, type StorageErrorCode } from './data-keys.ts';

/**
 * Where everything lives under OUTPOST_DATA. `public/` is exactly what may be served (nginx's
 * root; public/icons/ only by Outpost's catalog, while its version is offered); catalog, tokens and withdrawn files live in `private/`, which no route can reach.
 *
 *   public/updates/<id>/update.rdf     signed manifest
 *   public/files/<id>/<file>           every published package
 *   private/addons/<id>.json           catalog record per add-on (no whole-catalog rewrites)
 *   private/rendered.log               catalog revision each add-on's documents were built from
 *                                      (older folders: private/rendered/<id>, migrated at start)
 *   private/tokens.json                API tokens (hashes only)
 *   private/admins.json                admin accounts (scrypt hashes only)
 *   private/audit.log                  append-only activity log (JSON lines)
 *   private/withdrawn/<id>/<file>      packages taken out of the manifest, kept aside
 *   private/tmp/                       uploads in progress (same file system, so rename works)
 *   private/jami/<id>.json             verified Jami plugins (store metadata)
 *   private/intents/<id>.json          a change under way; start-up recovery finishes or undoes it
 *   private/intents/<kind>/<id>.json   the same for a Jami plugin, Chromium extension or VPN channel
 *   public/jami/<id>/…                 .jpl files, icons and backgrounds (served by the store API)
 *   public/icons/<id>/<file>           XPI and Chromium icons (served by the catalog while offered)
 *   private/chromium/<id>.json         Chromium extensions (packages in public/files/<id>/, updates.xml
 *                                      in public/updates/<id>/)
 *   private/vpn/<id>.json              Mozilla VPN add-ons (one current .rcc each)
 *   private/vpn-index.json             the VPN index's last serial, and the prefix and key it used
 *   public/<vpn prefix>/               manifest.json, manifest.json.sig and <id>.rcc (OUTPOST_VPN_PREFIX)
 *   private/withdrawn/vpn/<id>/<sha256>.rcc  withdrawn VPN add-ons ("vpn" is no XPI or Chromium id)
 *   private/collections/<name>.json   collections: named, ordered sets of add-ons of any kind
 *   private/feeds/<feed id>.json       private feeds (the secret's SHA-256 only)
 *   private/feed-files/<id>/<file>     packages of private add-ons (served only under /feeds/<secret>/)
 *   private/feed-icons/<id>/<file>     their catalog icons (served by nothing while private)
 *   private/vpn-channels/<channel>/    the same three for every other VPN channel (OUTPOST_VPN_CHANNELS):
 *                                      records/, index.json, withdrawn/<id>/<sha256>.rcc
 *   private/bucket-catalog/            with OUTPOST_STORAGE=s3://… only: this instance's copies of the
 *                                      bucket's add-on records and their index (never an object)
 */
export class DataLayout {
  readonly publicDir: string;
  readonly privateDir: string;
  readonly tmpDir: string;
  readonly addonsDir: string;
  /** Before rendered.log: one mark file per add-on; read once at start, then removed. */
  readonly renderedDir: string;
  readonly renderedLog: string;
  readonly withdrawnDir: string;
  readonly tokensFile: string;
  readonly adminsFile: string;
  readonly auditFile: string;
  readonly jamiRecordsDir: string;
  readonly jamiPublicDir: string;
  readonly intentsDir: string;
  readonly chromiumRecordsDir: string;
  readonly vpnRecordsDir: string;
  readonly vpnStateFile: string;
  readonly collectionsDir: string;
  /** Bucket deployments only: this instance's copies of the bucket's add-on records (catalog-mirror.ts). */
  readonly bucketCatalogDir: string;

  constructor(readonly root: string) {
    root = path.resolve(root);
    this.publicDir = path.join(root, 'public');
    this.privateDir = path.join(root, 'private');
    this.tmpDir = path.join(this.privateDir, 'tmp');
    this.addonsDir = path.join(this.privateDir, 'addons');
    this.renderedDir = path.join(this.privateDir, 'rendered');
    this.renderedLog = path.join(this.privateDir, 'rendered.log');
    this.withdrawnDir = path.join(this.privateDir, 'withdrawn');
    this.tokensFile = path.join(this.privateDir, 'tokens.json');
    this.adminsFile = path.join(this.privateDir, 'admins.json');
    this.auditFile = path.join(this.privateDir, 'audit.log');
    this.jamiRecordsDir = path.join(this.privateDir, 'jami');
    this.jamiPublicDir = path.join(this.publicDir, 'jami');
    this.intentsDir = path.join(this.privateDir, 'intents');
    this.chromiumRecordsDir = path.join(this.privateDir, 'chromium');
    this.vpnRecordsDir = path.join(this.privateDir, 'vpn');
    this.vpnStateFile = path.join(this.privateDir, 'vpn-index.json');
    this.collectionsDir = path.join(this.privateDir, 'collections');
    this.bucketCatalogDir = path.join(this.privateDir, 'bucket-catalog');
  }

  async ensure(): Promise<void> {
    await mkdir(path.join(this.publicDir, 'updates'), { recursive: true, mode: 0o755 });
    await mkdir(path.join(this.publicDir, 'files'), { recursive: true, mode: 0o755 });
    await mkdir(this.jamiPublicDir, { recursive: true, mode: 0o755 });
    for (const dir of [this.privateDir, this.tmpDir, this.addonsDir, this.withdrawnDir, this.jamiRecordsDir, this.intentsDir, this.chromiumRecordsDir, this.vpnRecordsDir, this.collectionsDir]) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
    }
  }

  /** Where an object of the folder backend lives (keys: data-keys.ts). */
  pathOf(key: string): string {
    if (!isObjectKey(key)) throw refused(key);
    return inside(this.root, key);
  }

  manifestPath(id: string): string {
    return this.documentPath(id, 'update.rdf');
  }

  /** One of an add-on's served documents, `relative` being e.g. `<app>/<platform>/update.json`. */
  documentPath(id: string, relative: string): string {
    return this.pathOf(dataKeys.document(id, relative));
  }

  /** The folder of an add-on's served documents. */
  documentsDir(id: string): string {
    return this.pathOf(dataKeys.documents(id).slice(0, -1));
  }

  filePath(id: string, file: string): string {
    return this.pathOf(dataKeys.file(id, file));
  }

  withdrawnPath(id: string, file: string): string {
    return this.pathOf(dataKeys.withdrawn(id, file));
  }

  jamiFilePath(id: string, file: string): string {
    return this.pathOf(dataKeys.jamiFile(id, file));
  }

  recordPath(id: string): string {
    return inside(this.addonsDir, `${segment(id)}.json`);
  }

  /** The folder the VPN index is served from: `prefix` is a URL path such as `/vpn` or `/a/vpn`. */
  vpnIndexDir(prefix: string): string {
    return this.pathOf(dataKeys.vpnIndex(prefix).slice(0, -1));
  }

  /** manifest.json, manifest.json.sig or `<id>.rcc` in the VPN index folder. */
  vpnServedPath(prefix: string, file: string): string {
    return this.pathOf(dataKeys.vpnServed(prefix, file));
  }

  vpnRecordsDirOf(channel: string): string {
    return channel === DEFAULT_VPN_CHANNEL ? this.vpnRecordsDir : path.join(path.dirname(this.vpnStateFileOf(channel)), 'records');
  }

  vpnStateFileOf(channel: string): string {
    return this.pathOf(dataKeys.vpnState(channel));
  }

  vpnWithdrawnPath(id: string, file: string, channel = DEFAULT_VPN_CHANNEL): string {
    return this.pathOf(dataKeys.vpnWithdrawn(id, file, channel));
  }

  /** A change to an add-on that is under way (see app/change-journal.ts). */
  intentPath(id: string): string {
    return this.pathOf(dataKeys.intent(id));
  }

}

/** `base/relative`, refused unless it resolves strictly inside `base` whatever `relative` holds. */
function inside(base: string, relative: string): string {
  const full = path.resolve(base, relative);
  if (!full.startsWith(path.resolve(base) + path.sep)) throw refused(relative);
  return full;
}
