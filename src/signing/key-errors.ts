import { OutpostError } from '../errors.ts';

/**
 * Everything that can go wrong while creating, reading or using a publisher key. "Password" is the
 * one protecting a file being imported; "passphrase" is the one protecting Outpost's own key store.
 */
export type SigningKeyErrorCode =
  | 'KEY_FORMAT_UNKNOWN' // not a PEM key or PKCS#12 file at all
  | 'KEY_FORMAT_UNSUPPORTED' // a key file, but built with something Outpost cannot read
  | 'KEY_FILE_TOO_LARGE'
  | 'KEY_IMPORT_NO_KEY' // a valid file without a private key in it
  | 'KEY_IMPORT_AMBIGUOUS' // several private keys and no certificate telling which one is meant
  | 'KEY_UNSUPPORTED' // not an RSA key
  | 'KEY_TOO_WEAK'
  | 'KEY_SIZE_UNSUPPORTED' // a new key of a size Outpost does not generate
  | 'KEY_PASSWORD_REQUIRED'
  | 'KEY_PASSWORD_WRONG'
  | 'KEY_PASSPHRASE_REQUIRED'
  | 'KEY_PASSPHRASE_WRONG'
  | 'KEY_DIGEST_UNSUPPORTED';

export class SigningKeyError extends OutpostError<SigningKeyErrorCode> {}
