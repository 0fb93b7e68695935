import { chmodSync } from 'node:fs';
import { loadConfig } from '../../src/config.ts';
import { copyDeployment } from '../../src/app/storage-copy.ts';
import { openDeployment } from '../../src/storage/objects/deployment.ts';
import { newBucket, requireGateway } from '../helpers/s3-gateway.ts';
import type { BenchContext } from './context.ts';
import { cloneStorage, FIXED_PUBLIC_URL, PASSPHRASE, publishOverHttp, smallXpi } from './fixtures.ts';
import { startOutpost } from './processes.ts';
import { median, ms, times, type Row } from './report.ts';

const ID = 'latency@bench.example.org';
const PUBLISHES = 30;

/**
 * Publish latency of one server on a bucket (OUTPOST_STORAGE, a real S3 gateway) against one on a
 * data folder, the same deployment in both (copied into the bucket with the storage port): the
 * median of 30 publishes of one add-on, each a small XPI over HTTP. A bucket publish pays round
 * trips a folder does not: the add-on's lease, re-reading its record, one PUT per object.
 */
export async function benchBucketPublish(ctx: BenchContext): Promise<Row[]> {
  const gateway = requireGateway();
  const label = 'publish one version: a server on a bucket vs on a data folder (median of 30)';
  if (!gateway) return [{ benchmark: label, outpost: '—', reference: '—', ratio: '—', target: '(context; no S3 gateway: skipped)' }];
  const folderDir = ctx.scratch.tempDir('publish-folder');
  chmodSync(folderDir, 0o755);
  const storage = await cloneStorage(ctx.template, folderDir);
  const bucket = await newBucket(gateway, 'latency');
  const config = loadConfig(gateway.env, folderDir);
  const target = openDeployment({ kind: 's3', bucket, prefix: '' }, { s3: config.s3 });
  await copyDeployment(openDeployment({ kind: 'folder', dir: storage }, { keysDir: ctx.template.keysDir, s3: config.s3 }), target);
  await target.close();

  const timed = async (name: string, extra: Record<string, string>, dataDir: string): Promise<number> => {
    const server = await startOutpost(ctx.scratch, { dataDir, keysDir: ctx.template.keysDir, passphrase: PASSPHRASE, publicUrl: FIXED_PUBLIC_URL, logLevel: 'warn', extra }, ctx.logDir);
    try {
      const elapsed: number[] = [];
      for (let i = 0; i < PUBLISHES; i++) elapsed.push(await publishOverHttp(server.url, ctx.template.token, await smallXpi(ID, `1.${i}`)));
      ctx.log(`  ${name}: publishes (ms) ${elapsed.map((t) => t.toFixed(0)).join(' ')}`);
      return median(elapsed);
    } finally {
      await server.stop();
    }
  };
  const onFolder = await timed('data folder', {}, storage);
  const onBucket = await timed('bucket', { ...gateway.env, OUTPOST_STORAGE: `s3://${bucket}` }, ctx.scratch.tempDir('publish-bucket-scratch'));
  return [{ benchmark: label, outpost: ms(onBucket), reference: `data folder ${ms(onFolder)}`, ratio: times(onBucket / onFolder), target: '(context)' }];
}
