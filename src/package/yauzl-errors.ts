import { isOutpostError } from '../errors.ts';
import { PackageError, type PackageErrorCode } from './package-errors.ts';

/**
 * yauzl reports everything as a plain Error whose message is the only distinguishing feature.
 * Most cases it catches we check ourselves first (with our own codes); this table covers the rest,
 * and anything unknown becomes ZIP_INVALID so no raw library error reaches a caller.
 */
const MESSAGE_CODES: readonly [RegExp, PackageErrorCode, string][] = [
  [/strong encryption|entry is encrypted/i, 'ZIP_ENCRYPTED', 'The archive contains encrypted entries. Upload an archive without a password.'],
  [/multi-disk|unsupported compression method/i, 'ZIP_UNSUPPORTED', 'The archive uses a ZIP feature browsers cannot read (split archive or unusual compression).'],
  [/too many bytes in the stream/i, 'ZIP_BOMB', 'An entry unpacks to more data than the archive declares.'],
  [/invalid characters in fileName|absolute path|invalid relative path/i, 'ZIP_UNSAFE_PATH', 'The archive contains an unsafe file name.'],
];

export function toPackageError(err: unknown): PackageError {
  if (err instanceof PackageError) return err;
  if (isOutpostError(err)) {
    return new PackageError('ZIP_INVALID', `The archive could not be read: ${err.message}`, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  for (const [pattern, code, text] of MESSAGE_CODES) {
    if (pattern.test(message)) return new PackageError(code, text, { cause: err });
  }
  return new PackageError(
    'ZIP_INVALID',
    'The file is not a valid ZIP archive (it may be truncated or corrupt). Upload the .xpi exactly as it was built.',
    { cause: err },
  );
}
