import { forEachChunk, type ChunkSource } from './chunk-source.ts';
import { CrxError } from './crx-errors.ts';
import { importProofKey, startVerification } from './crx-keys.ts';
import { CRX } from '../limits.ts';
import { CRX3_MAGIC, CRX3_PREAMBLE_BYTES, CRX3_VERSION, signedPrefix } from './crx3-format.ts';
import { decodeCrxFileHeader, decodeSignedData, type KeyProof } from './crx3-proto.ts';
import { extensionIdFromCrxId, extensionIdOf } from './extension-id.ts';

/**
 * Reading a CRX3 as Chromium's crx_verifier.cc does, and stricter: the header is parsed and its keys
 * checked first (readCrx3Header, from the first bytes only), then every proof is verified over the ZIP
 * as it streams past (createCrx3Verifier). Nothing here touches the file system.
 */

export interface Crx3Preamble {
  /** Length of the CrxFileHeader. */
  readonly headerLength: number;
  /** Where the ZIP starts: the preamble plus the header. */
  readonly zipOffset: number;
}

export interface Crx3Proof extends KeyProof {
  /** The extension id this proof's key would give. */
  readonly keyId: string;
}

export interface Crx3Header extends Crx3Preamble {
  /** The extension id: the signed crx_id, which is the id of the developer key. */
  readonly id: string;
  /** SPKI DER of the developer key (the RSA proof whose key hashes to crx_id). */
  readonly developerKeySpki: Buffer;
  /** Every proof, RSA first, each still to be verified over the ZIP. */
  readonly proofs: readonly Crx3Proof[];
  readonly signedHeaderData: Buffer;
  /** Web Store packages carry this; it is outside the signatures and Outpost does not use it. */
  readonly verifiedContents: Buffer | undefined;
}

export interface VerifiedCrx3 extends Crx3Header {
  /** Bytes of ZIP after the header, all of them covered by every proof. */
  readonly zipLength: number;
}

export interface Crx3Verifier {
  update(zipChunk: Uint8Array): void;
  /** Verifies every proof; throws CRX_PROOF_INVALID naming the first that fails. */
  finish(): VerifiedCrx3;
}

const ZIP_MAGIC = Buffer.from('PK\x03\x04', 'latin1');

/** Checks the first 12 bytes and says how many bytes hold the header. */
export function readCrx3Preamble(bytes: Uint8Array): Crx3Preamble {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length >= 4 && buf.subarray(0, 4).equals(ZIP_MAGIC)) {
    throw new CrxError('CRX_INVALID', 'This is a plain ZIP, not a CRX. Chromium installs only signed CRX3 packages.');
  }
  if (buf.length < 4 || !buf.subarray(0, 4).equals(CRX3_MAGIC)) {
    throw new CrxError('CRX_INVALID', 'This is not a CRX package: it does not start with "Cr24".');
  }
  if (buf.length < CRX3_PREAMBLE_BYTES) throw new CrxError('CRX_INVALID', 'The CRX package is cut off before its header.');
  const version = buf.readUInt32LE(4);
  if (version !== CRX3_VERSION) {
    throw new CrxError(
      'CRX_VERSION_UNSUPPORTED',
      version === 2
        ? 'This is a CRX2 package, which Chromium no longer installs. Pack it again with a current Chromium.'
        : `This CRX declares format version ${version}; only CRX3 is supported.`,
    );
  }
  const headerLength = buf.readUInt32LE(8);
  if (headerLength > CRX.maxHeaderBytes) {
    throw new CrxError('CRX_HEADER_TOO_LARGE', `The CRX header declares ${headerLength} bytes; at most ${CRX.maxHeaderBytes} are accepted.`);
  }
  return { headerLength, zipOffset: CRX3_PREAMBLE_BYTES + headerLength };
}

/**
 * Parses the header from a buffer holding at least its first `zipOffset` bytes (the whole file, or
 * the first CRX3_PREAMBLE_BYTES + CRX.maxHeaderBytes), and checks everything that needs no ZIP bytes.
 */
