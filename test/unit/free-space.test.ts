import { describe, expect, it } from 'vitest';
import { createFreeSpace } from '../../src/relay/free-space.js';

// statfs is stubbed here: these are the answers of a filesystem that reports its size, and of
// one that reports none (some FUSE and network filesystems; tmpfs with size=0).
const measured = { blocks: 1000, bavail: 500, bsize: 4096 };
const noSize = { blocks: 0, bavail: 0, bsize: 4096 };

describe('free space', () => {
  it('is what statfs says, less what was written since', async () => {
    const space = createFreeSpace('/state', async () => measured);
    expect(await space.available()).toBe(500 * 4096);
    space.wrote(4096);
    expect(await space.available()).toBe(499 * 4096);
    expect(space.unmeasured()).toBeNull();
  });

  it('is unknown, not zero, when the filesystem reports 0 blocks, and says so', async () => {
    const space = createFreeSpace('/state', async () => noSize);
    expect(await space.available()).toBe(Number.POSITIVE_INFINITY);
    expect(space.unmeasured()).toMatch(/\/state .*reports no size, so relay\.minFreeBytes cannot be applied/);
  });

  it('a real full filesystem (blocks but none available) is still full', async () => {
    const space = createFreeSpace('/state', async () => ({ blocks: 1000, bavail: 0, bsize: 4096 }));
    expect(await space.available()).toBe(0);
    expect(space.unmeasured()).toBeNull();
  });
});
