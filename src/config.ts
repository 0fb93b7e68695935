import path from 'node:path';
import { z } from 'zod';
import { OutpostError } from './errors.ts';
import { isSafeRelativePath } from './names/safe-segment.ts';
import { isValidKeyName } from './storage/key-store.ts';
import { parseStorageLocation } from './storage/objects/storage-location.ts';
import type { BucketLocation } from './storage/objects/s3-objects.ts';

/**
 * One typed configuration object, read and validated once from the environment. Paths resolve
 * against the working directory, so `npm start` in a checkout uses ./storage and ./keys.
 */
/** Where the key passphrase comes from; read (the file) when keys are opened. */
export interface KeyPassphraseSource {
  /** OUTPOST_KEY_PASSPHRASE (not enumerable: no log or JSON of the config carries it). */
  readonly value?: string;
  /** OUTPOST_KEY_PASSPHRASE_FILE, resolved against the working folder: a mounted secret. */
  readonly file?: string;
}

export interface VpnChannelConfig {
  readonly name: string;
  readonly prefix: string;
  readonly keyName: string;
}

export interface S3Config {
  /** OUTPOST_S3_FORCE_PATH_STYLE: bucket in the path, for gateways without virtual-host buckets. */
  forcePathStyle: boolean;
  /** AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL; unset: AWS itself. */
  endpoint: string | undefined;
  /** AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1. */
  region: string;
  /** AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (not enumerable), AWS_SESSION_TOKEN. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
}

export interface Config {
  port: number;
  host: string;
  /** OUTPOST_DATA: public tree (served files) and private state (catalog, tokens). */
  dataDir: string;
  /** OUTPOST_KEYS: publisher keys (encrypted private keys, metadata, generated passphrase). */
  keysDir: string;
  /** Base URL written into updateLink/updateURL, without a trailing slash. */
  publicUrl: string;
  /** Largest accepted upload, in bytes (nginx's client_max_body_size must match). */
  maxUploadBytes: number;
  /** updateHash/update_hash algorithm in manifests (sha512 costs one more read per publish). */
  updateHash: 'sha256' | 'sha512';
  /** OUTPOST_CACHE_MB: one memory budget for everything kept to answer requests (documents, answers, records). */
  cacheBytes: number;
  jami: {
    /** OUTPOST_JAMI_TRUST_ANCHORS: PEM files of the CAs plugin certificates must chain to. */
    trustAnchorFiles: string[];
    /** OUTPOST_JAMI_CRLS: CRL files (PEM or DER) to check plugin certificates against. */
    crlFiles: string[];
    /** OUTPOST_JAMI_FETCH_CRL: also fetch CRLs from the certificates' distribution points. */
    fetchCrl: boolean;
    /** OUTPOST_JAMI_OCSP_UNREACHABLE: refuse, or accept with a warning, when no revocation answer can be had. */
    revocationUnreachable: 'reject' | 'accept-with-warning';
    /** OUTPOST_JAMI_PREFIX: where the Jami Extension Store API is mounted. */
    prefix: string;
  };
  vpn: {
    /** OUTPOST_VPN_PREFIX: the URL path (and public/ folder) of the signed Mozilla VPN add-on index. */
    prefix: string;
    /** OUTPOST_VPN_KEY: the key that signs the index, created with 4096 bits on first use. */
    keyName: string;
    /** OUTPOST_VPN_INDEX_DAYS: how long a signed index is valid ("expires"). */
    indexDays: number;
    /**
     * Every index, each with its own URL, folder and key: "production" (the prefix and key
     * above) first, then OUTPOST_VPN_CHANNELS. Uploads go to "production" unless they name one.
     */
    channels: readonly VpnChannelConfig[];
  };
  keyPassphrase: KeyPassphraseSource;
  /** The S3 client: for `outpost storage copy`, and for serving from a bucket (storage below). */
  s3: S3Config;
  /**
   * OUTPOST_STORAGE=s3://<bucket>[/<prefix>]: the deployment lives in that bucket, shared by every
   * instance started with it; OUTPOST_DATA then holds only this instance's uploads in progress.
   * Unset: the data folder holds everything, as for one server.
   */
  bucket?: BucketLocation;
  /** OUTPOST_CATALOG: the public catalog pages at /catalog ("off": they answer 404). */
  publicCatalog: boolean;
  /** Log level for the server's JSON logs. */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'silent';
}

