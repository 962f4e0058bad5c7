/**
 * V8's heap sizing for a long-lived daemon that takes bursts. By default V8 lets the old space
 * grow to up to four times what was live after the last full collection before it collects
 * again: after a burst of submissions the daemon sat at ~185 MB RSS with 5,000 small messages
 * queued, of which ~25 MB was live (issue 12 asks for ≤ 150 MB at 100,000). A smaller growth
 * factor collects sooner; what it costs is a few more full collections during a burst (measured
 * in BENCHMARKS.md: intake p99 and relay throughput).
 */
import v8 from 'node:v8';

/** The next full collection comes once the heap is 1.3 times what was live after the last one. */
const HEAP_GROWING_PERCENT = 30;

/**
 * Set once the daemon has started (see the daemon command): this flag is read at every
 * collection, so setting it at run time takes effect (unlike the new space's size, fixed when the isolate is made: the
 * systemd unit gives it on the command line).
 */
export function tuneHeapForDaemon(): void {
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
