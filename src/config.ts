import path from 'node:path';

/**
 * One typed configuration object, read once from the environment. Paths are resolved against
 * the working directory so `npm start` from a checkout uses ./storage and ./keys.
 */
export interface Config {
  /** OUTPOST_KEYS: publisher keys (encrypted private keys, metadata, generated passphrase). */
  keysDir: string;
  /** OUTPOST_DATA: packages, manifests and private state. */
  dataDir: string;
}

export function loadConfig(env: NodeJS.ProcessEnv, cwd: string): Config {
  return {
    keysDir: path.resolve(cwd, env.OUTPOST_KEYS || './keys'),
    dataDir: path.resolve(cwd, env.OUTPOST_DATA || './storage'),
  };
}