export type ConfigErrorCode = 'CONFIG_INVALID';
export class ConfigError extends OutpostError<ConfigErrorCode> {}

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  OUTPOST_DATA: z.string().min(1).default('./storage'),
  OUTPOST_KEYS: z.string().min(1).default('./keys'),
  OUTPOST_PUBLIC_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .optional(),
  OUTPOST_MAX_UPLOAD_MB: z.coerce.number().positive().max(4096).default(256),
  OUTPOST_JAMI_TRUST_ANCHORS: z.string().optional(),
  OUTPOST_JAMI_CRLS: z.string().optional(),
  OUTPOST_JAMI_FETCH_CRL: z.enum(['true', 'false', '1', '0']).default('false'),
  OUTPOST_JAMI_OCSP_UNREACHABLE: z.enum(['reject', 'accept']).default('reject'),
  OUTPOST_JAMI_PREFIX: z.string().regex(/^\/[A-Za-z0-9/_-]*$/, 'must be a path such as /jami').default('/jami'),
  OUTPOST_VPN_PREFIX: z.string().regex(/^\/[^?#]*$/, 'must be a path such as /vpn').default('/vpn'),
  OUTPOST_VPN_KEY: z.string().refine(isValidKeyName, 'must be a key name (letters, digits, ".", "_", "-")').default('vpn'),
  OUTPOST_VPN_CHANNELS: z.string().optional(),
  OUTPOST_VPN_INDEX_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  OUTPOST_UPDATE_HASH: z.enum(['sha256', 'sha512']).default('sha256'),
  OUTPOST_CACHE_MB: z.coerce.number().min(1).max(65536).default(16),
  OUTPOST_KEY_PASSPHRASE: z.string().optional(),
  OUTPOST_KEY_PASSPHRASE_FILE: z.string().optional(),
  OUTPOST_STORAGE: z.string().optional(),
  OUTPOST_S3_FORCE_PATH_STYLE: z.enum(['true', 'false', '1', '0']).default('false'),
  AWS_ENDPOINT_URL_S3: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  AWS_ENDPOINT_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  AWS_REGION: z.string().regex(/^[a-z0-9-]{1,32}$/, 'must be a region name such as eu-west-1').optional(),
  AWS_DEFAULT_REGION: z.string().regex(/^[a-z0-9-]{1,32}$/, 'must be a region name such as eu-west-1').optional(),
  AWS_ACCESS_KEY_ID: z.string().optional(),
  AWS_SECRET_ACCESS_KEY: z.string().optional(),
  AWS_SESSION_TOKEN: z.string().optional(),
  OUTPOST_CATALOG: z.enum(['on', 'off']).default('on'),
  OUTPOST_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'silent']).default('info'),
});

/**
 * First path segments something else already answers: the public tree's own folders and the
 * routes of the app. The index folder must be none of them, or one would shadow the other.
 */
const TAKEN_SEGMENTS = new Set(['updates', 'files', 'jami', 'api', 'admin', 'chromium', 'notes', 'update', 'healthz', 'collections', 'catalog']);

