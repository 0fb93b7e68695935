import { ConfigError, type Config } from '../config.ts';
import { isOutpostError } from '../errors.ts';
import { parseCrl, parseTrustAnchors } from '../jami/index.ts';
import type { KeyStore } from '../storage/key-store.ts';
import { readOperatorFile } from '../storage/operator-files.ts';
import type { SignerCache } from './signer-cache.ts';
import { checkIndexKeyBits } from './vpn-index-key.ts';

/**
 * Configuration that would otherwise only fail on first use — a wrong key passphrase, an
 * unreadable trust anchor — is checked before the server answers anyone: an operator learns at
 * start, with the variable to fix, instead of a publisher getting a 500 later.
 */
export async function checkBeforeServing(config: Config, keys: KeyStore, signers: SignerCache): Promise<void> {
  // Opening every key also warms the signer cache, so the first publish pays nothing.
  const list = await keys.list();
  // OUTPOST_VPN_KEY (and each channel's key) may name an imported key (McCoy keys are often 1024 bits): refused at start.
  for (const channel of config.vpn.channels) {
    const vpnKey = list.find((k) => k.name === channel.keyName);
    if (vpnKey) checkIndexKeyBits(vpnKey.name, vpnKey.bits);
  }
  for (const { name } of list) {
    await signers.get(name).catch((err: unknown) => {
      const wrongPassphrase = isOutpostError(err) && (err.code === 'KEY_PASSPHRASE_WRONG' || err.code === 'KEY_PASSWORD_WRONG');
      throw new ConfigError(
        'CONFIG_INVALID',
        wrongPassphrase
          ? `The key "${name}" in ${config.keysDir} cannot be opened with the configured passphrase: set OUTPOST_KEY_PASSPHRASE (or OUTPOST_KEY_PASSPHRASE_FILE) to the one it was created with.`
          : `The key "${name}" in ${config.keysDir} cannot be opened: ${(err as Error).message}`,
        { cause: err },
      );
    });
  }
  const read = async (file: string, variable: string): Promise<Buffer> =>
    readOperatorFile(file).catch((err: NodeJS.ErrnoException) => {
      throw new ConfigError('CONFIG_INVALID', `${variable}: ${file} cannot be read (${err.code ?? err.message}).`, { cause: err });
    });
  const parse = <T>(variable: string, file: string, fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      throw new ConfigError('CONFIG_INVALID', `${variable}: ${file} is not usable: ${(err as Error).message}`, { cause: err });
    }
  };
  for (const file of config.jami.trustAnchorFiles) {
    const bytes = await read(file, 'OUTPOST_JAMI_TRUST_ANCHORS');
    parse('OUTPOST_JAMI_TRUST_ANCHORS', file, () => parseTrustAnchors([bytes]));
  }
  for (const file of config.jami.crlFiles) {
    const bytes = await read(file, 'OUTPOST_JAMI_CRLS');
    parse('OUTPOST_JAMI_CRLS', file, () => parseCrl(bytes, file));
  }
}
