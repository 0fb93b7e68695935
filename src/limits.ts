/**
 * Every limit on what Outpost decodes, parses or keeps for a stranger, in one place, so the README's
 * Security section, the code and the hostile-input tests agree. Each is a guard against one kind of
 * denial of service; none of them is reached by an honest package or client.
 */

/** Frozen, and typed as plain numbers so callers and tests can pass other values of their own. */
function limits<T extends Record<string, number>>(values: T): Readonly<{ [K in keyof T]: number }> {
  return Object.freeze(values);
}

const KiB = 1024;
const MiB = 1024 * KiB;

/** ZIP archives (XPI and JPL), checked against the central directory before any entry is read. */
export const ZIP = limits({
  maxEntries: 10_000,
  maxTotalUncompressedBytes: 1024 * MiB,
  maxEntryUncompressedBytes: 512 * MiB,
  maxCompressionRatio: 200,
  /** The ratio is only checked above this size: small text files deflate by 500x and harm nobody. */
  compressionRatioMinBytes: MiB,
  /**
   * An entry name's length in bytes. Firefox's ZIP reader refuses names longer than the platform's
   * PATH_MAX, and macOS's is 1024; a name that one client accepts and another refuses is ambiguous.
   */
  maxEntryNameBytes: 1024,
  /** One path segment of an entry name: NAME_MAX, since the Jami daemon extracts plugins to disk. */
  maxEntrySegmentBytes: 255,
});

/** Jami plugins carry native libraries, so entries may be large, but nothing like a whole disk. */
export const JPL = limits({
  maxEntryUncompressedBytes: 64 * MiB,
  maxTotalUncompressedBytes: 256 * MiB,
  /** manifest.json and locale files. */
  maxTextBytes: MiB,
  /** Images the store serves (icon, background). */
  maxImageBytes: 4 * MiB,
});

/**
 * An XPI or Chromium extension's icon, copied out of the package for the public catalog. An icon
 * is shown at 40 to 64 px: 1 MiB is a generous photo-sized PNG, and more is refused (a warning).
 */
export const ICON = limits({
  maxBytes: MiB,
  /** The size a manifest's `icons` map is picked by: the smallest at least this, else the largest. */
  preferredPx: 48,
  /** Size keys above this are no real icon and are ignored (they would only mislead the pick). */
  maxPx: 4096,
});

/** The msgpack `signatures` map of a JPL: entry name (str) → signature (bin). */
export const MSGPACK = limits({
  maxBytes: 16 * MiB,
  /** A map of strings to binaries: nothing may nest below the top-level map. */
  maxDepth: 1,
  maxMapEntries: ZIP.maxEntries,
  maxStringBytes: ZIP.maxEntryNameBytes,
  /** A 16384-bit RSA signature is 2 KiB; 64 KiB leaves room for anything real. */
  maxBinBytes: 64 * KiB,
});

/** Certificates in a plugin's `.crt` and the path built from them to a trust anchor. */
export const CERTIFICATES = limits({
  maxCertificatesPerFile: 16,
  /** Real plugin chains have three certificates. */
  maxPathLength: 8,
  /** Signature verifications spent on building one path (each costs ~50 µs to ~1 ms). */
  maxSignatureChecks: 256,
  maxFileBytes: 256 * KiB,
  /**
   * The plugin key verifies one signature per entry (up to ZIP.maxEntries): at 8192 bits that is
   * about 3 s of CPU for the largest plugin, at 16384 bits four times more. Jami's keys are 4096.
   */
  maxRsaBits: 8192,
});

/** Chromium CRX3 packages and gupdate update checks. */
export const CRX = limits({
  /** The CrxFileHeader, held in memory: Omaha's CRX3 parser refuses more than 1 << 18 bytes too. */
  maxHeaderBytes: 256 * KiB,
  /** Proofs in one header (Chromium writes one, the Web Store two); each costs a hash of the ZIP. */
  maxProofs: 8,
  /** Chromium generated 1024-bit keys for years and an extension's id is its key: keep them usable. */
  minRsaBits: 1024,
  maxRsaBits: 8192,
  /** Chromium splits its update checks to keep URLs near 8 KiB. */
  maxUpdateQueryBytes: 16 * KiB,
  /** `x=` parameters in one update check. */
  maxUpdateApps: 256,
  /** One decoded `x=` value: id, version, install source, ping data. */
  maxUpdateAppParamBytes: 1 * KiB,
  /**
   * Nested arrays and objects in manifest.json. Not a guard (JSON.parse reads any depth) but
   * Chromium's: its JSON reader refuses a 200th level (base/json/json_common.h, kAbsoluteMaxDepth).
   */
  maxManifestDepth: 199,
});

