import crypto, { type KeyObject } from 'node:crypto';
import { isOutpostError } from '../errors.ts';
import { VPN } from '../limits.ts';
import type { Signer } from '../signing/signer.ts';
import type { AuditLog } from '../storage/audit-log.ts';
import type { KeyStore } from '../storage/key-store.ts';
import { VpnError } from '../vpn/vpn-errors.ts';
import type { SignerCache } from './signer-cache.ts';

/** Mozilla signs its production index with RSA-4096; a key Outpost makes for the index matches it. */
export const INDEX_KEY_BITS = 4096;

/** What a VPN client build embeds to check manifest.json.sig. */
export interface VpnIndexPublicKey {
  keyName: string;
  bits: number;
  /** SubjectPublicKeyInfo as PEM (`openssl dgst -verify` takes it). */
  pem: string;
  /** The same SubjectPublicKeyInfo as base64 DER (the client's built-in form). */
  der: string;
}

/** The index must be signed with a key the client's RSA check would take (spec: 2048 bits at least). */
export function checkIndexKeyBits(keyName: string, bits: number): void {
  if (bits < VPN.minRsaBits) {
    throw new VpnError('VPN_KEY_TOO_SMALL', `The VPN index key "${keyName}" (OUTPOST_VPN_KEY) has ${bits} bits; the index needs at least ${VPN.minRsaBits}. Choose another key, or remove the setting to have Outpost create a ${INDEX_KEY_BITS}-bit key named "vpn".`);
  }
}

export function publicKeyOf(signer: Signer): KeyObject {
  return crypto.createPublicKey({ key: Buffer.from(signer.updateKey, 'base64'), format: 'der', type: 'spki' });
}

/**
 * The dedicated key that signs the VPN add-on index (OUTPOST_VPN_KEY, default "vpn"). It is not
 * made at start (a server without VPN add-ons needs none), but on first use: the first publish,
 * or the first request for the public key a client build embeds.
 */
export class VpnIndexKey {
  private creating?: Promise<void>;

  constructor(private readonly deps: { keys: KeyStore; signers: SignerCache; keyName: string; audit?: AuditLog }) {}

  get keyName(): string {
    return this.deps.keyName;
  }

  async signer(): Promise<Signer> {
    await this.ensure();
    const signer = await this.deps.signers.get(this.deps.keyName);
    checkIndexKeyBits(this.deps.keyName, signer.bits);
    return signer;
  }

  async publicKey(): Promise<VpnIndexPublicKey> {
    const signer = await this.signer();
    const pem = publicKeyOf(signer).export({ type: 'spki', format: 'pem' }).toString();
    return { keyName: this.deps.keyName, bits: signer.bits, pem, der: signer.updateKey };
  }

  private async ensure(): Promise<void> {
    try {
      await this.deps.keys.info(this.deps.keyName);
      return;
    } catch (err) {
      if (!(isOutpostError(err) && err.code === 'KEY_NOT_FOUND')) throw err;
    }
    // Two first uses at once must not both create it (the second would fail with KEY_EXISTS).
    this.creating ??= this.create().finally(() => (this.creating = undefined));
    await this.creating;
  }

  private async create(): Promise<void> {
    // Generating 4096 bits takes a second or two, once per data folder, on the thread pool.
    const info = await this.deps.keys.create(this.deps.keyName, INDEX_KEY_BITS);
    await this.deps.audit?.record({ actor: 'vpn-index', action: 'key-create', target: info.name, details: { bits: info.bits, purpose: 'VPN add-on index' } });
  }
}
