import { newBucket, requireGateway } from './s3-gateway.ts';

/**
 * The deployments a server suite runs on: a data folder always, and a fresh bucket on the test
 * gateway when one is announced (missing: skipped loudly, or a failure under CI=true). `env()`
 * is what to add to startServer's environment.
 */
export function serverBackends(purpose: string): [string, () => Promise<NodeJS.ProcessEnv>][] {
  const backends: [string, () => Promise<NodeJS.ProcessEnv>][] = [['folder', async () => ({})]];
  const gateway = requireGateway();
  if (gateway) backends.push(['bucket', async () => ({ ...gateway.env, OUTPOST_STORAGE: `s3://${await newBucket(gateway, purpose)}` })]);
  return backends;
}
