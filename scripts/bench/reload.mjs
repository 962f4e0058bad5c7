// Live reload: time from a write of the config file to the daemon applying it (status shows the
// new sender), for the three ways editors and tools save a file. The integration tests check
// that each way is applied; this measures how fast (it was a "< 1 s" assertion in the tests).
import { rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { connectControl } from '../../dist/control/client.js';
import { percentile, sleep, startDaemon } from './lib.mjs';

/** Each returns once the file holds the new text; `write` is the call the clock starts at. */
const METHODS = {
  in_place: (path, text, write) => write(() => writeFile(path, text)),
  rename_over: async (path, text, write) => {
    const temp = join(dirname(path), '.config.json.tmp');
    await writeFile(temp, text);
    await write(() => rename(temp, path));
  },
  delete_recreate: async (path, text, write) => {
    await rm(path);
    // Let the watcher see the file gone (a real tool does not recreate it in the same instant).
    await sleep(100);
    await write(() => writeFile(path, text));
  },
};

export async function benchReload({ samples, log }) {
  const daemon = await startDaemon('reload', { mailServer: { enabled: false, tls: true } });
  const control = connectControl(daemon.socket);
  const config = structuredClone(daemon.config);
  let n = 0;
  const out = {};
  const all = [];
  for (const [method, save] of Object.entries(METHODS)) {
    const ms = [];
    for (let i = 0; i < samples; i++) {
      const sender = `reload${++n}@example.com`;
      config.mailServer = { ...config.mailServer, sender };
      let start = 0;
      await save(daemon.configPath, `${JSON.stringify(config, null, 2)}\n`, async (write) => {
        start = performance.now();
        await write();
      });
      const deadline = Date.now() + 5_000;
      while ((await control.status()).mail_server?.sender !== sender) {
        if (Date.now() > deadline) throw new Error(`live reload (${method}): ${sender} not applied within 5 s`);
      }
      ms.push(performance.now() - start);
      // Past chokidar's 50 ms change throttle and the reload's guard, so samples do not overlap.
      await sleep(150);
    }
    out[method] = { p50_ms: percentile(ms, 50), p99_ms: percentile(ms, 99), max_ms: Math.max(...ms), samples: ms.length };
    all.push(...ms);
    log(`  ${method}: p50 ${out[method].p50_ms.toFixed(1)} ms, p99 ${out[method].p99_ms.toFixed(1)} ms, max ${out[method].max_ms.toFixed(1)} ms`);
  }
  out.all = { p50_ms: percentile(all, 50), p99_ms: percentile(all, 99), max_ms: Math.max(...all), samples: all.length };
  control.close();
  await daemon.stop();
  return out;
}
