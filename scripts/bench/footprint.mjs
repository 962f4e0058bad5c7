// Footprint of an idle daemon: start to "ready" and RSS, against a bare node process that loads
// the same modules and does nothing else.
import { spawn } from 'node:child_process';
import { median, ROOT, rssMb, sleep, startDaemon } from './lib.mjs';

const IMPORTS = ['@grpc/grpc-js', '@grpc/proto-loader', 'nodemailer', 'pino', 'lowdb', 'chokidar', 'zod', 'selfsigned'];

export async function benchFootprint({ runs, log }) {
  const start = [];
  const rss = [];
  for (let r = 0; r < runs; r++) {
    const daemon = await startDaemon('idle', { mailServer: { enabled: false, tls: true } });
    await sleep(1000);
    start.push(daemon.startMs);
    rss.push(rssMb(daemon.pid));
    await daemon.stop();
  }
  const bareStart = [];
  const bareRss = [];
  for (let r = 0; r < runs; r++) {
    const t0 = Date.now();
    const child = spawn(process.execPath, ['--input-type=module', '-e', IMPORTS.map((m, i) => `import * as m${i} from '${m}';`).join('') + "console.log('ready');setInterval(()=>{},1000);"], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((resolve) => child.stdout.once('data', resolve));
    bareStart.push(Date.now() - t0);
    await sleep(1000);
    bareRss.push(rssMb(child.pid));
    child.kill('SIGKILL');
  }
  const out = { start_ms: median(start), rss_mb: median(rss), bare_start_ms: median(bareStart), bare_rss_mb: median(bareRss) };
  log(`  idle daemon: ready in ${out.start_ms} ms, RSS ${out.rss_mb.toFixed(0)} MB; bare node with the same imports: ${out.bare_start_ms} ms, ${out.bare_rss_mb.toFixed(0)} MB`);
  return out;
}
