/**
 * Limits on what the CRX layer decodes for a stranger. They belong in src/limits.ts next to the
 * others; they live here until that file's owner moves them. None is reached by an honest package or
 * browser.
 */

const KiB = 1024;

export const CRX: Readonly<{
  maxHeaderBytes: number;
  maxProofs: number;
  minRsaBits: number;
  maxRsaBits: number;
  maxUpdateQueryBytes: number;
  maxUpdateApps: number;
  maxUpdateAppParamBytes: number;
}> = Object.freeze({
  /** The CrxFileHeader, held in memory: Omaha's CRX3 parser refuses more than 1 << 18 bytes too. */
  maxHeaderBytes: 256 * KiB,
  /**
   * Proofs of all kinds in one header. Chromium writes one, the Web Store two; each one costs a hash
   * of the whole ZIP, so this also bounds the CPU spent on a 200 MB upload.
   */
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
});
