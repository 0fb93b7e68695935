import { OutpostError } from '../errors.ts';

/**
 * Everything that can be wrong with a Mozilla VPN add-on (.rcc), its manifest.json, or the signed
 * add-on index. Their statuses are in src/error-codes.ts; tests assert the code only.
 */
export type VpnErrorCode =
  // The Qt resource file (.rcc)
  | 'VPN_RCC_ZSTD_UNSUPPORTED' // a zstd entry readRcc was not handed decoded under RCC_SERVING (a server path that skipped the worker)
  | 'VPN_RCC_INVALID' // not "qres", truncated, overlapping or unreferenced bytes, a bad tree, bad compressed data
  | 'VPN_RCC_UNSUPPORTED_VERSION' // a format version other than 1, 2 or 3
  | 'VPN_RCC_TOO_LARGE' // the file itself is over RCC.maxFileBytes (413, like any oversized upload)
  | 'VPN_RCC_TOO_COMPLEX' // too many entries, too deep, a name too long, zstd not decoded within its deadline
  | 'VPN_RCC_BUSY' // zstd entries could not be decoded now: the decoder's queue is full (503, try again)
  | 'VPN_RCC_ENTRY_TOO_LARGE' // an entry or the whole content inflates past the limits, or by too large a ratio
  // The add-on manifest inside it
  | 'VPN_MANIFEST_MISSING' // no manifest.json at the root of the resource tree
  | 'VPN_MANIFEST_INVALID' // not a JSON object, a field missing or of the wrong type, an unknown condition
  | 'VPN_ID_INVALID' // an id that cannot become a file name (src/names/safe-segment.ts)
  | 'VPN_ID_MISMATCH' // the manifest's id is not the file name the add-on is published under
  | 'VPN_CHANNEL_UNKNOWN' // an upload or request names a channel this server does not have
  | 'VPN_CHANNEL_FORBIDDEN' // a token asked to change a whole channel holding add-ons of other keys (app/vpn-visibility.ts)
  // The add-on index and its signature
  | 'VPN_INDEX_INVALID' // not the index shape the client checks, or a serial that does not grow
  | 'VPN_INDEX_SIGNATURE_INVALID'
  | 'VPN_INDEX_EXPIRED' // "expires" is not after the time given
  | 'VPN_INDEX_ROLLBACK' // "serial" is missing or below the one asked for
  | 'VPN_KEY_TOO_SMALL' // an RSA key under VPN.minRsaBits
  | 'VPN_KEY_UNSUPPORTED'; // not an RSA key of the right kind, or over VPN.maxRsaBits

export class VpnError extends OutpostError<VpnErrorCode> {}
