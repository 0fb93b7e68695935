/**
 * OCSP answers from the real `openssl ocsp`, reading the index.txt of a test CA (jami-pki.ts):
 * offline (`-reqin/-respout`) for unit tests, and as an HTTP responder on 127.0.0.1 for system
 * tests.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import type { TestCa, TestCert } from './jami-pki.ts';

export interface OcspAnswerOptions {
  /** nextUpdate this many days after thisUpdate; without it (and nmin) the answer has no nextUpdate. */
  ndays?: number;
  nmin?: number;
  /** Identify the responder by key hash instead of by name. */
  byKeyId?: boolean;
  /** Leave the responder certificate out of the answer. */
  noCerts?: boolean;
}

let counter = 0;

function responderArgs(ca: TestCa, signer: TestCert, o: OcspAnswerOptions): string[] {
  return [
    '-index', path.join(ca.dir, 'index.txt'),
    '-CA', ca.certPath,
    '-rsigner', signer.certPath,
    '-rkey', signer.keyPath,
    ...(o.ndays !== undefined ? ['-ndays', String(o.ndays)] : []),
    ...(o.nmin !== undefined ? ['-nmin', String(o.nmin)] : []),
    ...(o.byKeyId ? ['-resp_key_id'] : []),
    ...(o.noCerts ? ['-resp_no_certs'] : []),
  ];
}

/** What `openssl ocsp` as responder for `ca`, signing with `signer`, answers to `request` (DER). */
export function opensslOcspAnswer(ca: TestCa, signer: TestCert, request: Buffer, o: OcspAnswerOptions = {}): Buffer {
  const n = ++counter;
  const reqPath = path.join(ca.dir, `ocsp-req-${n}.der`);
  const respPath = path.join(ca.dir, `ocsp-resp-${n}.der`);
  writeFileSync(reqPath, request);
  execFileSync('openssl', ['ocsp', ...responderArgs(ca, signer, o), '-reqin', reqPath, '-respout', respPath], { stdio: 'pipe' });
  return readFileSync(respPath);
}

/** The request `openssl ocsp` itself writes for `cert` issued by `issuer` (`extra` goes before -cert, where a digest option must be). */
export function opensslOcspRequest(issuer: TestCert, cert: TestCert, dir: string, extra: string[] = ['-no_nonce']): Buffer {
  const reqPath = path.join(dir, `openssl-req-${++counter}.der`);
  execFileSync('openssl', ['ocsp', '-issuer', issuer.certPath, ...extra, '-cert', cert.certPath, '-reqout', reqPath], { stdio: 'pipe' });
  return readFileSync(reqPath);
}

/** `openssl ocsp -reqin -req_text`: OpenSSL's reading of a request. */
export function opensslRequestText(request: Buffer, dir: string): string {
  const reqPath = path.join(dir, `text-req-${++counter}.der`);
  writeFileSync(reqPath, request);
  return execFileSync('openssl', ['ocsp', '-reqin', reqPath, '-req_text', '-noverify'], { stdio: 'pipe' }).toString();
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface OcspResponder {
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Runs `openssl ocsp -port` until stop(); resolves once 127.0.0.1:port accepts connections.
 * (OpenSSL 3.0 takes only a port number, so the responder listens on every local address.)
 */
export async function startOcspResponder(ca: TestCa, signer: TestCert, port: number, o: OcspAnswerOptions = {}): Promise<OcspResponder> {
  const child: ChildProcess = spawn('openssl', ['ocsp', ...responderArgs(ca, signer, o), '-port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  // Readiness comes from the responder's own message: a probe connection that sends nothing
  // blocks OpenSSL 3.0's single-threaded responder for good.
  const ready = new Promise<boolean>((resolve) => {
    const watch = (chunk: Buffer): void => {
      output += chunk.toString();
      if (/waiting for OCSP client connections/.test(output)) resolve(true);
    };
    child.stdout?.on('data', watch);
    child.stderr?.on('data', watch);
    void exited.then(() => resolve(false));
    setTimeout(() => resolve(false), 10_000).unref();
  });
  if (!(await ready)) {
    await stop();
    throw new Error(`openssl ocsp did not start listening on port ${port}: ${output}`);
  }
  return { url: `http://127.0.0.1:${port}/`, stop };
}
