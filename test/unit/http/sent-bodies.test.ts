import { EventEmitter } from 'node:events';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { NextFunction, Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { sentBodyCounter } from '../../../src/http/sent-bodies.ts';

describe('sentBodyCounter', () => {
  it('counts every byte piped into a response, whoever pipes it', async () => {
    const counted: number[] = [];
    const middleware = sentBodyCounter((bytes) => counted.push(bytes));
    const res = new PassThrough();
    let nexts = 0;
    middleware({} as Request, res as unknown as Response, (() => void nexts++) as NextFunction);
    expect(nexts).toBe(1);
    const chunks = [Buffer.alloc(65_536), Buffer.alloc(1000), Buffer.alloc(7)];
    res.resume();
    // stream.pipeline, as the bucket sender uses; express.static's send calls pipe() itself.
    await pipeline(Readable.from(chunks), res);
    expect(counted.reduce((a, b) => a + b, 0)).toBe(65_536 + 1000 + 7);
  });

  it('counts nothing for an answer written without a pipe', () => {
    const counted: number[] = [];
    const res = new EventEmitter();
    sentBodyCounter((bytes) => counted.push(bytes))({} as Request, res as unknown as Response, (() => undefined) as NextFunction);
    res.emit('finish');
    expect(counted).toEqual([]);
  });
});
