import { DEFAULT_VPN_CHANNEL } from '../config.ts';
import { isSafeRelativePath, isSafeSegment } from '../names/safe-segment.ts';
import { OutpostError } from '../errors.ts';

export type StorageErrorCode = 'STORAGE_PATH_REFUSED';
/** A caller asked for a name outside the deployment's grammar: a bug upstream, never the client's doing. */
export class StorageError extends OutpostError<StorageErrorCode> {}

/**
 * What a feed may send from a bucket besides VPN index folders: packages and Jami files, public
 * or kept aside for feeds (file, feedOnly, jamiFile and jamiFeedFile below).
 */
export const FEED_FILE_PREFIXES: readonly string[] = ['public/files/', 'private/feed-files/', 'public/jami/', 'private/jami-feed-files/'];

/**
 * The object key of everything the services write (keys are the data folder's relative paths, so
 * one name means the same thing on disk and in a bucket; see objects/object-store.ts). Ids and
 * file names were validated long before (src/names); these checks are the wall behind that one.
 */
export const dataKeys = {
  /** A published package: public/files/<id>/<file>. */
  file: (id: string, file: string) => `${dataKeys.files(id)}${segment(file)}`,
  /** The prefix of every published package of an id (ends with /). */
  files: (id: string) => `public/files/${segment(id)}/`,
  /** A withdrawn package, kept aside where nothing serves it. */
  withdrawn: (id: string, file: string) => `private/withdrawn/${segment(id)}/${segment(file)}`,
  /**
   * A package of a private add-on (feeds only): outside public/, which nginx serves straight
   * from disk or bucket and where package URLs are guessable.
   */
  feedOnly: (id: string, file: string) => `private/feed-files/${segment(id)}/${segment(file)}`,
  /** The catalog icon of a private add-on: out of public/ with its packages (no route serves it). */
  feedOnlyIcon: (id: string, file: string) => `private/feed-icons/${segment(id)}/${segment(file)}`,
  /** Feeds (feed-store.ts): one record each, named by its public handle. */
  feeds: 'private/feeds/',
  /** One of an add-on's served documents, `relative` being e.g. `<app>/<platform>/update.json`. */
  document: (id: string, relative: string) => `${dataKeys.documents(id)}${relativePath(relative)}`,
  /** The prefix of every served document of an add-on (ends with /). */
  documents: (id: string) => `public/updates/${segment(id)}/`,
  /** An XPI's or Chromium extension's icon, copied out of its package for the public catalog. */
  icon: (id: string, file: string) => `public/icons/${segment(id)}/${segment(file)}`,
  /** Jami plugin packages, icons and backgrounds. */
  jamiFile: (id: string, file: string) => `${dataKeys.jamiFiles(id)}${segment(file)}`,
  /** The prefix of every file of a Jami plugin (ends with /). */
  jamiFiles: (id: string) => `public/jami/${segment(id)}/`,
  /** A private Jami plugin's files (feeds only): out of public/, with its packages and images. */
  jamiFeedFile: (id: string, file: string) => `${dataKeys.jamiFeedFiles(id)}${segment(file)}`,
  jamiFeedFiles: (id: string) => `private/jami-feed-files/${segment(id)}/`,
  /** The folder a VPN index is served from: `prefix` is a URL path such as `/vpn` (ends with /). */
  vpnIndex: (prefix: string) => {
    if (!prefix.startsWith('/')) throw refused(prefix);
    return `public/${relativePath(prefix.slice(1))}/`;
  },
  /** manifest.json, manifest.json.sig or `<id>.rcc` in a VPN index folder. */
  vpnServed: (prefix: string, file: string) => `${dataKeys.vpnIndex(prefix)}${segment(file)}`,
  /**
   * The index folder of a private channel (feeds only): outside public/, which nginx serves
   * anonymously from disk or bucket.
   */
  vpnFeedIndex: (channel: string) => `private/vpn-feed-index/${segment(channel)}/`,
  /** Each VPN channel's settings (vpn-channel-store.ts): whether it is private. */
  vpnChannelSettings: 'private/vpn-channel-settings/',
  /** A channel's index state (serial, prefix): production keeps the place it had before channels. */
  vpnState: (channel: string) => (channel === DEFAULT_VPN_CHANNEL ? 'private/vpn-index.json' : `${vpnChannel(channel)}index.json`),
  /** Changes under way (change-journal.ts): an add-on's at the top, other kinds' in a folder of their own. */
  intents: 'private/intents/',
  intent: (id: string, kind?: string) => `private/intents/${kind ? `${segment(kind)}/` : ''}${segment(id)}.json`,
  /** Where each kind's JSON records live (json-record-store.ts); every prefix ends with /. */
  addonRecords: 'private/addons/',
  jamiRecords: 'private/jami/',
  chromiumRecords: 'private/chromium/',
  collections: 'private/collections/',
  vpnRecords: (channel: string) => (channel === DEFAULT_VPN_CHANNEL ? 'private/vpn/' : `${vpnChannel(channel)}records/`),
  /** A withdrawn VPN add-on ("vpn" is no XPI or Chromium id, so production's sits beside theirs). */
  vpnWithdrawn: (id: string, file: string, channel = DEFAULT_VPN_CHANNEL) =>
    channel === DEFAULT_VPN_CHANNEL ? `private/withdrawn/vpn/${segment(id)}/${segment(file)}` : `${vpnChannel(channel)}withdrawn/${segment(id)}/${segment(file)}`,
};

function vpnChannel(channel: string): string {
  return `private/vpn-channels/${segment(channel)}/`;
}

export function refused(name: string): StorageError {
  return new StorageError('STORAGE_PATH_REFUSED', `refusing unsafe path ${JSON.stringify(name)}`);
}

export function segment(name: string): string {
  if (!isSafeSegment(name)) throw refused(name);
  return name;
}

function relativePath(relative: string): string {
  if (!isSafeRelativePath(relative)) throw refused(relative);
  return relative;
}
