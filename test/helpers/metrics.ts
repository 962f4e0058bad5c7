/** Scrapes a daemon's metrics endpoint and reads values out of the Prometheus text format. */
import type { DaemonProcess } from './daemon.js';

export interface Scrape {
  text: string;
  /** The value of one series; `labels` must match exactly the labels it has. Undefined when absent. */
  value(name: string, labels?: Record<string, string>): number | undefined;
}

/** The `host:port` of the daemon's metrics endpoint, from its 'metrics listening' log line. */
export async function metricsAddress(daemon: DaemonProcess): Promise<string> {
  const line = await daemon.waitForLog((l) => l['msg'] === 'metrics listening');
  return String(line['listen']);
}

export async function scrape(address: string): Promise<Scrape> {
  const response = await fetch(`http://${address}/metrics`);
  if (response.status !== 200) throw new Error(`scrape answered ${response.status}`);
  const text = await response.text();
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    series.set(key(match[1]!, parseLabels(match[2] ?? '')), Number(match[3]));
  }
  return { text, value: (name, labels = {}) => series.get(key(name, labels)) };
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const match of text.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[match[1]!] = match[2]!;
  return labels;
}

function key(name: string, labels: Record<string, string>): string {
  return `${name}{${Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',')}}`;
}
