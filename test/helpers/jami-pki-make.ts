/**
 * Makes a test PKI shaped like Jami's "store_ca > organization > plugin" chain with the real
 * `openssl` command (so the certificates, CRLs and OCSP answers come from an implementation
 * independent of src/jami). Every CA is an `openssl ca` directory: its index.txt is what
 * `openssl ca -gencrl` and an `openssl ocsp` responder read, so revoking is one command.
 *
 * Tests get it through jamiPki() in jami-pki.ts, which shares one generated PKI between test files.
 * All paths inside a PKI folder's configuration are relative and every openssl command runs in that
 * folder, so a copy of the folder works as it is.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPair, generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { promisify } from 'node:util';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface TestCert {
  readonly pem: string;
  readonly der: Buffer;
  readonly keyPem: string;
  readonly certPath: string;
  readonly keyPath: string;
  /** Upper-case hex serial, as in index.txt. */
  readonly serial: string;
}

export interface TestCa extends TestCert {
  readonly dir: string;
  readonly config: string;
}

export type KeySpec = 'rsa' | 'ec-p256' | 'ec-p384';
/** Extension sets, see EXTENSIONS below. */
export type Profile = 'ca' | 'ca-pathlen0' | 'ca-no-certsign' | 'ca-no-crlsign' | 'non-ca' | 'leaf' | 'leaf-unknown-critical' | 'ocsp';

export interface IssueOptions {
  subject: string;
  /** Key to certify (default: a fresh RSA-2048 key); pass another cert's keyPem to reuse it. */
  keyPem?: string;
  key?: KeySpec;
  profile?: Profile;
  notBefore?: Date;
  notAfter?: Date;
  crlUrl?: string;
  ocspUrl?: string;
}

export interface CaOptions extends Omit<IssueOptions, 'profile'> {
  /** Issuing CA; without one the CA is self-signed for 10 years from now (dates are then ignored). */
  parent?: TestCa;
  /** Default 'ca'. */
  profile?: Profile;
}

/** The base PKI's certificates and CRLs: plain data, kept in the cache as JSON. */
export interface JamiPkiData {
  /** ECDSA P-256 self-signed root, like "Jami Extension Root C.A.". */
  readonly root: TestCa;
  /** RSA organization CA "O=Example, CN=Example Org" under the root. */
  readonly org: TestCa;
  /** A self-signed CA with the same name as `org` but another key. */
  readonly impostor: TestCa;
  /** "Example Non-CA Org": issued by the root without CA:TRUE, then (wrongly) used to sign. */
  readonly nonCa: TestCa;
  /** "Example Limited Org": CA:TRUE but keyUsage without keyCertSign. */
  readonly noCertSign: TestCa;
  /** Delegated OCSP responder of the org CA (extendedKeyUsage OCSPSigning). */
  readonly ocspResponder: TestCert;
  /** Plugin certificates ("TestPlugin"); all but otherKey/ecKey share one RSA key (`revoked` too). */
  readonly plugin: TestCert;
  readonly otherKey: TestCert;
  readonly ecKey: TestCert;
  readonly expired: TestCert;
  readonly notYetValid: TestCert;
  readonly revoked: TestCert;
  readonly wrongIssuer: TestCert;
  readonly nonCaIssued: TestCert;
  readonly noCertSignIssued: TestCert;
  /** DER CRLs: the org's (listing `revoked`) and one made by the impostor under the same name. */
  readonly orgCrl: Buffer;
  readonly impostorCrl: Buffer;
}

export interface PkiTools {
  /** Chain file content (PEM): `leaf`, then `issuers` in the order given. */
  chain(leaf: TestCert, ...issuers: TestCert[]): string;
  issue(ca: TestCa, options: IssueOptions): TestCert;
  /** A new CA (with its own `openssl ca` directory). */
  makeCa(options: CaOptions): TestCa;
  revoke(ca: TestCa, cert: TestCert): void;
  /** A fresh DER CRL from `ca`'s database, valid for `days`. */
  crl(ca: TestCa, days?: number): Buffer;
}

export interface JamiTestPki extends JamiPkiData, PkiTools {
  /** This test file's own copy of the PKI folder. */
  readonly dir: string;
}

const DAY = 24 * 60 * 60 * 1000;
const EXTENSIONS = `
[ ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ ca-pathlen0 ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
[ ca-no-crlsign ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign
[ ca-no-certsign ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, digitalSignature, cRLSign
[ non-ca ]
basicConstraints = critical, CA:FALSE
[ leaf ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
[ leaf-unknown-critical ]
basicConstraints = critical, CA:FALSE
1.3.6.1.4.1.55555.1 = critical, ASN1:NULL
[ ocsp ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = OCSPSigning
`;