/** The VPN index is served from public/<prefix>/, so every segment must pass the file-name rule. */
function vpnPrefix(value: string, jamiPrefix: string, variable = 'OUTPOST_VPN_PREFIX'): string {
  const prefix = value.replace(/\/+$/, '');
  const relative = prefix.slice(1);
  if (!relative || !isSafeRelativePath(relative)) {
    throw new ConfigError('CONFIG_INVALID', `${variable}: "${value}" must be a path of plain names such as /vpn (letters, digits, "._@+{}~-", no "..").`);
  }
  const first = relative.split('/')[0]!;
  if (TAKEN_SEGMENTS.has(first.toLowerCase()) || first.toLowerCase() === jamiPrefix.split('/')[1]?.toLowerCase()) {
    throw new ConfigError('CONFIG_INVALID', `${variable}: "${value}" would share /${first} with other Outpost URLs; choose another path such as /vpn.`);
  }
  return prefix;
}

export const DEFAULT_VPN_CHANNEL = 'production';
const CHANNEL_NAME = /^[a-z][a-z0-9-]{0,31}$/;

/**
 * OUTPOST_VPN_CHANNELS: more indexes beside production, as `name:/prefix:key` entries separated by
 * commas (e.g. `staging:/vpn-staging:vpn-staging`). Each index is a separate trust source for the
 * client, so each has its own folder and its own key; no folder may lie inside another.
 */
function vpnChannels(value: string | undefined, production: VpnChannelConfig, jamiPrefix: string): VpnChannelConfig[] {
  const channels = [production];
  for (const entry of (value ?? '').split(',').map((e) => e.trim()).filter(Boolean)) {
    const [name = '', prefix = '', keyName = '', ...rest] = entry.split(':');
    const bad = (why: string) => new ConfigError('CONFIG_INVALID', `OUTPOST_VPN_CHANNELS: "${entry}" ${why}; write name:/prefix:key, e.g. staging:/vpn-staging:vpn-staging.`);
    if (rest.length) throw bad('has more than three parts');
    if (!CHANNEL_NAME.test(name)) throw bad('needs a name of lowercase letters, digits and "-"');
    if (!isValidKeyName(keyName)) throw bad('needs a key name (letters, digits, ".", "_", "-")');
    const channel = { name, prefix: vpnPrefix(prefix, jamiPrefix, 'OUTPOST_VPN_CHANNELS'), keyName };
    for (const other of channels) {
      if (other.name === channel.name) throw bad(`repeats the channel ${name}`);
      if (other.keyName === channel.keyName) throw bad(`uses the key of ${other.name}: every index needs its own key`);
      // Compared ignoring case: on a case-insensitive file system or CDN /vpn and /VPN are one folder.
      const [a, b] = [`${other.prefix}/`.toLowerCase(), `${channel.prefix}/`.toLowerCase()];
      if (a.startsWith(b) || b.startsWith(a)) throw bad(`shares its folder with ${other.name} (${other.prefix})`);
    }
    channels.push(channel);
  }
  return channels;
}

function fileList(value: string | undefined, cwd: string): string[] {
  return (value ?? '').split(',').map((f) => f.trim()).filter(Boolean).map((f) => path.resolve(cwd, f));
}

function vpnConfig(e: z.infer<typeof schema>, jamiPrefix: string): Config['vpn'] {
  const production = { name: DEFAULT_VPN_CHANNEL, prefix: vpnPrefix(e.OUTPOST_VPN_PREFIX, jamiPrefix), keyName: e.OUTPOST_VPN_KEY };
  return { prefix: production.prefix, keyName: production.keyName, indexDays: e.OUTPOST_VPN_INDEX_DAYS, channels: vpnChannels(e.OUTPOST_VPN_CHANNELS, production, jamiPrefix) };
}

function passphraseSource(e: z.infer<typeof schema>, cwd: string): KeyPassphraseSource {
  const source: KeyPassphraseSource = e.OUTPOST_KEY_PASSPHRASE_FILE ? { file: path.resolve(cwd, e.OUTPOST_KEY_PASSPHRASE_FILE) } : {};
  if (e.OUTPOST_KEY_PASSPHRASE) Object.defineProperty(source, 'value', { value: e.OUTPOST_KEY_PASSPHRASE, enumerable: false });
  return source;
}

