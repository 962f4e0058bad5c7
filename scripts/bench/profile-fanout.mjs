#!/usr/bin/env node
// The primary's CPU profile during fan-out changes: `node scripts/bench/profile-fanout.mjs DIR`
// where DIR is the FLEET_CPU_PROF folder of a fleet bench run (the primary's .cpuprofile and the
// windows.json fanout.mjs writes: the changes at the largest size, on the profile's monotonic
// clock). Prints the functions with the most self time inside those windows.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
const top = Number(process.argv[3] ?? 20);
const windows = JSON.parse(readFileSync(join(dir, 'windows.json'), 'utf8'));
const inWindow = (t) => windows.some(([a, b]) => t >= a && t <= b);
for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  let t = profile.startTime;
  let total = 0;
  profile.samples.forEach((id, i) => {
    t += profile.timeDeltas[i];
    if (!inWindow(t)) return;
    const f = byId.get(id).callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/dist\//, 'dist/')}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + profile.timeDeltas[i]);
    if (key.startsWith('(idle)')) return;
    total += profile.timeDeltas[i];
  });
  console.log(`${file}: ${windows.length} changes, ${(total / 1000).toFixed(0)} ms busy in them (${(total / 1000 / windows.length).toFixed(0)} ms per change)`);
  for (const [k, v] of [...self].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((v / total) * 100).toFixed(1).padStart(5)} %  ${(v / 1000).toFixed(1).padStart(7)} ms  ${k}`);
  }
}
