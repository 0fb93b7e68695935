/**
 * Limits applied to an untrusted archive before any entry is decompressed. Everything is checked
 * against the central directory's declared sizes; yauzl then refuses any entry whose real data
 * does not match its declared size, so the declared sizes are what a reader actually gets.
 */
export interface ZipLimits {
  maxEntries: number;
  maxTotalUncompressedBytes: number;
  maxEntryUncompressedBytes: number;
  /** Largest allowed uncompressed/compressed ratio for one entry... */
  maxCompressionRatio: number;
  /**
   * ...but only for entries whose uncompressed size is above this. Small text files (a manifest of
   * spaces, a 40 KiB file of zeros) legitimately deflate by 500x or more and cannot hurt anyone;
   * a bomb needs a large uncompressed size to do damage.
   */
  compressionRatioMinBytes: number;
}

export const DEFAULT_ZIP_LIMITS: Readonly<ZipLimits> = Object.freeze({
  maxEntries: 10_000,
  maxTotalUncompressedBytes: 1024 * 1024 * 1024,
  maxEntryUncompressedBytes: 512 * 1024 * 1024,
  maxCompressionRatio: 200,
  compressionRatioMinBytes: 1024 * 1024,
});

export function resolveZipLimits(limits: Partial<ZipLimits> = {}): ZipLimits {
  const resolved = { ...DEFAULT_ZIP_LIMITS };
  for (const key of Object.keys(resolved) as (keyof ZipLimits)[]) {
    const value = limits[key];
    if (value !== undefined) {
      // A NaN or negative limit would silently disable a check; refuse it loudly instead.
      if (!Number.isFinite(value) || value < 0) throw new RangeError(`zip limit ${key} must be a non-negative number`);
      resolved[key] = value;
    }
  }
  return resolved;
}
