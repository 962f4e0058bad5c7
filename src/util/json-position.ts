/**
 * Where a JSON text stops being JSON, said without quoting it. V8's JSON.parse messages quote the
 * text around the error (`..."assword": Sup3rSecre"...`): next to a secret that is a leak, so
 * files that may hold secrets (the config, the state) report line, column and the last key read.
 */

export interface JsonErrorPosition {
  /** 1-based. */
  line: number;
  /** 1-based, in UTF-16 code units as editors count them. */
  column: number;
  /** Dotted path of the last key read before the error (`mailServer.password`), if any. */
  key: string | null;
  /** What was wrong, in words that never include the text. */
  reason: string;
}

/** Deeper than any config or state; past it the scan stops rather than exhaust the stack. */
const MAX_DEPTH = 512;

class Stop {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {}
}

/** Finds the first syntax error in `text`; null when the text is valid JSON. */
export function locateJsonError(text: string): JsonErrorPosition | null {
  let i = 0;
  const path: Array<string | number> = [];
  let lastKey: string | null = null;

  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const unexpected = (): never => {
    throw new Stop(i, i >= text.length ? 'unexpected end of the file' : 'unexpected character');
  };

  function string(): string {
    const start = ++i;
    for (;;) {
      if (i >= text.length) throw new Stop(i, 'unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) break;
      if (c < 0x20) throw new Stop(i, 'line break or control character inside a string');
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) throw new Stop(i, 'invalid \\u escape');
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) {
          i += 2;
        } else {
          throw new Stop(i, 'invalid escape');
        }
        continue;
      }
      i++;
    }
    return text.slice(start, i++);
  }

  function number(): void {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (match === null || match[0] === '' || match[0] === '-') throw new Stop(i, 'invalid number');
    i += match[0].length;
  }

  function value(depth: number): void {
    if (depth > MAX_DEPTH) throw new Stop(i, 'nested too deeply');
    ws();
    const c = text[i];
    if (c === '{') return object(depth);
    if (c === '[') return array(depth);
    if (c === '"') {
      string();
      return;
    }
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return number();
    for (const literal of ['true', 'false', 'null']) {
      if (text.startsWith(literal, i)) {
        i += literal.length;
        return;
      }
    }
    unexpected();
  }

  function object(depth: number): void {
    i++;
    ws();
    if (text[i] === '}') {
      i++;
      return;
    }
    for (;;) {
      ws();
      if (text[i] !== '"') throw new Stop(i, 'expected a double-quoted key');
      path[depth] = string();
      path.length = depth + 1;
      lastKey = path.join('.');
      ws();
      if (text[i] !== ':') throw new Stop(i, "expected ':' after the key");
      i++;
      value(depth + 1);
      ws();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '}') {
        i++;
        path.length = depth;
        return;
      }
      throw new Stop(i, i >= text.length ? 'unexpected end of the file' : "expected ',' or '}'");
    }
  }

  function array(depth: number): void {
    i++;
    ws();
    if (text[i] === ']') {
      i++;
      return;
    }
    for (let index = 0; ; index++) {
      path[depth] = index;
      path.length = depth + 1;
      value(depth + 1);
      ws();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === ']') {
        i++;
        path.length = depth;
        return;
      }
      throw new Stop(i, i >= text.length ? 'unexpected end of the file' : "expected ',' or ']'");
    }
  }

  try {
    // A byte-order mark is not JSON, but say so rather than "unexpected character" at 1:1.
    if (text.charCodeAt(0) === 0xfeff) throw new Stop(0, 'the file starts with a byte-order mark');
    value(0);
    ws();
    if (i < text.length) throw new Stop(i, 'more text after the end of the JSON value');
    return null;
  } catch (err) {
    if (!(err instanceof Stop)) throw err;
    const before = text.slice(0, err.offset);
    const line = before.split('\n').length;
    const column = err.offset - before.lastIndexOf('\n');
    return { line, column, key: lastKey, reason: err.reason };
  }
}

/**
 * "not valid JSON at line 3, column 17 (after key mailServer.password): unexpected character":
 * what to say instead of a JSON.parse message about text that may hold secrets.
 */
export function describeJsonError(text: string): string {
  const at = locateJsonError(text);
  // JSON.parse refused what the scan accepts: say so without quoting anything.
  if (at === null) return 'not valid JSON';
  const key = at.key === null ? '' : ` (after key ${at.key.slice(0, 100)})`;
  return `not valid JSON at line ${at.line}, column ${at.column}${key}: ${at.reason}`;
}
