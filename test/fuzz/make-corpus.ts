/**
 * Writes the seed corpus: small valid inputs (and a few near-valid ones) per fuzz target, so the
 * fuzzer starts from inside each format instead of having to discover ZIP or PEM from nothing.
 * Seeds stay under 4 KiB where possible: jsfuzz truncates every mutated input to 4096 bytes.
 *
 *   npx tsx test/fuzz/make-corpus.ts
 *
 * Re-running rewrites the seed-* files (other files in a corpus folder are left alone). The
 * certificates get fresh keys each time, so the cert-chain seeds, the signed JPL and
 * fixtures/trust-anchor.pem must be committed together. Their validity (2020–2040) contains the
 * fixed `now` of the cert-chain target, so they do not go stale.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { encode } from '@msgpack/msgpack';
import forge from 'node-forge';
import { buildXpi, FIREFOX_ID, installRdf, SEAMONKEY_ID, webextManifest } from '../helpers/build-xpi.ts';
import { buildJpl, TEST_SVG } from '../helpers/jami-jpl.ts';
import { rawZip } from '../helpers/raw-zip.ts';
import { crxSignerFromPrivateKey, signCrx3Header } from '../../src/crx/crx3-sign.ts';
import { Readable } from 'node:stream';

const corpusDir = new URL('./corpus/', import.meta.url);

function write(target: string, name: string, data: string | Buffer): void {
  const dir = new URL(`${target}/`, corpusDir);
  mkdirSync(dir, { recursive: true });
  writeFileSync(new URL(`seed-${name}`, dir), data);
}

// ---- certificates: root CA > organization CA > plugin certificate, as Jami's store uses ----

interface Issued {
  cert: forge.pki.Certificate;
  key: forge.pki.rsa.PrivateKey;
  keyPem: string;
  pem: string;
  der: Buffer;
}

const VALID_FROM = new Date('2020-01-01T00:00:00Z');
const VALID_TO = new Date('2040-01-01T00:00:00Z');

function issue(cn: string, issuer: Issued | undefined, opts: { ca: boolean; serial: string; notAfter?: Date }): Issued {
  // 1024 bits keeps a three-certificate PEM chain under the 4 KiB jsfuzz mutates.
  const keyPem = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const key = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = opts.serial;
  cert.validity.notBefore = VALID_FROM;
  cert.validity.notAfter = opts.notAfter ?? VALID_TO;
  cert.setSubject([{ shortName: 'O', value: 'Outpost fuzz' }, { shortName: 'CN', value: cn }]);
  cert.setIssuer((issuer?.cert ?? cert).subject.attributes);
  cert.setExtensions(
    opts.ca
      ? [
          { name: 'basicConstraints', cA: true, pathLenConstraint: 1, critical: true },
          { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
        ]
      : [
          { name: 'basicConstraints', cA: false },
          { name: 'keyUsage', digitalSignature: true, critical: true },
          { name: 'extKeyUsage', codeSigning: true },
          { name: 'cRLDistributionPoints', altNames: [{ type: 6, value: 'http://crl.example.org/org.crl' }] },
        ],
  );
  cert.sign(issuer?.key ?? key, forge.md.sha256.create());
  const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
  return { cert, key, keyPem, pem: forge.pki.certificateToPem(cert), der };
}

const root = issue('Fuzz Root CA', undefined, { ca: true, serial: '01' });
const org = issue('Fuzz Org', root, { ca: true, serial: '02' });
const plugin = issue('FuzzPlugin', org, { ca: false, serial: '03' });
const expired = issue('FuzzExpired', org, { ca: false, serial: '04', notAfter: new Date('2029-01-01T00:00:00Z') });

writeFileSync(new URL('./fixtures/trust-anchor.pem', import.meta.url), root.pem);
write('cert-chain', 'chain.pem', plugin.pem + org.pem);
write('cert-chain', 'chain-with-root.pem', plugin.pem + org.pem + root.pem);
write('cert-chain', 'expired-chain.pem', expired.pem + org.pem);
write('cert-chain', 'leaf.der', plugin.der);

// ---- ZIP archives ----

write('zip', 'empty.zip', rawZip([]));
write('zip', 'stored.zip', rawZip([{ name: 'a.txt', data: 'hello' }]));
write('zip', 'deflated.zip', rawZip([{ name: 'dir/', data: '' }, { name: 'dir/b.txt', data: 'hello hello hello hello', method: 8 }]));
write('zip', 'yazl.zip', await buildXpi({ 'a.txt': 'x', 'b/c.txt': 'yy' }, { comment: 'comment', directories: ['b/'] }));

// ---- RDF/XML ----

const fullInstallRdf = {
  id: 'fuzz@example.org',
  version: '1.0b2',
  name: 'Fuzz',
  type: 2,
  targets: [
    { id: FIREFOX_ID, minVersion: '52.0', maxVersion: '56.*' },
    { id: SEAMONKEY_ID, minVersion: '2.49', maxVersion: '2.53.*' },
  ],
  targetPlatforms: ['Linux', 'WINNT_x86-msvc'],
  updateURL: 'https://updates.example.org/updates/%ITEM_ID%/update.rdf',
  updateKey: 'MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC',
};
const UPDATE_RDF = `<?xml version="1.0" encoding="UTF-8"?>
<RDF:RDF xmlns:RDF="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:em="http://www.mozilla.org/2004/em-rdf#"
         xmlns:NC="http://home.netscape.com/NC-rdf#">
  <RDF:Description about="urn:mozilla:extension:fuzz@example.org" em:signature="AAAA">
    <em:updates>
      <RDF:Seq>
        <RDF:li RDF:resource="urn:mozilla:extension:fuzz@example.org:1.0"/>
        <RDF:li RDF:parseType="Resource"><em:version>1.1</em:version></RDF:li>
      </RDF:Seq>
    </em:updates>
  </RDF:Description>
  <RDF:Description RDF:about="urn:mozilla:extension:fuzz@example.org:1.0" em:version="1.0">
    <em:targetApplication RDF:nodeID="t1"/>
    <em:count NC:parseType="Integer"> 42 </em:count>
    <em:date NC:parseType="Date">2024-01-01</em:date>
    <em:link RDF:resource="files/fuzz-1.0.xpi"/>
  </RDF:Description>
  <RDF:Description RDF:nodeID="t1" em:id="${FIREFOX_ID}" em:minVersion="52.0" em:maxVersion="*">
    <em:updateLink><![CDATA[https://updates.example.org/files/fuzz-1.0.xpi]]></em:updateLink>
    <!-- a comment -->
  </RDF:Description>
  <em:Typed RDF:ID="typed" em:note="&amp;&#65;"/>
</RDF:RDF>
`;
write('rdf-xml', 'install-element.rdf', installRdf(fullInstallRdf));
write('rdf-xml', 'install-attribute.rdf', installRdf({ ...fullInstallRdf, form: 'attribute', rdfPrefix: '' }));
write('rdf-xml', 'update.rdf', UPDATE_RDF);

// ---- add-on manifests and XPIs ----

// "extName" is both a manifest key and the message the name refers to: the xpi target wraps one
// input as manifest.json and messages.json at once, so one file must be able to play both roles.
const MANIFEST_JSON = webextManifest({
  name: '__MSG_extName__',
  id: 'fuzz@example.org',
  strict_min_version: '115.0',
  strict_max_version: '128.*',
  update_url: 'https://updates.example.org/updates/fuzz%40example.org/update.json',
  extra: { default_locale: 'en', extName: { message: 'Fuzz' } },
});
write('xpi', 'install.rdf', installRdf(fullInstallRdf));
write('xpi', 'manifest.json', `// a line comment\n${MANIFEST_JSON}`);
write('xpi', 'legacy-manifest.json', webextManifest({ id: '{12345678-1234-1234-1234-123456789abc}', geckoKey: 'applications', extra: { theme: {} } }));
write('xpi', 'legacy.xpi', await buildXpi({ 'install.rdf': installRdf(fullInstallRdf), 'chrome.manifest': 'content fuzz chrome/' }));
write('xpi', 'webext.xpi', await buildXpi({ 'manifest.json': MANIFEST_JSON, '_locales/en/messages.json': '{"extName":{"message":"Fuzz"}}' }));

// ---- Jami plugins ----

const JPL_MANIFEST = JSON.stringify({ id: 'FuzzPlugin', name: 'FuzzPlugin', description: 'Fuzz', version: '1.0.0', iconPath: 'icon.svg' });
const fakeSignature = (n: number) => Buffer.alloc(64, n);
write('jpl', 'signatures.msgpack', Buffer.from(encode({ 'manifest.json': fakeSignature(1), 'lib/x86_64-linux-gnu/libFuzzPlugin.so': fakeSignature(2) })));
write('jpl', 'manifest.json', JPL_MANIFEST);
const jplFiles = { 'data/icon.svg': TEST_SVG, 'data/locale/FuzzPlugin_en.json': '{"description":"Fuzz"}' };
write('jpl', 'unsigned.jpl', await buildJpl({ id: 'FuzzPlugin', manifest: JPL_MANIFEST, files: jplFiles }));
write('jpl', 'signed.jpl', await buildJpl({ id: 'FuzzPlugin', manifest: JPL_MANIFEST, files: jplFiles, signWith: { keyPem: plugin.keyPem, chainPem: plugin.pem + org.pem } }));

// ---- update queries, as clients expand their update URL placeholders ----

const queries = {
  'firefox.txt': `id=fuzz%40example.org&appID=${encodeURIComponent(FIREFOX_ID)}&appVersion=115.0&appOS=Linux&appABI=x86_64-gcc3&compatMode=strict`,
  'seamonkey.txt': `reqVersion=2&id=fuzz@example.org&version=1.0&maxAppVersion=2.53.*&status=userEnabled&appID=${SEAMONKEY_ID}&appVersion=2.53.18&appOS=WINNT&appABI=x86-msvc&locale=en-US&currentAppVersion=2.53.18&updateType=112&compatMode=normal`,
  'static.txt': `id=fuzz%40example.org&appID=${encodeURIComponent(FIREFOX_ID)}&appOS=Linux`,
  'plain.txt': 'id=fuzz%40example.org',
};
for (const [name, query] of Object.entries(queries)) write('update-query', name, query);

// ---- Chromium: a CRX3 signed with a 2048-bit key, its manifest, update checks ----

const crxManifest = JSON.stringify({ manifest_version: 3, name: 'Fuzz', version: '1.2.3', minimum_chrome_version: '120', update_url: 'https://updates.example.org/chromium/updates.xml' });
const crxZip = await buildXpi({ 'manifest.json': crxManifest });
const crxSigner = crxSignerFromPrivateKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
write('crx', 'extension.crx', Buffer.concat([await signCrx3Header(Readable.from([crxZip]), crxSigner), crxZip]));
write('crx', 'manifest.json', crxManifest);
write('crx', 'query.txt', `x=${encodeURIComponent(`id=${crxSigner.extensionId}&v=1.0&installsource=ondemand&uc`)}&x=${encodeURIComponent('id=abcdefghijklmnopabcdefghijklmnop&v=&uc')}`);

// ---- Mozilla VPN add-ons: Qt's own rcc output (test/fixtures/vpn, built by Debian's rcc) ----

const vpnFixtures = new URL('../fixtures/vpn/', import.meta.url);
for (const name of ['message_demo.v1.rcc', 'message_demo.v2.rcc', 'message_demo.v3-zlib.rcc', 'message_demo.v3-zstd.rcc', 'message_demo.prefixed.rcc']) {
  write('vpn', name, readFileSync(new URL(name, vpnFixtures)));
}
write('vpn', 'manifest.json', readFileSync(new URL('src/message_demo/manifest.json', vpnFixtures)));

console.log('corpus written to', corpusDir.pathname);
