/**
 * What a submitter can make the daemon hold (issue 11, finding 5): a request larger than
 * relay.maxMessageBytes plus framing is refused unread, so four 60 MiB submissions at once barely
 * move the daemon's memory; and submissions are read a bounded number at a time, with a bounded
 * queue behind them (AM_BUSY past it).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connectControl } from '../../src/control/client.js';
import { submissionGate } from '../../src/control/admission.js';
import type { ControlApi } from '../../src/control/api.js';
import { addControlService } from '../../src/control/service.js';
import { createSocketServer } from '../../src/control/socket-server.js';
import { AppError } from '../../src/errors/registry.js';
import { baseConfig, DaemonProcess, tempDir, writeJson } from '../helpers/daemon.js';

const MiB = 1024 * 1024;
const memoryMb = async (pid: number, field: 'VmRSS' | 'VmHWM') =>
  Number(new RegExp(`${field}:\\s+(\\d+)`).exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
const message = (text: string) => ({ to: ['ops@example.com'], subject: 's', text, html: '', kind: 'alert', idempotency_key: '' });
const codeOf = (err: unknown) => (err instanceof AppError ? err.code : String(err));

describe('control socket limits', () => {
  const cleanups: Array<() => Promise<unknown> | void> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('refuses four 60 MiB submissions at once without the daemon growing, and answers afterwards', async () => {
    const dir = await tempDir('am-limits-');
    const path = join(dir, 'config.json');
    await writeJson(path, baseConfig('limits'));
    const daemon = new DaemonProcess(path);
    cleanups.push(() => daemon.stop());
    await daemon.ready();
    const control = connectControl(join(dir, 'control.sock'));
    cleanups.push(() => control.close());
    await control.submit(message('warm-up'));

    const rssBefore = await memoryMb(daemon.pid, 'VmRSS');
    const big = 'x'.repeat(60 * MiB);
    const results = await Promise.all(Array.from({ length: 4 }, () => control.submit(message(big)).then(() => 'accepted', codeOf)));
    const peak = await memoryMb(daemon.pid, 'VmHWM');
    const rssAfter = await memoryMb(daemon.pid, 'VmRSS');
    console.log(`4 x 60 MiB submissions: ${results.join(', ')}; daemon RSS ${rssBefore.toFixed(0)} -> ${rssAfter.toFixed(0)} MB, peak ${peak.toFixed(0)} MB`);

    expect(results).toEqual(Array(4).fill('AM_MESSAGE_TOO_LARGE'));
    expect(peak - rssBefore).toBeLessThan(150);
    expect((await control.status()).node_name).toBe('limits');
    expect((await control.submit(message('after'))).id).not.toBe('');
  });

  it('reads a bounded number of submissions at once and refuses past the queue with AM_BUSY', async () => {
    const dir = await tempDir('am-gate-');
    const socket = createSocketServer(join(dir, 'gate.sock'), 0o600, { maxRequestBytes: MiB, interceptors: [submissionGate(1, 1)] });
    let handled = 0;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const firstEntered = new Promise<void>((resolve) => (entered = resolve));
    // Only `submit` and `listNodes` are called here; the daemon's own API is not needed.
    const api = {
      async submit(): Promise<{ id: string; duplicate: boolean }> {
        handled += 1;
        entered();
        await held;
        return { id: `m${handled}`, duplicate: false };
      },
      async listNodes() {
        return { settingsVersion: 3, nodes: [] };
      },
    } as unknown as ControlApi;
    addControlService(socket.server, () => api, 'admin');
    await socket.start();
    cleanups.push(() => socket.close());
    const control = connectControl(join(dir, 'gate.sock'));
    cleanups.push(() => control.close());

    // Over the request limit: refused by gRPC from the length prefix; the handler never runs.
    expect(await control.submit(message('x'.repeat(2 * MiB))).then(() => 'accepted', codeOf)).toBe('AM_MESSAGE_TOO_LARGE');
    expect(handled).toBe(0);

    const first = control.submit(message('first'));
    await firstEntered;
    const [second, third] = [control.submit(message('second')).then((r) => r.id, codeOf), control.submit(message('third')).then((r) => r.id, codeOf)];
    // One slot is taken and one may wait: whichever came last is refused, and is refused now.
    const refused = await Promise.race([second, third]);
    expect(refused).toBe('AM_BUSY');
    expect(handled).toBe(1);
    // Other calls are not gated.
    expect((await control.listNodes()).settings_version).toBe('3');
    release();
    expect((await first).id).toBe('m1');
    expect([await second, await third].sort()).toEqual(['AM_BUSY', 'm2']);
  });
});
