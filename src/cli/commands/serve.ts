import type { AddressInfo } from 'node:net';
import { ConfigError, loadConfig, type Config } from '../../config.ts';
import { openOutpost, type FirstRun, type Outpost } from '../../app/outpost.ts';
import { prepareToServe, type StartupReport } from '../../app/startup.ts';
import { createServer, type Server } from 'node:http';
import { answerClientErrors } from '../../http/client-errors.ts';
import { createRequestListener } from '../../http/app.ts';
import type { CliContext, Command } from '../command.ts';

function banner(url: string, config: Config, first: FirstRun): string {
  const { publicUrl, bucket } = config;
  const storage = bucket
    ? [`  storage: s3://${bucket.bucket}/${bucket.prefix} (keys in private/keys/; uploads in progress: ${config.dataDir})`]
    : [`  data: ${config.dataDir}`, `  keys: ${config.keysDir}`];
  const lines = [`Outpost is listening on ${url} (public URL ${publicUrl})`, ...storage];
  if (first.token || first.updateKey || first.admin) {
    lines.push('', '=== First start: keep what follows, it is not shown again ===');
    if (first.updateKey) {
      lines.push(`Publisher key "${first.keyName}", its updateKey (em:updateKey in install.rdf):`, `  ${first.updateKey}`);
    }
    if (first.token) lines.push('API token for publishing (stored only as a hash):', `  ${first.token}`);
    if (first.admin) {
      lines.push(`Admin sign-in at ${publicUrl}/admin/ (change it with \`outpost admin passwd ${first.admin.username}\`):`, `  user ${first.admin.username}, password ${first.admin.password}`);
    }
    if (first.passphraseNotice) lines.push(first.passphraseNotice);
    lines.push(
      'Publish a package:',
      `  outpost publish my-addon.xpi --server ${publicUrl} --token ${first.token ?? '<token>'}`,
      '  (in this checkout: npm run outpost -- publish …; elsewhere install the command first, see README)',
      '================================================================',
    );
  }
  return `${lines.join('\n')}\n`;
}

function logStartup({ logger }: Outpost, r: StartupReport): void {
  if (r.leftoversRemoved) logger.warn({ files: r.leftoversRemoved }, 'removed temp files left by an interrupted run');
  if (r.finished.length) logger.warn({ ids: r.finished }, 'finished changes interrupted by a crash');
  if (r.undone.length) logger.warn({ ids: r.undone }, 'took back changes a crash interrupted before they were saved');
  if (r.rerendered) logger.warn({ count: r.rebuilt.length }, 're-rendered every document: the public URL or hash algorithm changed');
  else if (r.rebuilt.length) logger.warn({ rebuilt: r.rebuilt }, 'rebuilt documents left behind by an interrupted write');
  for (const f of r.failed) logger.error({ id: f.id, err: f.error }, 'documents could not be rebuilt');
  for (const p of r.problems) logger.error(p, 'unreadable change intent left as it is');
  if (r.chromiumRepaired.length) logger.warn({ ids: r.chromiumRepaired }, 'put Chromium extension files and updates.xml back in line with their records');
  for (const [channel, vpn] of Object.entries(r.vpnChannels)) {
    if (vpn.repaired.length) logger.warn({ channel, ids: vpn.repaired }, 'finished VPN add-on publishes interrupted before their record was saved');
    if (vpn.removed.length) logger.warn({ channel, files: vpn.removed }, 'removed VPN add-on files no record names');
    if (vpn.reindexed) logger.info({ channel }, 'signed the VPN add-on index again (it did not match the records, or was half way to expiry)');
    for (const problem of vpn.problems) logger.error({ channel, problem }, 'VPN add-on index folder');
  }
}

/** How often a running server checks whether the VPN index needs signing again before it expires. */
const VPN_REFRESH_MS = 60 * 60 * 1000;

export async function serve(ctx: CliContext, signal?: AbortSignal): Promise<number> {
  const config = loadConfig(ctx.env, ctx.cwd);
  const { outpost, firstRun } = await openOutpost(config);
  const report = await prepareToServe(outpost);
  logStartup(outpost, report);

  // The index carries an expiry: without a change for half its validity, it is signed again.
  const refresh = setInterval(() => {
    for (const { name, service } of outpost.vpnChannels) {
      service.refresh().catch((err: unknown) => outpost.logger.error({ err, channel: name }, 'the VPN add-on index could not be signed again'));
    }
  }, VPN_REFRESH_MS);
  refresh.unref();

  const server = createServer(createRequestListener(outpost));
  answerClientErrors(server);
  await listen(server, config.port, config.host).catch(async (err: unknown) => {
    clearInterval(refresh);
    await outpost.close();
    throw err;
  });
  // Uploads of large packages over slow links need more than Node's default 5-minute timeout.
  server.requestTimeout = 0;
  const { port } = server.address() as AddressInfo;
  // Handlers first, banner second: whoever waits for the banner may signal at once.
  const stopping = new Promise<string>((resolve) => {
    signal?.addEventListener('abort', () => resolve('stop requested'), { once: true });
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  ctx.stdout(banner(`http://${config.host}:${port}`, config, firstRun));
  const why = await stopping;
  ctx.stdout(`Outpost is stopping (${why}): no new connections; finishing requests in progress…\n`);
  // close() refuses new connections and drops idle keep-alive ones; requests in flight (an upload
  // being published) run to their answer, so no acknowledged change is cut in half.
  await new Promise<void>((resolve) => server.close(() => resolve()));
  clearInterval(refresh);
  await outpost.close();
  ctx.stdout('Outpost stopped.\n');
  return 0;
}

async function listen(server: Server, port: number, host: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') {
        reject(new ConfigError('CONFIG_INVALID', `Port ${port} on ${host} is already in use (another Outpost or another server?). Stop it, or choose another port with PORT=<number>.`));
      } else if (err.code === 'EACCES') {
        reject(new ConfigError('CONFIG_INVALID', `Port ${port} on ${host} needs privileges this process lacks. Use a port above 1023 (PORT=8080) behind nginx.`));
      } else {
        reject(err);
      }
    });
    server.listen(port, host);
  });
}

export const serveCommand: Command = {
  path: ['serve'],
  usage: 'serve',
  summary: 'Run the update server (what `npm start` does).',
  help: `Configuration comes from the environment:
  PORT (8080), HOST (127.0.0.1), OUTPOST_DATA (./storage), OUTPOST_KEYS (./keys), OUTPOST_PUBLIC_URL (http://localhost:$PORT; written into update links), OUTPOST_KEY_PASSPHRASE / OUTPOST_KEY_PASSPHRASE_FILE, OUTPOST_MAX_UPLOAD_MB (256), OUTPOST_CACHE_MB (16; memory kept for answering), OUTPOST_VPN_PREFIX (/vpn), OUTPOST_VPN_KEY (vpn), OUTPOST_VPN_INDEX_DAYS (30), OUTPOST_VPN_CHANNELS (more indexes: name:/prefix:key,…), OUTPOST_LOG_LEVEL (info).

The first start on an empty data folder creates a publisher key, an API token and an admin account and prints them once.`,
  positionals: [0, 0],
  run: (_args, ctx) => serve(ctx),
};
