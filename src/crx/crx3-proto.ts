import { CrxError } from './crx-errors.ts';
import { CRX } from '../limits.ts';
import { encodeProtoFields, lenField, readProtoFields, WIRE, type ProtoField } from './protobuf.ts';

/**
 * The three messages of Chromium's components/crx_file/crx3.proto, and the one place where their
 * wire names and field numbers meet ours:
 *
 *     message CrxFileHeader {
 *       repeated AsymmetricKeyProof sha256_with_rsa = 2;
 *       repeated AsymmetricKeyProof sha256_with_ecdsa = 3;
 *       optional bytes verified_contents = 4;      // Web Store packages only; not signed
 *       optional bytes signed_header_data = 10000;  // a serialized SignedData
 *     }
 *     message AsymmetricKeyProof { optional bytes public_key = 1; optional bytes signature = 2; }
 *     message SignedData { optional bytes crx_id = 1; }  // exactly 16 bytes
 *
 * Stricter than protobuf: unknown fields, a repeated optional field (protobuf keeps the last, which
 * would let two readers see different values) and missing fields are refused.
 */

const FIELD = Object.freeze({
  header: { sha256WithRsa: 2, sha256WithEcdsa: 3, verifiedContents: 4, signedHeaderData: 10000 },
  proof: { publicKey: 1, signature: 2 },
  signedData: { crxId: 1 },
} as const);

export const CRX_ID_BYTES = 16;

export type ProofAlgorithm = 'sha256_with_rsa' | 'sha256_with_ecdsa';

export interface KeyProof {
  readonly algorithm: ProofAlgorithm;
  /** SubjectPublicKeyInfo, DER. */
  readonly publicKey: Buffer;
  readonly signature: Buffer;
}

export interface CrxFileHeader {
  /** RSA proofs first, then ECDSA proofs, each in file order (the order Chromium checks them). */
  readonly proofs: readonly KeyProof[];
  readonly verifiedContents: Buffer | undefined;
  /** Exactly the bytes every proof signs. */
  readonly signedHeaderData: Buffer;
}

function invalid(message: string): CrxError {
  return new CrxError('CRX_HEADER_INVALID', message);
}

function lenValue(field: ProtoField, where: string): Buffer {
  if (field.wireType !== WIRE.len) throw invalid(`${where} field ${field.number} has wire type ${field.wireType}; it must be length-delimited (2).`);
  return field.value;
}

/** Reads the singular LEN fields of a message whose fields are all singular. */
function singularFields(bytes: Buffer, where: string, known: Readonly<Record<string, number>>): Map<number, Buffer> {
  const names = new Map(Object.entries(known).map(([name, number]) => [number, name]));
  const values = new Map<number, Buffer>();
  for (const field of readProtoFields(bytes, where)) {
    const name = names.get(field.number);
    if (name === undefined) throw invalid(`${where} has an unknown field ${field.number}.`);
    if (values.has(field.number)) throw invalid(`${where} has "${name}" twice.`);
    values.set(field.number, lenValue(field, where));
  }
  return values;
}

function decodeProof(bytes: Buffer, algorithm: ProofAlgorithm, index: number): KeyProof {
  const where = `${algorithm} proof ${index + 1}`;
  const values = singularFields(bytes, where, FIELD.proof);
  const publicKey = values.get(FIELD.proof.publicKey);
  const signature = values.get(FIELD.proof.signature);
  if (!publicKey?.length) throw invalid(`${where} has no public key.`);
  if (!signature?.length) throw invalid(`${where} has no signature.`);
  return { algorithm, publicKey, signature };
}

export function decodeCrxFileHeader(bytes: Buffer, maxProofs: number = CRX.maxProofs): CrxFileHeader {
  const rsa: KeyProof[] = [];
  const ecdsa: KeyProof[] = [];
  let verifiedContents: Buffer | undefined;
  let signedHeaderData: Buffer | undefined;
  for (const field of readProtoFields(bytes, 'CrxFileHeader')) {
    const value = lenValue(field, 'CrxFileHeader');
    switch (field.number) {
      case FIELD.header.sha256WithRsa:
      case FIELD.header.sha256WithEcdsa: {
        if (rsa.length + ecdsa.length >= maxProofs) {
          throw new CrxError('CRX_TOO_MANY_PROOFS', `The CRX header carries more than ${maxProofs} signatures; Chromium writes one.`);
        }
        const rsaField = field.number === FIELD.header.sha256WithRsa;
        const list = rsaField ? rsa : ecdsa;
        list.push(decodeProof(value, rsaField ? 'sha256_with_rsa' : 'sha256_with_ecdsa', list.length));
        break;
      }
      case FIELD.header.verifiedContents:
        if (verifiedContents !== undefined) throw invalid('CrxFileHeader has "verified_contents" twice.');
        verifiedContents = value;
        break;
      case FIELD.header.signedHeaderData:
        if (signedHeaderData !== undefined) throw invalid('CrxFileHeader has "signed_header_data" twice.');
        signedHeaderData = value;
        break;
      default:
        throw invalid(`CrxFileHeader has an unknown field ${field.number}.`);
    }
  }
  if (signedHeaderData === undefined) throw invalid('The CRX header has no signed_header_data, so it names no extension id.');
  return { proofs: [...rsa, ...ecdsa], verifiedContents, signedHeaderData };
}

/** The crx_id inside signed_header_data: the first 16 bytes of SHA-256 of the developer key. */
export function decodeSignedData(bytes: Buffer): Buffer {
  const crxId = singularFields(bytes, 'SignedData', FIELD.signedData).get(FIELD.signedData.crxId);
  if (crxId === undefined) throw invalid('The signed header data has no crx_id.');
  if (crxId.length !== CRX_ID_BYTES) throw invalid(`The signed crx_id is ${crxId.length} bytes long; it must be ${CRX_ID_BYTES}.`);
  return crxId;
}

export function encodeSignedData(crxId: Buffer): Buffer {
  if (crxId.length !== CRX_ID_BYTES) throw new RangeError(`A crx_id is ${CRX_ID_BYTES} bytes.`);
  return encodeProtoFields([lenField(FIELD.signedData.crxId, crxId)]);
}

/** Fields in field-number order, as protobuf serializers (and so Chromium) write them. */
export function encodeCrxFileHeader(header: CrxFileHeader): Buffer {
  const proof = (p: KeyProof): Buffer =>
    encodeProtoFields([lenField(FIELD.proof.publicKey, p.publicKey), lenField(FIELD.proof.signature, p.signature)]);
  const fields: ProtoField[] = [
    ...header.proofs.filter((p) => p.algorithm === 'sha256_with_rsa').map((p) => lenField(FIELD.header.sha256WithRsa, proof(p))),
    ...header.proofs.filter((p) => p.algorithm === 'sha256_with_ecdsa').map((p) => lenField(FIELD.header.sha256WithEcdsa, proof(p))),
  ];
  if (header.verifiedContents !== undefined) fields.push(lenField(FIELD.header.verifiedContents, header.verifiedContents));
  fields.push(lenField(FIELD.header.signedHeaderData, header.signedHeaderData));
  return encodeProtoFields(fields);
}