/**
 * The AWS SDK's standard variables, read here with the rest (tests and the CLI pass their own
 * environment). Without keys in the environment the SDK's own chain applies (~/.aws, instance
 * roles). The secret is kept out of enumeration so no log or JSON of the config can carry it.
 */
function s3Config(e: z.infer<typeof schema>): S3Config {
  const config: S3Config = {
    forcePathStyle: e.OUTPOST_S3_FORCE_PATH_STYLE === 'true' || e.OUTPOST_S3_FORCE_PATH_STYLE === '1',
    endpoint: e.AWS_ENDPOINT_URL_S3 ?? e.AWS_ENDPOINT_URL,
    region: e.AWS_REGION ?? e.AWS_DEFAULT_REGION ?? 'us-east-1',
  };
  if (e.AWS_ACCESS_KEY_ID && e.AWS_SECRET_ACCESS_KEY) {
    const credentials = { accessKeyId: e.AWS_ACCESS_KEY_ID, ...(e.AWS_SESSION_TOKEN ? { sessionToken: e.AWS_SESSION_TOKEN } : {}) };
    Object.defineProperty(credentials, 'secretAccessKey', { value: e.AWS_SECRET_ACCESS_KEY, enumerable: false });
    Object.defineProperty(config, 'credentials', { value: credentials, enumerable: false });
  }
  return config;
}

export function loadConfig(env: NodeJS.ProcessEnv, cwd: string): Config {
  // Empty variables count as unset, as shells make it easy to export VAR= by accident.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError('CONFIG_INVALID', `${issue.path.join('.')}: ${issue.message}`);
  }
  const e = parsed.data;
  const jamiPrefix = e.OUTPOST_JAMI_PREFIX.replace(/\/+$/, '') || '/jami';
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: path.resolve(cwd, e.OUTPOST_DATA),
    keysDir: path.resolve(cwd, e.OUTPOST_KEYS),
    publicUrl: (e.OUTPOST_PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    maxUploadBytes: Math.floor(e.OUTPOST_MAX_UPLOAD_MB * 1024 * 1024),
    updateHash: e.OUTPOST_UPDATE_HASH,
    cacheBytes: Math.floor(e.OUTPOST_CACHE_MB * 1024 * 1024),
    jami: {
      trustAnchorFiles: fileList(e.OUTPOST_JAMI_TRUST_ANCHORS, cwd),
      crlFiles: fileList(e.OUTPOST_JAMI_CRLS, cwd),
      fetchCrl: e.OUTPOST_JAMI_FETCH_CRL === 'true' || e.OUTPOST_JAMI_FETCH_CRL === '1',
      revocationUnreachable: e.OUTPOST_JAMI_OCSP_UNREACHABLE === 'accept' ? 'accept-with-warning' : 'reject',
      prefix: jamiPrefix,
    },
    vpn: vpnConfig(e, jamiPrefix),
    publicCatalog: e.OUTPOST_CATALOG === 'on',
    logLevel: e.OUTPOST_LOG_LEVEL,
    keyPassphrase: passphraseSource(e, cwd),
    s3: s3Config(e),
    ...(e.OUTPOST_STORAGE ? { bucket: bucketOf(e.OUTPOST_STORAGE, cwd) } : {}),
  };
}

function bucketOf(value: string, cwd: string): BucketLocation {
  let location;
  try {
    location = parseStorageLocation(value, cwd);
  } catch (err) {
    throw new ConfigError('CONFIG_INVALID', `OUTPOST_STORAGE: ${(err as Error).message}`, { cause: err });
  }
  if (location.kind !== 's3') throw new ConfigError('CONFIG_INVALID', 'OUTPOST_STORAGE: give s3://<bucket>[/<prefix>]; a data folder is set with OUTPOST_DATA.');
  return { bucket: location.bucket, prefix: location.prefix };
}
