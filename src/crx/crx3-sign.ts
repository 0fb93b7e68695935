import crypto, { type KeyObject } from 'node:crypto';
import { forEachChunk, type ChunkSource } from './chunk-source.ts';
import { CrxError } from './crx-errors.ts';
import { checkRsaBits } from './crx-keys.ts';
import { encodeCrx3Preamble, signedPrefix } from './crx3-format.ts';
import { encodeCrxFileHeader, encodeSignedData } from './crx3-proto.ts';
import { crxIdOf, extensionIdOf } from './extension-id.ts';

/**
 * Writing a CRX3 exactly as Chromium's packer (components/crx_file/crx_creator.cc) does: one
 * sha256_with_rsa proof by the developer key and signed_header_data holding that key's crx_id. RSA
 * PKCS#1 v1.5 is deterministic, so for the same ZIP and key the header is byte-for-byte Chromium's.
 */

/** A developer key reduced to what packing needs; the private key stays in the closure. */
export interface CrxSigner {
  /** SPKI DER of the public key: the proof's public_key and the base64 of manifest.json's "key". */
  readonly publicKeySpki: Buffer;
  /** The extension id every package signed by this key gets. */
  readonly extensionId: string;
  readonly bits: number;
  /** RSA PKCS#1 v1.5 / SHA-256 over data fed in pieces. */
  startSignature(): { update(chunk: Uint8Array): void; finish(): Buffer };
}

export function crxSignerFromPrivateKey(key: KeyObject): CrxSigner {
  if (key.type !== 'private') throw new CrxError('CRX_SIGNING_KEY_UNSUPPORTED', 'Packing a CRX needs a private key.');
  // An RSA-PSS-restricted key cannot make the PKCS#1 v1.5 signature Chromium checks.
  if (key.asymmetricKeyType !== 'rsa') {
    throw new CrxError('CRX_SIGNING_KEY_UNSUPPORTED', `Chromium extensions are signed with RSA keys; this one is ${key.asymmetricKeyType ?? 'of an unknown type'}.`);
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  checkRsaBits(bits, 'CRX_SIGNING_KEY_UNSUPPORTED', 'The signing key');
  const publicKeySpki = crypto.createPublicKey(key).export({ type: 'spki', format: 'der' });
  return {
    publicKeySpki,
    extensionId: extensionIdOf(publicKeySpki),
    bits,
    startSignature() {
      const sign = crypto.createSign('sha256');
      return {
        update: (chunk) => void sign.update(chunk),
        finish: () => sign.sign({ key, padding: crypto.constants.RSA_PKCS1_PADDING }),
      };
    },
  };
}

export interface Crx3Writer {
  update(zipChunk: Uint8Array): void;
  /** The bytes to write before the ZIP: "Cr24", version, header length and the header. */
  finish(): Buffer;
}

export function createCrx3Writer(signer: CrxSigner): Crx3Writer {
  const signedHeaderData = encodeSignedData(crxIdOf(signer.publicKeySpki));
  const signature = signer.startSignature();
  signature.update(signedPrefix(signedHeaderData));
  let zipLength = 0;
  let finished = false;
  return {
    update(zipChunk) {
      if (finished) throw new Error('This CRX writer has already finished.');
      zipLength += zipChunk.length;
      signature.update(zipChunk);
    },
    finish() {
      if (finished) throw new Error('This CRX writer has already finished.');
      finished = true;
      if (zipLength === 0) throw new CrxError('CRX_INVALID', 'There is no ZIP archive to pack.');
      const header = encodeCrxFileHeader({
        proofs: [{ algorithm: 'sha256_with_rsa', publicKey: signer.publicKeySpki, signature: signature.finish() }],
        verifiedContents: undefined,
        signedHeaderData,
      });
      return Buffer.concat([encodeCrx3Preamble(header.length), header]);
    },
  };
}

/** The bytes that go before a ZIP read in pieces (e.g. from a file): write them, then the ZIP. */
export async function signCrx3Header(zip: ChunkSource, signer: CrxSigner): Promise<Buffer> {
  const writer = createCrx3Writer(signer);
  await forEachChunk(zip, (chunk) => writer.update(chunk));
  return writer.finish();
}

/** A whole CRX3 for a ZIP held in memory. */
export function signCrx3(zip: Buffer, signer: CrxSigner): Buffer {
  const writer = createCrx3Writer(signer);
  writer.update(zip);
  return Buffer.concat([writer.finish(), zip]);
}
