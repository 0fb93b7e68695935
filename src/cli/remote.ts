import { CliError, type CliContext, type OptionSpec, type OptionValues } from './command.ts';
import { optionString } from './files.ts';
import { parseServerUrl, UploadError } from './upload-client.ts';

/** --server and --token, shared by every command that talks to a running server. */
export const REMOTE_OPTIONS: OptionSpec = {
  server: { type: 'string', short: 's' },
  token: { type: 'string' },
};

export const REMOTE_HELP = `  --server, -s       the server's base address, path prefix included (https://example.org/outpost/); default: $OUTPOST_SERVER
  --token            API token; default: $OUTPOST_TOKEN. Prefer the variable: command-line arguments are visible to other users in \`ps\``;

/** The server and token to use; warns before a token would cross a network in clear text. */
export function remoteTarget(values: OptionValues, ctx: CliContext): { server: URL; token: string } {
  const server = serverUrl(optionString(values, 'server') ?? ctx.env.OUTPOST_SERVER);
  const token = (optionString(values, 'token') ?? ctx.env.OUTPOST_TOKEN ?? '').trim();
  if (!token) throw new CliError('CLI_USAGE', 'no token: set OUTPOST_TOKEN (or pass --token)');
  // A header cannot carry spaces or control characters; Node would throw a cryptic error.
  if (!/^[\x21-\x7e]+$/.test(token)) throw new CliError('CLI_USAGE', 'the token contains spaces or characters a token cannot have');
  return { server, token };
}

export function warnIfPlainHttp(server: URL, ctx: CliContext): void {
  if (server.protocol === 'http:' && !isLoopback(server.hostname)) {
    ctx.stderr(`warning: sending the token to ${server.host} over plain HTTP; anyone on the way can read it\n`);
  }
}

function serverUrl(text: string | undefined): URL {
  if (!text) throw new CliError('CLI_USAGE', 'no server: pass --server URL (or set OUTPOST_SERVER)');
  try {
    return parseServerUrl(text);
  } catch (err) {
    if (err instanceof UploadError) throw new CliError('CLI_USAGE', err.message, { cause: err });
    throw err;
  }
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}