function openssl(args: string[], cwd: string): Buffer {
  try {
    return execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, OPENSSL_CONF: path.join(cwd, 'req.cnf') } });
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    throw new Error(`openssl ${args.join(' ')} failed: ${e.stderr?.toString() ?? e.message}`);
  }
}

/** openssl ca dates: YYYYMMDDHHMMSSZ. */
function caDate(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
}

function newKey(spec: KeySpec): string {
  const pair =
    spec === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: spec === 'ec-p256' ? 'prime256v1' : 'secp384r1' });
  return pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
}

function loadCert(certPath: string, keyPath: string, keyPem: string): TestCert {
  const pem = readFileSync(certPath, 'utf8');
  const x509 = new X509Certificate(pem);
  return { pem, der: x509.raw, keyPem, certPath, keyPath, serial: x509.serialNumber.toUpperCase() };
}

/** An `openssl ca` directory for `cert`; its configuration uses paths relative to the PKI folder. */
function makeCaDir(base: string, cert: TestCert): TestCa {
  const name = `ca-${randomBytes(6).toString('hex')}`;
  const dir = path.join(base, name);
  mkdirSync(path.join(dir, 'newcerts'), { recursive: true });
  writeFileSync(path.join(dir, 'index.txt'), '');
  writeFileSync(path.join(dir, 'index.txt.attr'), 'unique_subject = no\n');
  // A random 64-bit start per CA keeps serials unique across the PKI (OCSP and CRLs match on them).
  const serial = randomBytes(8);
  serial[0] = (serial[0]! & 0x7f) | 0x10;
  writeFileSync(path.join(dir, 'serial'), `${serial.toString('hex').toUpperCase()}\n`);
  writeFileSync(path.join(dir, 'crlnumber'), '01\n');
  const config = path.join(dir, 'ca.cnf');
  writeFileSync(
    config,
    [
      '[ ca ]', 'default_ca = this_ca', '[ this_ca ]', `dir = ${name}`,
      'database = $dir/index.txt', 'new_certs_dir = $dir/newcerts', 'serial = $dir/serial', 'crlnumber = $dir/crlnumber',
      `certificate = ${path.relative(base, cert.certPath)}`, `private_key = ${path.relative(base, cert.keyPath)}`,
      'default_md = sha256', 'default_crl_days = 30', 'policy = any', 'unique_subject = no', 'copy_extensions = none',
      '[ any ]', 'organizationName = optional', 'commonName = supplied', '[ crl_ext ]', 'authorityKeyIdentifier = keyid',
    ].join('\n') + '\n',
  );
  return { ...cert, dir, config };
}

/** The operations on a PKI folder (made by generateJamiPki, or a copy of one). */
export function pkiTools(dir: string): PkiTools {
  const file = (prefix: string, ext: string): string => path.join(dir, `${prefix}-${randomBytes(6).toString('hex')}.${ext}`);
  const writeKey = (keyPem: string): string => {
    const keyPath = file('key', 'pem');
    writeFileSync(keyPath, keyPem);
    return keyPath;
  };

  const issue = (ca: TestCa, o: IssueOptions): TestCert => {
    const keyPem = o.keyPem ?? newKey(o.key ?? 'rsa');
    const keyPath = writeKey(keyPem);
    const csr = file('req', 'csr');
    const certPath = file('cert', 'crt');
    openssl(['req', '-new', '-key', keyPath, '-subj', o.subject, '-out', csr], dir);
    const profile = o.profile ?? 'leaf';
    let extfile = path.join(dir, 'ext.cnf');
    if (o.crlUrl || o.ocspUrl) {
      extfile = file('ext', 'cnf');
      const extra = [o.crlUrl && `crlDistributionPoints = URI:${o.crlUrl}`, o.ocspUrl && `authorityInfoAccess = OCSP;URI:${o.ocspUrl}`];
      writeFileSync(extfile, EXTENSIONS.replace(`[ ${profile} ]\n`, `[ ${profile} ]\n${extra.filter(Boolean).join('\n')}\n`));
    }
    const now = Date.now();
    const notBefore = o.notBefore ?? new Date(now - DAY);
    const notAfter = o.notAfter ?? new Date(now + 5 * 365 * DAY);
    openssl(
      ['ca', '-config', ca.config, '-batch', '-notext', '-in', csr, '-out', certPath, '-startdate', caDate(notBefore), '-enddate', caDate(notAfter), '-extfile', extfile, '-extensions', profile],
      dir,
    );
    return loadCert(certPath, keyPath, keyPem);
  };

  const makeCa = (o: CaOptions): TestCa => {
    const profile = o.profile ?? 'ca';
    if (o.parent) return makeCaDir(dir, issue(o.parent, { notAfter: new Date(Date.now() + 10 * 365 * DAY), ...o, profile }));
    const keyPem = o.keyPem ?? newKey(o.key ?? 'rsa');
    const keyPath = writeKey(keyPem);
    const certPath = file('ca', 'crt');
    openssl(['req', '-x509', '-new', '-key', keyPath, '-subj', o.subject, '-sha256', '-days', '3650', '-extensions', profile, '-out', certPath], dir);
    return makeCaDir(dir, loadCert(certPath, keyPath, keyPem));
  };

  return {
    chain: (leaf, ...issuers) => [leaf, ...issuers].map((c) => c.pem.trim()).join('\n') + '\n',
    issue,
    makeCa,
    revoke: (ca, cert) => void openssl(['ca', '-config', ca.config, '-revoke', cert.certPath, '-crl_reason', 'keyCompromise'], dir),
    crl: (ca, days = 30) => {
      const out = file('crl', 'pem');
      openssl(['ca', '-config', ca.config, '-gencrl', '-crldays', String(days), '-crlexts', 'crl_ext', '-out', out], dir);
      return openssl(['crl', '-in', out, '-outform', 'DER'], dir);
    },
  };
}