/** XML documents read from packages (install.rdf) and from the CLI (update.rdf to sign). */
export const XML = limits({
  maxBytes: MiB,
  maxDepth: 64,
  maxAttributesPerElement: 256,
  maxElements: 100_000,
});

/** Manifests inside packages (install.rdf, manifest.json, messages.json). */
export const MANIFEST = limits({
  maxBytes: MiB,
});

/** Values from packages or requests that become path segments, object keys or URL segments. */
export const NAMES = limits({
  maxAddonIdLength: 80,
  maxVersionLength: 64,
  maxPlatformLength: 64,
  maxLocaleLength: 35,
  maxFileNameLength: 200,
});

/** Admin sessions exist only after a successful sign-in. */
export const SESSIONS = limits({
  idleMs: 2 * 60 * 60 * 1000,
  absoluteMs: 12 * 60 * 60 * 1000,
  maxSessions: 1_000,
  sweepEveryMs: 60 * 1000,
  /** Distinct user names and addresses remembered by the login throttles. */
  maxThrottleEntries: 10_000,
  /** lastSeenAt is written back at most this often (never more often than a tenth of idleMs). */
  touchEveryMs: 60 * 1000,
  /** A session cached by one instance is read again after this long: a sign-out elsewhere is seen within it. */
  recheckMs: 5 * 1000,
});

/** API tokens are checked on every API request; the shared token list is re-read at most this often. */
export const TOKENS = limits({
  /**
   * A revoke made by the CLI or another instance is refused by this one within this bound (on an
   * object store; a folder deployment checks on every request).
   */
  recheckMs: 1000,
});

/** Several instances on one bucket (app/instance-sync.ts). */
export const SYNC = limits({
  /** The change feed is read this often: another instance's change is seen here within it. */
  pollMs: 2000,
  /** Every store is listed this often and changed records re-read, should a feed entry be lost. */
  resyncMs: 60_000,
  /**
   * With each resync, intents at least this old that another instance left (a crash, a lost
   * lease) are finished or taken back, under the add-on's lease. The lease's ttl
   * (object-leases.ts): a change still running elsewhere renews its lease, and is waited for.
   */
  staleIntentMs: 30_000,
});

/**
 * Mozilla VPN add-ons: Qt binary resources (.rcc) and the signed add-on index. Mozilla's add-ons
 * are a manifest, a few translations and scripts: kilobytes, never megabytes.
 */
export const RCC = limits({
  /** The .rcc file itself, held in memory while it is read. */
  maxFileBytes: 8 * MiB,
  /** Tree nodes, files and directories together. */
  maxEntries: 4_096,
  /** Directories below the root. */
  maxDepth: 32,
  /** One name, in UTF-16 code units: names become path segments, and NAME_MAX is 255. */
  maxNameLength: 255,
  maxEntryUncompressedBytes: 16 * MiB,
  maxTotalUncompressedBytes: 64 * MiB,
  maxCompressionRatio: 200,
  /** As ZIP.compressionRatioMinBytes: small text files compress by 500x and harm nobody. */
  compressionRatioMinBytes: MiB,
  /** libzstd's default windowLogMax (27): the client's Qt refuses frames that need a larger window. */
  maxZstdWindowBytes: 128 * MiB,
  /**
   * Decoding a resource's zstd entries, in a worker (src/app/bounded-zstd.ts). fzstd decodes about
   * 70 MB/s of hard data here, so maxTotalUncompressedBytes takes a second; only a frame that
   * makes it spin takes longer.
   */
  zstdDeadlineMs: 10_000,
  /** 1: readRcc decodes zstd entries itself (tools, tests); 0: only what the caller decoded. */
  decodeZstd: 1,
});

/**
 * What the server reads uploads with: zstd entries are decoded by the bounded worker and handed to
 * readRcc; one that was not is refused rather than decoded on the event loop.
 */
export const RCC_SERVING = Object.freeze({ ...RCC, decodeZstd: 0 });

/** The add-on index (manifest.json) and its signature. */
export const VPN = limits({
  /** Mozilla's production key is RSA-4096, staging RSA-2048. */
  minRsaBits: 2048,
  maxRsaBits: 16384,
  maxIndexBytes: MiB,
  maxIndexEntries: 10_000,
  /** JSON nesting in an add-on manifest or the index: Qt's QJsonDocument stops at 1024. */
  maxJsonDepth: 64,
});
