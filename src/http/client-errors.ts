import { STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';

/** How long a refused client may keep sending before its connection is cut. */
export const DRAIN_MS = 5_000;

function statusFor(code: string | undefined): number {
  if (code === 'HPE_HEADER_OVERFLOW') return 431;
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  return 400;
}

/**
 * Answers requests Node's parser refuses (a head over 16 KiB, malformed syntax) with their status,
 * then reads and discards whatever the client is still sending before closing. Node's own handler
 * closes at once; with unread bytes the kernel then resets the connection and the client often
 * never sees the 431, only "connection reset". The drain is bounded in time, so a client cannot
 * hold the socket open by sending forever.
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable || err.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const status = statusFor(err.code);
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    socket.resume();
    socket.on('error', () => socket.destroy());
    setTimeout(() => socket.destroy(), DRAIN_MS).unref();
  });
}
