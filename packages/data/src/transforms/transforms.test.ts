import { describe, expect, it } from 'vitest';
import '@flint/backend-cpu';
import * as F from '@flint/core';
import { readFileSync } from 'node:fs';
import { CenterCrop, Compose, Generator, Normalize, RandomCrop, RandomHorizontalFlip, RandomResizedCrop, Resize, ToTensor } from '@flint/data';
import type { RawImage } from '@flint/data';

const fixture = JSON.parse(readFileSync(new URL('../../fixtures/transforms.json', import.meta.url), 'utf8'));
const { height: H, width: W, channels: C } = fixture.input as { height: number; width: number; channels: number };
const raw = (): RawImage => ({ data: Uint8Array.from({ length: H * W * C }, (_, i) => (i * 37 + 11) % 256), height: H, width: W, channels: C });
const chwU8 = () => F.tensor(raw().data as Uint8Array).reshape(H, W, C).permute(2, 0, 1).contiguous();
const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(tol);
};
const tiny = (vals: number[][], c = 1): RawImage => ({ data: Uint8Array.from(vals.flat()), height: vals.length, width: vals[0]!.length / c, channels: c });

describe('ToTensor and Normalize against torchvision', () => {
  it('ToTensor turns HWC uint8 into CHW float32 in [0, 1]', () => {
    const t = new ToTensor().apply(raw());
    expect(t.shape).toEqual([C, H, W]);
    expect(t.dtype).toBe('float32');
    close(t.dataSync() as Float32Array, fixture.toTensor, 0);
  });
  it('ToTensor of a 16-bit image divides by 65535', () => {
    const t = new ToTensor().apply({ data: Uint16Array.from([0, 65535, 32768]), height: 1, width: 3, channels: 1 });
    close(t.dataSync() as Float32Array, [0, 1, 32768 / 65535]);
  });
  it('Normalize matches torchvision per channel', () => {
    const x = new ToTensor().apply(raw());
    const y = new Normalize(fixture.normalize.mean, fixture.normalize.std).apply(x);
    close(y.dataSync() as Float32Array, fixture.normalize.out, 1e-6);
  });
  it('Normalize rejects a zero std and a channel mismatch', () => {
    expect(() => new Normalize([0], [0])).toThrow(/std evaluated to zero/);
    expect(() => new Normalize([0, 0], [1, 1]).apply(F.zeros([3, 2, 2]))).toThrow(/mean has 2 values for 3 channels/);
  });
});

describe('Resize against torchvision (bilinear, antialias=False)', () => {
  for (const c of fixture.resize as { size: number | [number, number]; shape: number[]; float: number[]; uint8: number[] }[]) {
    it(`Resize(${JSON.stringify(c.size)}) of a [3,5,7] float and uint8 tensor and a RawImage`, () => {
      const x = new ToTensor().apply(raw());
      const y = new Resize(c.size).apply(x) as F.Tensor;
      expect(y.shape).toEqual(c.shape);
      close(y.dataSync() as Float32Array, c.float, 2e-6);
      const u = new Resize(c.size).apply(chwU8()) as F.Tensor;
      expect(u.dtype).toBe('uint8');
      close(u.dataSync() as Uint8Array, c.uint8, 0);
      // the RawImage path gives the same pixels in HWC order
      const r = new Resize(c.size).apply(raw()) as RawImage;
      const [oc, oh, ow] = c.shape as [number, number, number];
      expect([r.channels, r.height, r.width]).toEqual([oc, oh, ow]);
      const hwc = Array.from({ length: oc * oh * ow }, (_, i) => c.uint8[(i % oc) * oh * ow + Math.floor(i / oc)]!);
      close(r.data, hwc, 0);
    });
  }
});

