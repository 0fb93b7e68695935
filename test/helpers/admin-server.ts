import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import type { Logger } from 'pino';
import type { Outpost } from '../../src/app/outpost.ts';
import type { AdminOptions } from '../../src/http/admin/router.ts';
import { createRequestListener } from '../../src/http/app.ts';
import { startServer, type TestServer } from './server.ts';

/**
 * startServer(), but served with admin options and session and throttle state the test holds
 * (on a fake clock, with small caps) and, optionally, another logger. A second listener on the same instance, so the
 * scratch data, first-run secrets and publish helpers are exactly those of startServer().
 */
export async function startAdminServer(options: { admin?: AdminOptions; auth?: Partial<Pick<Outpost, 'sessions' | 'accountFailures' | 'addressAttempts'>>; logger?: Logger } = {}): Promise<TestServer> {
  const base = await startServer();
  const outpost = { ...base.outpost, ...options.auth, ...(options.logger ? { logger: options.logger } : {}) };
  const server = createServer(createRequestListener(outpost, options.admin));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    ...base,
    url: `http://127.0.0.1:${port}`,
    outpost,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await base.close();
    },
  };
}

/** A pino destination that keeps every line and tells waiters as lines arrive. */
export class LogCapture {
  readonly lines: string[] = [];
  private waiters: { match: (line: string) => boolean; resolve: () => void }[] = [];

  write(line: string): void {
    this.lines.push(line);
    this.waiters = this.waiters.filter((w) => (w.match(line) ? (w.resolve(), false) : true));
  }

  get text(): string {
    return this.lines.join('');
  }

  /** Resolves once a line matching `match` has been written (now or later). */
  waitFor(match: (line: string) => boolean): Promise<void> {
    if (this.lines.some(match)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }
}
