// Self time per function of a V8 CPU profile (.cpuprofile): the table both profiling scripts print.

/** Rows of [function with its file:line, self ms], the largest first. */
export function selfTime(profile) {
  const self = new Map();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  profile.samples.forEach((id, i) => {
    const f = byId.get(id).callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/dist\//, 'dist/')}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + profile.timeDeltas[i] / 1000);
  });
  return [...self].sort((a, b) => b[1] - a[1]);
}

/** A Markdown table of the `top` functions with the most self time. */
export function selfTimeTable(profile, top = 15) {
  const rows = selfTime(profile);
  const total = rows.reduce((n, [, ms]) => n + ms, 0);
  return [
    '| self % | self ms | function |',
    '|---|---|---|',
    ...rows.slice(0, top).map(([k, ms]) => `| ${((ms / total) * 100).toFixed(1)} | ${ms.toFixed(0)} | \`${k}\` |`),
  ];
}