/** RSA key generation dominates the set-up time, so the keys that may be shared are, and the rest are made in parallel. */
async function rsaKeys(count: number): Promise<string[]> {
  const generate = promisify(generateKeyPair);
  const pairs = await Promise.all(Array.from({ length: count }, () => generate('rsa', { modulusLength: 2048 })));
  return pairs.map((p) => p.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
}

/** Makes the base PKI in the (empty) folder `dir`. */
export async function generateJamiPki(dir: string): Promise<JamiPkiData> {
  const [orgKey, otherCaKey, pluginKey, otherPluginKey] = await rsaKeys(4);
  writeFileSync(path.join(dir, 'req.cnf'), `[ req ]\ndistinguished_name = dn\n[ dn ]\n${EXTENSIONS}`);
  writeFileSync(path.join(dir, 'ext.cnf'), EXTENSIONS);
  const { issue, makeCa, revoke, crl } = pkiTools(dir);
  const now = Date.now();

  // Keys are shared only where it cannot hide a mistake: the impostor, the badly built CAs and the
  // OCSP responder never meet in one chain, and every plugin certificate but otherKey has one key.
  const root = makeCa({ subject: '/CN=Test Jami Extension Root C.A.', key: 'ec-p256' });
  const org = makeCa({ parent: root, subject: '/O=Example/CN=Example Org', keyPem: orgKey! });
  const impostor = makeCa({ subject: '/O=Example/CN=Example Org', keyPem: otherCaKey! });
  const nonCa = makeCa({ parent: root, subject: '/CN=Example Non-CA Org', profile: 'non-ca', keyPem: otherCaKey! });
  const noCertSign = makeCa({ parent: root, subject: '/CN=Example Limited Org', profile: 'ca-no-certsign', keyPem: otherCaKey! });
  const same = { subject: '/CN=TestPlugin', keyPem: pluginKey! };
  const revoked = issue(org, { subject: '/CN=TestPlugin Revoked', keyPem: pluginKey! });
  revoke(org, revoked);
  return {
    root,
    org,
    impostor,
    nonCa,
    noCertSign,
    ocspResponder: issue(org, { subject: '/CN=Example Org OCSP Responder', profile: 'ocsp', keyPem: otherCaKey! }),
    plugin: issue(org, same),
    otherKey: issue(org, { subject: '/CN=TestPlugin', keyPem: otherPluginKey! }),
    ecKey: issue(org, { subject: '/CN=TestPlugin', key: 'ec-p256' }),
    expired: issue(org, { ...same, notBefore: new Date('2020-01-01T00:00:00Z'), notAfter: new Date('2024-01-01T00:00:00Z') }),
    notYetValid: issue(org, { ...same, notBefore: new Date(now + 365 * DAY), notAfter: new Date(now + 730 * DAY) }),
    revoked,
    wrongIssuer: issue(impostor, same),
    nonCaIssued: issue(nonCa, same),
    noCertSignIssued: issue(noCertSign, same),
    orgCrl: crl(org),
    impostorCrl: crl(impostor),
  };
}
