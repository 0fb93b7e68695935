import { constants, verify, type KeyObject } from 'node:crypto';
import { decodeOid, sequenceOf, type DerNode } from './der.ts';

/**
 * Checks the signature of a signed X.509-family structure (CRL, OCSP response): `tbs` is the exact
 * DER that was signed, `algorithm` its AlgorithmIdentifier. RSA PKCS#1 v1.5, ECDSA and EdDSA are
 * supported; anything else (RSASSA-PSS, DSA, unknown OIDs) is reported as not verifying rather
 * than guessed at.
 */
const ALGORITHMS: Record<string, { digest: string | null; kind: 'rsa' | 'ec' | 'ed' }> = {
  '1.2.840.113549.1.1.5': { digest: 'sha1', kind: 'rsa' },
  '1.2.840.113549.1.1.11': { digest: 'sha256', kind: 'rsa' },
  '1.2.840.113549.1.1.12': { digest: 'sha384', kind: 'rsa' },
  '1.2.840.113549.1.1.13': { digest: 'sha512', kind: 'rsa' },
  '1.2.840.10045.4.1': { digest: 'sha1', kind: 'ec' },
  '1.2.840.10045.4.3.2': { digest: 'sha256', kind: 'ec' },
  '1.2.840.10045.4.3.3': { digest: 'sha384', kind: 'ec' },
  '1.2.840.10045.4.3.4': { digest: 'sha512', kind: 'ec' },
  '1.3.101.112': { digest: null, kind: 'ed' },
  '1.3.101.113': { digest: null, kind: 'ed' },
};

const KEY_KINDS: Record<string, 'rsa' | 'ec' | 'ed'> = { rsa: 'rsa', ec: 'ec', ed25519: 'ed', ed448: 'ed' };

export function verifySignedData(tbs: Buffer, algorithm: DerNode | undefined, signature: Buffer, key: KeyObject): boolean {
  const [oidNode] = sequenceOf(algorithm, 'signatureAlgorithm');
  const alg = ALGORITHMS[decodeOid(oidNode, 'signature algorithm')];
  if (!alg || KEY_KINDS[key.asymmetricKeyType ?? ''] !== alg.kind) return false;
  try {
    if (alg.kind === 'rsa') return verify(alg.digest, tbs, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
    // ECDSA signatures in X.509 structures are DER Ecdsa-Sig-Value, Node's default encoding.
    return verify(alg.digest, tbs, key, signature);
  } catch {
    return false;
  }
}
