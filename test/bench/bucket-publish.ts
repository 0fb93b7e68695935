import { chmodSync } from 'node:fs';
import { loadConfig } from '../../src/config.ts';
import { copyDeployment } from '../../src/app/storage-copy.ts';
import { openDeployment } from '../../src/storage/objects/deployment.ts';
import { newBucket, requireGateway } from '../helpers/s3-gateway.ts';
import { findTool } from '../helpers/system-tools.ts';
import type { BenchContext } from './context.ts';
import { cloneStorage, FIXED_PUBLIC_URL, PASSPHRASE, publishOverHttp, smallXpi } from './fixtures.ts';
import { startOutpost } from './processes.ts';
import { measure, rps } from './manifest-rps.ts';
import { median, ms, times, type Row } from './report.ts';
import type { WrkResult } from './wrk.ts';

const ID = 'latency@bench.example.org';
const PUBLISHES = 30;

/**
 * Publish latency of one server on a bucket (OUTPOST_STORAGE, a real S3 gateway) against one on a
 * data folder, the same deployment in both (copied into the bucket with the storage port): the
 * median of 30 publishes of one add-on, each a small XPI over HTTP, then the rate at which each
 * answers that add-on's update.rdf (wrk, 100 connections). A bucket publish pays round trips a
 * folder does not: the add-on's lease, re-reading its record, one PUT per object.
 */
export async function benchBucketPublish(ctx: BenchContext): Promise<Row[]> {
  const gateway = requireGateway();
  const label = 'publish one version: a server on a bucket vs on a data folder (median of 30)';
  if (!gateway) return [{ benchmark: label, outpost: '—', reference: '—', ratio: '—', target: '(context; no S3 gateway: skipped)' }];
  for (const tool of ['wrk']) if (!findTool(tool)) throw new Error(`${tool} is not installed; the bench needs it (Debian: apt-get install ${tool})`);
  const folderDir = ctx.scratch.tempDir('publish-folder');
  chmodSync(folderDir, 0o755);
  const storage = await cloneStorage(ctx.template, folderDir);
  const bucket = await newBucket(gateway, 'latency');
  const config = loadConfig(gateway.env, folderDir);
  const target = openDeployment({ kind: 's3', bucket, prefix: '' }, { s3: config.s3 });
  await copyDeployment(openDeployment({ kind: 'folder', dir: storage }, { keysDir: ctx.template.keysDir, s3: config.s3 }), target);
  await target.close();

  const timed = async (name: string, extra: Record<string, string>, dataDir: string): Promise<{ publish: number; read: WrkResult }> => {
    const server = await startOutpost(ctx.scratch, { dataDir, keysDir: ctx.template.keysDir, passphrase: PASSPHRASE, publicUrl: FIXED_PUBLIC_URL, logLevel: 'warn', extra }, ctx.logDir);
    try {
      const elapsed: number[] = [];
      for (let i = 0; i < PUBLISHES; i++) elapsed.push(await publishOverHttp(server.url, ctx.template.token, await smallXpi(ID, `1.${i}`)));
      ctx.log(`  ${name}: publishes (ms) ${elapsed.map((t) => t.toFixed(0)).join(' ')}`);
      // The same server then answers its update.rdf to 100 connections (served from memory once read).
      const read = await measure(ctx, `${name}: GET update.rdf from Outpost`, `${server.url}/updates/${encodeURIComponent(ID)}/update.rdf`);
      return { publish: median(elapsed), read };
    } finally {
      await server.stop();
    }
  };
  const onFolder = await timed('data folder', {}, storage);
  const onBucket = await timed('bucket', { ...gateway.env, OUTPOST_STORAGE: `s3://${bucket}` }, ctx.scratch.tempDir('publish-bucket-scratch'));
  return [
    { benchmark: label, outpost: ms(onBucket.publish), reference: `data folder ${ms(onFolder.publish)}`, ratio: times(onBucket.publish / onFolder.publish), target: '(context)' },
    {
      benchmark: 'GET update.rdf from Outpost: a server on a bucket vs on a data folder',
      outpost: rps(onBucket.read),
      reference: `data folder ${rps(onFolder.read)}`,
      ratio: times(onBucket.read.requestsPerSec / onFolder.read.requestsPerSec),
      target: '(context)',
    },
  ];
}
