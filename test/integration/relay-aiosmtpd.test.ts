/**
 * The relay against an independent SMTP implementation: Debian's python3-aiosmtpd, with
 * STARTTLS required by the server (installed by .ci/run). Skipped, saying why, where it is missing.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { baseConfig, eventually, tempDir } from '../helpers/daemon.js';
import { startNode, type Node } from '../helpers/fleet.js';
import { listeningPorts } from '../helpers/ports.js';
import { testCertificates } from '../helpers/smtp.js';
import { missingTool } from '../helpers/tools.js';

const PYTHON = '/usr/bin/python3';
const missing = missingTool('aiosmtpd', 'python3-aiosmtpd', () => spawnSync(PYTHON, ['-c', 'import aiosmtpd'], { stdio: 'ignore' }).status === 0);

describe.skipIf(missing)('relay against aiosmtpd', () => {
  let server: ChildProcess | undefined;
  let node: Node | undefined;
  let output = '';
  afterAll(async () => {
    node?.control.close();
    await node?.daemon.stop();
    server?.kill('SIGKILL');
  });

  it('delivers over STARTTLS to an independent server', async () => {
    const dir = await tempDir('am-aiosmtpd-');
    const certs = await testCertificates();
    await writeFile(join(dir, 'cert.pem'), certs.certPem);
    await writeFile(join(dir, 'key.pem'), certs.keyPem);
    await writeFile(join(dir, 'ca.pem'), certs.caPem);
    // Default handler (Debugging) prints each message to stdout; --tlscert makes STARTTLS required.
    server = spawn(PYTHON, ['-u', '-m', 'aiosmtpd', '-n', '-l', '127.0.0.1:0', '--tlscert', join(dir, 'cert.pem'), '--tlskey', join(dir, 'key.pem')], { stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout?.setEncoding('utf8').on('data', (c: string) => (output += c));
    server.stderr?.setEncoding('utf8').on('data', (c: string) => (output += c));
    // Told port 0, aiosmtpd does not print the port it got: read it from its listening socket.
    const port = await eventually(async () => (await listeningPorts(server!.pid!))[0], 10_000, 'aiosmtpd listening');
    node = await startNode(
      'independent',
      baseConfig('independent', { mailServer: { enabled: true, server: `127.0.0.1:${port}`, sender: 'engine@example.com', tls: true, caFile: join(dir, 'ca.pem') } }),
    );
    const id = (await node.cli(['alert', '--to', 'ops@example.com', '--subject', 'via aiosmtpd', '--text', 'independent'])).stdout.trim();
    await eventually(() => (output.toLowerCase().includes(`x-appliance-mail-id: ${id}`) ? true : undefined), 15_000, 'aiosmtpd received it');
    expect(output).toContain('Subject: via aiosmtpd');
    expect(output).toContain('From: engine@example.com');
    expect((await node.cli(['test-email'])).stdout).toMatch(/ok {3}starttls +upgraded with STARTTLS/);
  });
});
