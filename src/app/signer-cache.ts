import type { Signer } from '../signing/signer.ts';
import type { KeyStore } from '../storage/key-store.ts';

/**
 * Decrypting a stored key costs a deliberate ~0.2 s (PBKDF2), so each key is decrypted once per
 * process and its Signer kept; a failed load is not cached.
 */
export class SignerCache {
  private readonly signers = new Map<string, Promise<Signer>>();

  constructor(private readonly keys: KeyStore) {}

  get(name: string): Promise<Signer> {
    let signer = this.signers.get(name);
    if (!signer) {
      signer = this.keys.signer(name);
      this.signers.set(name, signer);
      signer.catch(() => this.signers.delete(name));
    }
    return signer;
  }
}