describe('crops and flips', () => {
  it('CenterCrop matches torchvision, including a crop larger than the image (zero padded)', () => {
    for (const c of fixture.centerCrop as { size: [number, number]; shape: number[]; uint8: number[] }[]) {
      const y = new CenterCrop(c.size).apply(chwU8()) as F.Tensor;
      expect(y.shape).toEqual(c.shape);
      close(y.dataSync() as Uint8Array, c.uint8, 0);
    }
  });
  it('RandomHorizontalFlip with p=1 mirrors rows, p=0 returns the input', () => {
    const img = tiny([[1, 2, 3], [4, 5, 6]]);
    expect(Array.from((new RandomHorizontalFlip(1).apply(img) as RawImage).data)).toEqual([3, 2, 1, 6, 5, 4]);
    expect(new RandomHorizontalFlip(0).apply(img)).toBe(img);
    const rgb = tiny([[1, 2, 3, 4, 5, 6]], 3); // two RGB pixels
    expect(Array.from((new RandomHorizontalFlip(1).apply(rgb) as RawImage).data)).toEqual([4, 5, 6, 1, 2, 3]);
  });
  it('RandomCrop with padding pads by the mode, then takes a window', () => {
    const img = tiny([[1, 2], [3, 4]]);
    const all = (mode: 'constant' | 'edge' | 'reflect' | 'symmetric') => {
      // a 4x4 crop of a 2x2 image padded by 1 on each side is the whole padded image
      const out = new RandomCrop(4, { padding: 1, padMode: mode, fill: 9, generator: new Generator(1) }).apply(img) as RawImage;
      return Array.from(out.data);
    };
    expect(all('constant')).toEqual([9, 9, 9, 9, 9, 1, 2, 9, 9, 3, 4, 9, 9, 9, 9, 9]);
    expect(all('edge')).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
    expect(all('reflect')).toEqual([4, 3, 4, 3, 2, 1, 2, 1, 4, 3, 4, 3, 2, 1, 2, 1]);
    expect(all('symmetric')).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
  });
  it('RandomCrop draws its offsets from the generator: the same seed, the same crop', () => {
    const img = raw();
    const a = new RandomCrop(3, { generator: new Generator(7) }), b = new RandomCrop(3, { generator: new Generator(7) });
    const offsets = new Set<string>();
    for (let k = 0; k < 20; k++) {
      const x = a.apply(img) as RawImage, y = b.apply(img) as RawImage;
      expect(Array.from(x.data)).toEqual(Array.from(y.data));
      offsets.add(Array.from(x.data.slice(0, 3)).join());
    }
    expect(offsets.size).toBeGreaterThan(3);
    expect(() => new RandomCrop(9).apply(img)).toThrow(/larger than input image size \(5, 7\)/);
  });
  it('RandomResizedCrop gives the requested size, seeded, and its params obey scale and ratio', () => {
    const t = new RandomResizedCrop([4, 6], { generator: new Generator(3) });
    const out = t.apply(chwU8()) as F.Tensor;
    expect(out.shape).toEqual([3, 4, 6]);
    const g = new Generator(5);
    for (let k = 0; k < 50; k++) {
      const [top, left, h, w] = new RandomResizedCrop(8).params(100, 80, g);
      expect(top >= 0 && left >= 0 && top + h <= 100 && left + w <= 80).toBe(true);
      expect(h * w).toBeGreaterThan(0.06 * 8000);
    }
    // an impossible aspect range falls back to the center crop clamped to the ratio
    expect(new RandomResizedCrop(8, { scale: [2, 3] }).params(10, 20, g)).toEqual([0, 3, 10, 13]);
  });
  it('Compose chains transforms and frees the tensors made in between', () => {
    const before = F.memory().tensors;
    const t = new Compose([new ToTensor(), new Normalize(0.5, 0.5), new Resize([2, 3])]);
    const y = t.apply(raw()) as F.Tensor;
    expect(y.shape).toEqual([3, 2, 3]);
    expect(F.memory().tensors).toBe(before + 1);
    y.dispose();
    expect(F.memory().tensors).toBe(before);
  });
});
