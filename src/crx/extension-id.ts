import crypto from 'node:crypto';
import { CRX_ID_BYTES } from './crx3-proto.ts';

/**
 * Chromium's extension ids (components/crx_file/id_util.cc): the first 16 bytes of SHA-256 of the
 * publisher's SubjectPublicKeyInfo DER, each nibble written as a letter, 0-f -> a-p. The key is the
 * identity: a new key is a new extension.
 */

const EXTENSION_ID = /^[a-p]{32}$/;

export function isExtensionId(value: string): boolean {
  return EXTENSION_ID.test(value);
}

/** The 16 bytes a CRX3 signs as its crx_id. */
export function crxIdOf(spkiDer: Uint8Array): Buffer {
  return crypto.createHash('sha256').update(spkiDer).digest().subarray(0, CRX_ID_BYTES);
}

/** The 32-letter id for 16 crx_id bytes. */
export function extensionIdFromCrxId(crxId: Uint8Array): string {
  if (crxId.length !== CRX_ID_BYTES) throw new RangeError(`A crx_id is ${CRX_ID_BYTES} bytes, not ${crxId.length}.`);
  let id = '';
  for (const byte of crxId) id += String.fromCharCode(97 + (byte >> 4), 97 + (byte & 15));
  return id;
}

/** The id Chromium gives an extension signed with this key (SPKI DER, as in a CRX proof or "key"). */
export function extensionIdOf(spkiDer: Uint8Array): string {
  return extensionIdFromCrxId(crxIdOf(spkiDer));
}
