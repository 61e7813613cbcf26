import { describe, expect, it } from 'vitest';
import { FormatError, decodePng } from '@flint/data';
import { corpus } from '../testing/corpus.js';

interface Expected { width: number; height: number; colorType: number; bitDepth: number; interlace: number; planes: number; samples: string; palette?: number[][] }
const expected = JSON.parse(new TextDecoder().decode(corpus('png/expected.json'))) as Record<string, Expected>;

/** What decodePng should give, from the samples pypng decoded: palette entries looked up, 1/2/4-bit gray scaled to 0..255. */
function pixels(e: Expected): { channels: number; data: number[] } {
  const width = e.bitDepth === 16 ? 4 : 2;
  const raw = Array.from({ length: e.samples.length / width }, (_, i) => parseInt(e.samples.slice(i * width, (i + 1) * width), 16));
  if (e.palette) return { channels: e.palette[0]!.length, data: raw.flatMap((k) => e.palette![k]!) };
  const scale = e.bitDepth < 8 ? 255 / ((1 << e.bitDepth) - 1) : 1;
  return { channels: e.planes, data: raw.map((v) => v * scale) };
}

describe('PNG: every color type and bit depth, interlaced or not, decodes as pypng decodes it', () => {
  it('the corpus covers color types 0/2/3/4/6 at every allowed depth, each also Adam7-interlaced', () => {
    const kinds = new Set(Object.values(expected).map((e) => `${e.colorType}:${e.bitDepth}:${e.interlace}`));
    for (const [ct, depths] of [[0, [1, 2, 4, 8, 16]], [2, [8, 16]], [3, [1, 2, 4, 8]], [4, [8, 16]], [6, [8, 16]]] as const) {
      for (const d of depths) for (const i of [0, 1]) expect(kinds.has(`${ct}:${d}:${i}`), `color type ${ct}, ${d}-bit, interlace ${i}`).toBe(true);
    }
  });
  it.each(Object.keys(expected))('%s', (name) => {
    const e = expected[name]!;
    const img = decodePng(corpus(`png/${name}`), { name });
    const want = pixels(e);
    expect([img.width, img.height, img.channels]).toEqual([e.width, e.height, want.channels]);
    expect(img.data).toBeInstanceOf(e.bitDepth === 16 ? Uint16Array : Uint8Array);
    expect(Array.from(img.data)).toEqual(want.data);
  });
});

describe('PNG: files the specification forbids, and damaged files, are FormatErrors naming the file', () => {
  const cases: [string, RegExp][] = [
    ['palette-without-plte.png', /color type 3 \(palette\) needs a PLTE chunk before the image data/],
    ['rgb-1bit.png', /bit depth 1 is not allowed for color type 2 \(RGB\); the PNG specification allows 8, 16/],
    ['rgb-4bit.png', /bit depth 4 is not allowed for color type 2 \(RGB\)/],
    ['grayalpha-4bit.png', /bit depth 4 is not allowed for color type 4 \(gray \+ alpha\); the PNG specification allows 8, 16/],
    ['rgba-2bit.png', /bit depth 2 is not allowed for color type 6 \(RGBA\)/],
    ['gray-3bit.png', /bit depth 3 is not allowed for color type 0 \(gray\); the PNG specification allows 1, 2, 4, 8, 16/],
    ['palette-16bit.png', /bit depth 16 is not allowed for color type 3 \(palette\); the PNG specification allows 1, 2, 4, 8/],
    ['colortype-5.png', /color type 5 is not a PNG color type \(0, 2, 3, 4 or 6\)/],
    ['plte-in-gray.png', /a PLTE chunk is not allowed in a color type 0 \(gray\) image/],
    ['plte-too-long-for-depth.png', /PLTE has 3 entries, more than a 1-bit image can index \(2\)/],
    ['palette-index-out-of-range.png', /palette index 5 is out of range \(the PLTE has 2 entries\)/],
    ['bad-interlace-method.png', /interlace method 2 is not 0 \(none\) or 1 \(Adam7\)/],
    ['bad-filter-type.png', /scanline 0 has filter type 7 \(0-4 are defined\)/],
    ['bad-crc.png', /CRC mismatch in the IHDR chunk/],
    ['no-iend.png', /truncated: no IEND chunk/],
    ['truncated.png', /truncated: the IDAT chunk at byte \d+ needs \d+ bytes, the file has \d+/],
    ['short-image-data.png', /image data is short: 10 of 20 bytes/],
    ['zlib-bomb-idat.png', /image data inflates to more than the 72 bytes its IHDR declares \(8x8, 8-bit gray\)/],
    ['not-a-png.png', /not a PNG file \(bad signature\)/],
  ];
  it.each(cases)('%s', (name, message) => {
    const start = Date.now();
    let error: unknown;
    try { decodePng(corpus(`hostile/png/${name}`), { name }); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(FormatError);
    expect((error as Error).message.startsWith(`${name}: `), (error as Error).message).toBe(true);
    expect((error as Error).message).toMatch(message);
    expect(Date.now() - start).toBeLessThan(1000);
  });
  it('gzip data named .png is refused without being decompressed', () => {
    expect(() => decodePng(corpus('hostile/bomb/gzip-bomb.png'), { name: 'x.png' })).toThrow(/^x\.png: not a PNG file \(bad signature; these bytes are gzip data\)/);
  });
});
