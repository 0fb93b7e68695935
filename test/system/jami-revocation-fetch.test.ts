import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCertificate } from '../../src/jami/certificate.ts';
import { inspectJpl } from '../../src/jami/jpl-inspect.ts';
import { verifyJpl } from '../../src/jami/jpl-verify.ts';
import { buildOcspRequest } from '../../src/jami/ocsp.ts';
import { checkOcsp, fetchCrl, revocationFetchers } from '../../src/storage/revocation-fetch.ts';
import { buildJpl, signerFor } from '../helpers/jami-jpl.ts';
import { errorCode } from '../helpers/jami-expect.ts';
import { jamiPki, type JamiTestPki } from '../helpers/jami-pki.ts';
import { requireTool } from '../helpers/system-tools.ts';

/**
 * The real CRL and OCSP fetchers against a local HTTP server: what they send, and how every kind
 * of failure becomes JPL_REVOCATION_UNAVAILABLE instead of a hang or a crash.
 */
type Handler = (req: IncomingMessage, body: Buffer, res: ServerResponse) => void;

let server: Server;
let base: string;
const routes = new Map<string, Handler>();

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const handler = routes.get(req.url ?? '');
      if (handler) handler(req, Buffer.concat(chunks), res);
      else res.writeHead(404).end('not found');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('fetchCrl', () => {
  it('GETs the bytes', async () => {
    const methods: string[] = [];
    routes.set('/ok.crl', (req, _body, res) => {
      methods.push(req.method ?? '');
      res.writeHead(200, { 'content-type': 'application/pkix-crl' }).end(Buffer.from([1, 2, 3]));
    });
    expect(await fetchCrl(`${base}/ok.crl`)).toEqual(Buffer.from([1, 2, 3]));
    expect(methods).toEqual(['GET']);
  });

  it('turns HTTP errors, silence, oversized answers and other schemes into JPL_REVOCATION_UNAVAILABLE', async () => {
    routes.set('/silent.crl', () => {}); // never answers
    routes.set('/huge.crl', (_req, _body, res) => res.writeHead(200).end(Buffer.alloc(4096)));
    routes.set('/huge-chunked.crl', (_req, _body, res) => {
      res.writeHead(200);
      for (let i = 0; i < 8; i++) res.write(Buffer.alloc(1024));
      res.end();
    });
    expect(await errorCode(fetchCrl(`${base}/missing.crl`))).toBe('JPL_REVOCATION_UNAVAILABLE');
    // The server never answers: only the fetch's own timeout can end this (else the test times out).
    expect(await errorCode(fetchCrl(`${base}/silent.crl`, { timeoutMs: 300 }))).toBe('JPL_REVOCATION_UNAVAILABLE');
    expect(await errorCode(fetchCrl(`${base}/huge.crl`, { maxCrlBytes: 1000 }))).toBe('JPL_REVOCATION_UNAVAILABLE');
    expect(await errorCode(fetchCrl(`${base}/huge-chunked.crl`, { maxCrlBytes: 1000 }))).toBe('JPL_REVOCATION_UNAVAILABLE');
    for (const url of ['ldap://ldap.example/cn=crl', 'file:///etc/passwd', 'not a url']) {
      expect(await errorCode(fetchCrl(url))).toBe('JPL_REVOCATION_UNAVAILABLE');
    }
  });
});

const hasOpenssl = requireTool('openssl');

describe.skipIf(!hasOpenssl)('checkOcsp and fetchCrl inside verifyJpl', () => {
  let pki: JamiTestPki;
  beforeAll(async () => {
    pki = await jamiPki();
  });

  it('POSTs an application/ocsp-request with the request for the certificate', async () => {
    let seen: { method?: string; type?: string; body?: Buffer } = {};
    routes.set('/ocsp', (req, body, res) => {
      seen = { method: req.method, type: req.headers['content-type'], body };
      res.writeHead(200, { 'content-type': 'application/ocsp-response' }).end(Buffer.from([0x30, 0x03, 0x0a, 0x01, 0x03]));
    });
    const answer = await checkOcsp(pki.plugin.der, pki.org.der, `${base}/ocsp`);
    expect(answer).toEqual(Buffer.from([0x30, 0x03, 0x0a, 0x01, 0x03]));
    expect(seen).toEqual({ method: 'POST', type: 'application/ocsp-request', body: buildOcspRequest(parseCertificate(pki.plugin.der), parseCertificate(pki.org.der)) });
  });

  it('refuses a package whose certificate the CRL at its distribution point lists', async () => {
    const ca = pki.makeCa({ parent: pki.root, subject: '/CN=CRL Org' });
    const goodCert = pki.issue(ca, { subject: '/CN=TestPlugin', keyPem: pki.plugin.keyPem, crlUrl: `${base}/crl-org.crl` });
    const badCert = pki.issue(ca, { subject: '/CN=TestPlugin', keyPem: pki.plugin.keyPem, crlUrl: `${base}/crl-org.crl` });
    pki.revoke(ca, badCert);
    const crl = pki.crl(ca);
    routes.set('/crl-org.crl', (_req, _body, res) => res.writeHead(200).end(crl));
    const options = { trustAnchors: [pki.root.pem], now: new Date(), ...revocationFetchers({ timeoutMs: 3000 }) };
    const good = await verifyJpl(await inspectJpl(await buildJpl({ signWith: signerFor(pki, goodCert, ca) })), options);
    expect(good.revocation[0]).toEqual({ certificate: 'CN=TestPlugin', status: 'good', checkedBy: [`CRL ${base}/crl-org.crl`] });
    expect(await errorCode(async () => verifyJpl(await inspectJpl(await buildJpl({ signWith: signerFor(pki, badCert, ca) })), options))).toBe('JPL_CERT_REVOKED');
  });
});
