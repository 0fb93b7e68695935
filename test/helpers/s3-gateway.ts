import { CreateBucketCommand, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';

/**
 * The real S3 gateway the storage tests use: a single-node Ceph RADOS Gateway that .ci/run starts
 * with test/tools/ceph-rgw and announces in S3_ENDPOINT, S3_REGION, S3_ACCESS_KEY_ID and
 * S3_SECRET_ACCESS_KEY. Elsewhere, start one the same way and export those (README: Tests).
 * Missing under CI=true fails the file; elsewhere the tests skip loudly.
 */
export interface TestGateway {
  readonly endpoint: string;
  /** The environment Outpost (server or CLI) needs to use the gateway. */
  readonly env: Record<string, string>;
  readonly client: S3Client;
}

export function requireGateway(): TestGateway | undefined {
  const { S3_ENDPOINT, S3_REGION, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY } = process.env;
  if (!S3_ENDPOINT || !S3_ACCESS_KEY_ID || !S3_SECRET_ACCESS_KEY) {
    const message = 'no S3 gateway announced (S3_ENDPOINT …; start one with test/tools/ceph-rgw start DIR)';
    if (process.env.CI === 'true') throw new Error(`${message}; CI needs it.`);
    console.warn(`\n!!! SKIPPING object-storage tests: ${message}. Under CI=true they FAIL instead. !!!\n`);
    return undefined;
  }
  const region = S3_REGION ?? 'us-east-1';
  return {
    endpoint: S3_ENDPOINT,
    env: { AWS_ENDPOINT_URL_S3: S3_ENDPOINT, AWS_REGION: region, AWS_ACCESS_KEY_ID: S3_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: S3_SECRET_ACCESS_KEY, OUTPOST_S3_FORCE_PATH_STYLE: 'true' },
    client: new S3Client({ region, endpoint: S3_ENDPOINT, forcePathStyle: true, credentials: { accessKeyId: S3_ACCESS_KEY_ID, secretAccessKey: S3_SECRET_ACCESS_KEY } }),
  };
}

/** A new bucket of its own (runs under Node 20 and 24 share one gateway). */
export async function newBucket(gateway: TestGateway, purpose: string): Promise<string> {
  const bucket = `outpost-${purpose}-${randomBytes(4).toString('hex')}`;
  await gateway.client.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

/**
 * The bucket policy the README documents: anyone may read public/ under the prefix, nothing else.
 * ("*" as the principal is what AWS, Ceph and MinIO take for anonymous.)
 */
export function publicReadPolicy(bucket: string, prefix: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Sid: 'OutpostPublicRead', Effect: 'Allow', Principal: '*', Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::${bucket}/${prefix}public/*`] }],
  });
}

export async function allowPublicReads(gateway: TestGateway, bucket: string, prefix: string): Promise<void> {
  await gateway.client.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: publicReadPolicy(bucket, prefix) }));
}
