import { OutpostError } from '../errors.ts';

/**
 * Everything that can be wrong with a CRX package, its manifest.json or a gupdate request. Every code
 * starts with `CRX_`, so the HTTP layer answers all of them with 400; tests assert the code only.
 */
export type CrxErrorCode =
  // The package (chromium-extensions.md, "Packages (CRX3)")
  | 'CRX_INVALID' // not "Cr24", truncated, no ZIP after the header
  | 'CRX_VERSION_UNSUPPORTED' // CRX2 or any format version other than 3
  | 'CRX_HEADER_TOO_LARGE' // declared header length over CRX.maxHeaderBytes
  | 'CRX_HEADER_INVALID' // malformed protobuf, unknown or repeated fields, crx_id not 16 bytes
  | 'CRX_TOO_MANY_PROOFS' // more proofs than CRX.maxProofs
  | 'CRX_KEY_UNSUPPORTED' // a proof key that is not canonical SPKI DER of the proof's type and size
  | 'CRX_PROOF_INVALID' // a signature that does not verify (tampered header or ZIP, wrong key)
  | 'CRX_NO_DEVELOPER_PROOF' // no sha256_with_rsa proof at all
  | 'CRX_ID_MISMATCH' // the signed crx_id names none of the RSA proof keys
  // Signing
  | 'CRX_SIGNING_KEY_UNSUPPORTED' // not an RSA private key, or outside the size limits
  // manifest.json of a Chromium extension
  | 'CRX_MANIFEST_INVALID'
  | 'CRX_MANIFEST_VERSION_INVALID'
  | 'CRX_MANIFEST_KEY_MISMATCH' // "key" is not the key the package is signed with
  // gupdate requests (update-protocols.md §5)
  | 'CRX_UPDATE_QUERY_INVALID'
  | 'CRX_UPDATE_QUERY_TOO_LARGE';

export class CrxError extends OutpostError<CrxErrorCode> {}
