/**
 * The shipped alerting rules (docs/prometheus-alerts.yml) are valid for Prometheus and fire as
 * intended: `promtool check rules`, then `promtool test rules` on series that should and should
 * not make each alert fire (test/prometheus/alerts.test.yml).
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { missingTool } from '../helpers/tools.js';

const ROOT = resolve(import.meta.dirname, '../..');
const missing = missingTool('promtool', 'prometheus');

function promtool(args: string[]): { status: number | null; output: string } {
  const run = spawnSync('promtool', args, { cwd: ROOT, encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe.skipIf(missing)('prometheus alerting rules', () => {
  it('pass promtool check rules', () => {
    const { status, output } = promtool(['check', 'rules', 'docs/prometheus-alerts.yml']);
    expect(output).toMatch(/SUCCESS: \d+ rules found/);
    expect(status).toBe(0);
  });

  it('fire on the series they are about, and only there (promtool test rules)', () => {
    const { status, output } = promtool(['test', 'rules', 'test/prometheus/alerts.test.yml']);
    expect(output).toContain('SUCCESS');
    expect(status).toBe(0);
  });
});
