import { createPublicKey } from 'node:crypto';
import { JamiError } from './jami-errors.ts';
import type { JplPackage } from './jpl-inspect.ts';

/**
 * "An update must be signed by the same plugin key": the daemon refuses to replace an installed
 * plugin with one whose leaf key differs, so the store refuses (or asks for an override) first.
 * A key is given as a package or as the DER SubjectPublicKeyInfo stored for an earlier version
 * (JplVerification.signingKey).
 */
export type SigningKeyRef = JplPackage | Buffer;

/** The plugin certificate's key as canonical DER SPKI (re-encoded, so equal keys compare equal). */
export function signingKeyOf(ref: SigningKeyRef): Buffer {
  let spki: Buffer;
  if (Buffer.isBuffer(ref)) spki = ref;
  else {
    const leaf = ref.certificates[0];
    if (!leaf) throw new JamiError('JPL_NO_CERTIFICATE', `The package has no ${ref.certificateEntry}, so its signing key is unknown.`);
    spki = leaf.spki;
  }
  try {
    return createPublicKey({ key: spki, format: 'der', type: 'spki' }).export({ format: 'der', type: 'spki' });
  } catch (err) {
    throw new JamiError('JPL_CERT_INVALID', 'The stored signing key is not a DER SubjectPublicKeyInfo.', { cause: err });
  }
}

export function sameSigningKey(previous: SigningKeyRef, next: SigningKeyRef): boolean {
  return signingKeyOf(previous).equals(signingKeyOf(next));
}

/** Throws JPL_KEY_CHANGED unless both are signed with the same plugin key. */
export function requireSameSigningKey(previous: SigningKeyRef, next: SigningKeyRef): void {
  if (!sameSigningKey(previous, next)) {
    throw new JamiError(
      'JPL_KEY_CHANGED',
      'This version is signed with a different plugin key than the previous one; Jami clients refuse such an update. Sign it with the previous key (a renewed certificate for the same key is fine).',
    );
  }
}