export function readCrx3Header(bytes: Uint8Array): Crx3Header {
  const { headerLength, zipOffset } = readCrx3Preamble(bytes);
  if (bytes.length < zipOffset) throw new CrxError('CRX_INVALID', 'The CRX package is cut off inside its header.');
  // Copies, so the result does not keep a whole package buffer alive.
  const header = decodeCrxFileHeader(Buffer.from(bytes.subarray(CRX3_PREAMBLE_BYTES, zipOffset)));
  const id = extensionIdFromCrxId(decodeSignedData(header.signedHeaderData));

  if (header.proofs.length === 0) throw new CrxError('CRX_NO_DEVELOPER_PROOF', 'The CRX package is not signed.');
  const proofs = header.proofs.map((proof, index): Crx3Proof => {
    importProofKey(proof.publicKey, proof.algorithm, describeProof(header.proofs, index));
    return { ...proof, keyId: extensionIdOf(proof.publicKey) };
  });
  const rsa = proofs.filter((p) => p.algorithm === 'sha256_with_rsa');
  if (rsa.length === 0) {
    throw new CrxError('CRX_NO_DEVELOPER_PROOF', 'The CRX package has no RSA signature; Chromium signs with the developer\'s RSA key.');
  }
  const developer = rsa.find((p) => p.keyId === id);
  if (developer === undefined) {
    throw new CrxError(
      'CRX_ID_MISMATCH',
      `The CRX package declares the id ${id}, but none of its RSA keys has that id (${rsa.map((p) => p.keyId).join(', ')}).`,
    );
  }
  return {
    headerLength,
    zipOffset,
    id,
    developerKeySpki: developer.publicKey,
    proofs,
    signedHeaderData: header.signedHeaderData,
    verifiedContents: header.verifiedContents,
  };
}

function describeProof(proofs: readonly KeyProof[], index: number): string {
  const proof = proofs[index]!;
  const n = proofs.slice(0, index + 1).filter((p) => p.algorithm === proof.algorithm).length;
  return `${proof.algorithm} proof ${n}`;
}

export function createCrx3Verifier(header: Crx3Header): Crx3Verifier {
  const prefix = signedPrefix(header.signedHeaderData);
  const checks = header.proofs.map((proof, index) => {
    const where = describeProof(header.proofs, index);
    const verification = startVerification(importProofKey(proof.publicKey, proof.algorithm, where), proof.algorithm);
    verification.update(prefix);
    return { proof, where, verification };
  });
  let zipLength = 0;
  let finished = false;
  return {
    update(zipChunk) {
      if (finished) throw new Error('This CRX verifier has already finished.');
      zipLength += zipChunk.length;
      for (const check of checks) check.verification.update(zipChunk);
    },
    finish() {
      if (finished) throw new Error('This CRX verifier has already finished.');
      finished = true;
      if (zipLength === 0) throw new CrxError('CRX_INVALID', 'The CRX package has a header but no ZIP archive.');
      for (const { proof, where, verification } of checks) {
        if (!verification.verify(proof.signature)) {
          throw new CrxError('CRX_PROOF_INVALID', `The ${where} (key id ${proof.keyId}) does not verify: the package was altered or signed with another key.`);
        }
      }
      return { ...header, zipLength };
    },
  };
}

/** Verifies a header already read against the ZIP part, e.g. a file stream starting at zipOffset. */
export async function verifyCrx3Zip(header: Crx3Header, zip: ChunkSource): Promise<VerifiedCrx3> {
  const verifier = createCrx3Verifier(header);
  await forEachChunk(zip, (chunk) => verifier.update(chunk));
  return verifier.finish();
}

/**
 * Reads and verifies a whole CRX as it streams past, holding only the header in memory. The preamble
 * is checked as soon as its 12 bytes arrive, so an oversized header is refused before it is buffered.
 */
export async function verifyCrx3Stream(crx: ChunkSource): Promise<VerifiedCrx3> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let needed = CRX3_PREAMBLE_BYTES;
  let verifier: Crx3Verifier | undefined;
  await forEachChunk(crx, (chunk) => {
    if (verifier) return verifier.update(chunk);
    pending.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    pendingBytes += chunk.length;
    if (pendingBytes < needed) return;
    const head = Buffer.concat(pending, pendingBytes);
    pending = [head];
    if (needed === CRX3_PREAMBLE_BYTES) {
      needed = readCrx3Preamble(head).zipOffset;
      if (pendingBytes < needed) return;
    }
    const header = readCrx3Header(head);
    verifier = createCrx3Verifier(header);
    verifier.update(head.subarray(header.zipOffset));
  });
  if (!verifier) {
    readCrx3Header(Buffer.concat(pending, pendingBytes)); // throws: the stream ended inside the header
    throw new CrxError('CRX_INVALID', 'The CRX package is cut off inside its header.');
  }
  return verifier.finish();
}

/** The whole package in one buffer: readCrx3Header and the verification in one call. */
export function readCrx3(crx: Buffer): VerifiedCrx3 {
  const header = readCrx3Header(crx);
  const verifier = createCrx3Verifier(header);
  verifier.update(crx.subarray(header.zipOffset));
  return verifier.finish();
}
