/**
 * Constants of Qt's binary resource format (`rcc -binary`, versions 1 to 3), as Qt 6's qresource.cpp
 * reads it and as checked on files from Debian's Qt 6.4 rcc (docs: shared/spec/vpn-addons.md).
 * All integers are big-endian.
 */

export const RCC_MAGIC = Buffer.from('qres', 'latin1');

/** Node flags (rcc.cpp RCCFileInfo::Flags, which must match qresource.cpp). */
export const FLAG_ZLIB = 0x1;
export const FLAG_DIRECTORY = 0x2;
export const FLAG_ZSTD = 0x4;

/** "qres", version, tree, data and names offsets; version 3 adds the overall flags. */
export function headerSize(version: number): number {
  return version >= 3 ? 24 : 20;
}

/** Name offset, flags, then 8 bytes of directory or file fields; version 2 adds a 64-bit mtime. */
export function nodeSize(version: number): number {
  return version >= 2 ? 22 : 14;
}

/**
 * What rcc writes for a file without a `lang` attribute: QLocale::AnyTerritory and QLocale::C.
 * Qt serves another language's file only to clients in that locale, so anything else would be
 * read differently by different clients.
 */
export const DEFAULT_TERRITORY = 0;
export const DEFAULT_LANGUAGE = 1;

/**
 * Qt's qt_hash over UTF-16 code units. Every name record carries it, and Qt finds a child by binary
 * search on these hashes, so a wrong hash or an unsorted directory hides files from the client
 * that another reader would see.
 */
export function qtHash(name: string): number {
  let h = 0;
  for (let i = 0; i < name.length; i++) {
    // As C's unsigned arithmetic: >>> 0 wraps to 32 bits.
    h = ((h << 4) + name.charCodeAt(i)) >>> 0;
    h = (h ^ ((h & 0xf0000000) >>> 23)) & 0x0fffffff;
  }
  return h;
}
