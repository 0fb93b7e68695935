import { describe, expect, it } from 'vitest';
import { sniffImageType } from '../../../src/package/image-type.ts';

describe('sniffImageType', () => {
  it.each([
    ['PNG', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]), 'image/png'],
    ['JPEG', Buffer.from([0xff, 0xd8, 0xff, 0xdb, 0, 0]), 'image/jpeg'],
    ['GIF89a', Buffer.from('GIF89a\x01\x00'), 'image/gif'],
    ['GIF87a', Buffer.from('GIF87a\x01\x00'), 'image/gif'],
    ['WebP', Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x10, 0, 0, 0]), Buffer.from('WEBPVP8 ')]), 'image/webp'],
    ['bare SVG', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), 'image/svg+xml'],
    ['SVG with BOM, declaration, comment and doctype', Buffer.from('\uFEFF<?xml version="1.0"?>\n<!-- made by hand -->\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x.dtd">\n<svg>\n</svg>'), 'image/svg+xml'],
    ['prefixed SVG root', Buffer.from('<svg:svg xmlns:svg="http://www.w3.org/2000/svg"></svg:svg>'), 'image/svg+xml'],
  ])('recognizes %s', (_, bytes, type) => {
    expect(sniffImageType(bytes)).toBe(type);
  });

  it.each([
    ['empty', Buffer.alloc(0)],
    ['HTML', Buffer.from('<html><svg></svg></html>')],
    ['an element named svgx', Buffer.from('<svgx/>')],
    ['RIFF that is not WebP', Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WAVE')])],
    ['a truncated PNG signature', Buffer.from([0x89, 0x50, 0x4e])],
  ])('does not mistake %s for an image', (_, bytes) => {
    expect(sniffImageType(bytes)).toBeUndefined();
  });
});
