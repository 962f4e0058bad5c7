/**
 * Seeded random choices for the fault tests, so that a failing run can be replayed: each test
 * prints its seed, and CHAOS_SEED=<seed> makes the next run take the same choices.
 */

/** mulberry32: a small, fast 32-bit PRNG; plenty for picking moments to kill a process. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A PRNG seeded from CHAOS_SEED, or at random; prints the seed under the test's name. */
export function seededRandom(testName: string): () => number {
  const fromEnv = process.env['CHAOS_SEED'];
  const seed = fromEnv !== undefined && fromEnv !== '' ? Number(fromEnv) >>> 0 : Math.floor(Math.random() * 2 ** 32);
  console.log(`${testName}: seed ${seed} (replay with CHAOS_SEED=${seed})`);
  return mulberry32(seed);
}
