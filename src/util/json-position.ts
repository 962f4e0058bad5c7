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
  const scan = new JsonScan(text);
  try {
    scan.document();
    return null;
  } catch (err) {
    if (!(err instanceof Stop)) throw err;
    const before = text.slice(0, err.offset);
    const line = before.split('\n').length;
    const column = err.offset - before.lastIndexOf('\n');
    return { line, column, key: scan.lastKey, reason: err.reason };
  }
}

/**
 * A recursive-descent walk of JSON that only checks: one method per grammar rule, each moving
 * `i` past what it read, throwing a Stop where the text stops being JSON. It keeps the path of
 * keys it is inside, so an error can name the last key read.
 */
class JsonScan {
  private i = 0;
  private readonly path: Array<string | number> = [];
  /** Dotted path of the last key read, or null before the first. */
  lastKey: string | null = null;

  constructor(private readonly text: string) {}

  /** The whole text: one value, white space around it, nothing else. */
  document(): void {
    // A byte-order mark is not JSON, but say so rather than "unexpected character" at 1:1.
    if (this.text.charCodeAt(0) === 0xfeff) throw new Stop(0, 'the file starts with a byte-order mark');
    this.value(0);
    this.ws();
    if (this.i < this.text.length) throw new Stop(this.i, 'more text after the end of the JSON value');
  }

  private ws(): void {
    while (this.i < this.text.length && ' \t\n\r'.includes(this.text[this.i]!)) this.i++;
  }

  private stop(reason: string): Stop {
    return new Stop(this.i, this.i >= this.text.length ? 'unexpected end of the file' : reason);
  }

  private string(): string {
    const { text } = this;
    const start = ++this.i;
    for (;;) {
      if (this.i >= text.length) throw new Stop(this.i, 'unterminated string');
      const c = text.charCodeAt(this.i);
      if (c === 0x22) break;
      if (c < 0x20) throw new Stop(this.i, 'line break or control character inside a string');
      if (c === 0x5c) this.escape();
      else this.i++;
    }
    return text.slice(start, this.i++);
  }

  /** A backslash and what follows it, inside a string. */
  private escape(): void {
    const e = this.text[this.i + 1];
    if (e === 'u') {
      if (!/^[0-9a-fA-F]{4}$/.test(this.text.slice(this.i + 2, this.i + 6))) throw new Stop(this.i, 'invalid \\u escape');
      this.i += 6;
    } else if (e !== undefined && '"\\/bfnrt'.includes(e)) {
      this.i += 2;
    } else {
      throw new Stop(this.i, 'invalid escape');
    }
  }

  private number(): void {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.text.slice(this.i, this.i + 400));
    if (match === null || match[0] === '' || match[0] === '-') throw new Stop(this.i, 'invalid number');
    this.i += match[0].length;
  }

  private value(depth: number): void {
    if (depth > MAX_DEPTH) throw new Stop(this.i, 'nested too deeply');
    this.ws();
    const c = this.text[this.i];
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') {
      this.string();
      return;
    }
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
    for (const literal of ['true', 'false', 'null']) {
      if (this.text.startsWith(literal, this.i)) {
        this.i += literal.length;
        return;
      }
    }
    throw this.stop('unexpected character');
  }

  private object(depth: number): void {
    this.i++;
    this.ws();
    if (this.text[this.i] === '}') {
      this.i++;
      return;
    }
    do {
      this.ws();
      if (this.text[this.i] !== '"') throw new Stop(this.i, 'expected a double-quoted key');
      this.path[depth] = this.string();
      this.path.length = depth + 1;
      this.lastKey = this.path.join('.');
      this.ws();
      if (this.text[this.i] !== ':') throw new Stop(this.i, "expected ':' after the key");
      this.i++;
      this.value(depth + 1);
    } while (this.more(depth, '}'));
  }

  private array(depth: number): void {
    this.i++;
    this.ws();
    if (this.text[this.i] === ']') {
      this.i++;
      return;
    }
    let index = 0;
    do {
      this.path[depth] = index++;
      this.path.length = depth + 1;
      this.value(depth + 1);
    } while (this.more(depth, ']'));
  }

  /** After a member of an object or array: true at a ',' (another follows), false at its `close`. */
  private more(depth: number, close: '}' | ']'): boolean {
    this.ws();
    if (this.text[this.i] === ',') {
      this.i++;
      return true;
    }
    if (this.text[this.i] === close) {
      this.i++;
      this.path.length = depth;
      return false;
    }
    throw this.stop(`expected ',' or '${close}'`);
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
