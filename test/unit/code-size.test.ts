import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * STYLE.md: no file in src over 400 lines, no function over 120 lines unless it is a declarative
 * table, said by a comment containing "declarative table" just before it.
 */
const MAX_FILE_LINES = 400;
const MAX_FUNCTION_LINES = 120;

const ROOT = resolve(import.meta.dirname, '../..');
const SRC = join(ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'generated' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function functionName(node: ts.Node): string {
  const named = node as ts.Node & { name?: ts.Node };
  if (named.name && ts.isIdentifier(named.name)) return named.name.text;
  if (named.name && ts.isStringLiteral(named.name)) return named.name.text;
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (ts.isPropertyAssignment(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  return '(anonymous)';
}

/** Every file over the limit, and every function over its limit that is not a declared table. */
export function offenders(files = sourceFiles(SRC)): string[] {
  const found: string[] = [];
  for (const file of files) {
    const name = relative(ROOT, file);
    const text = readFileSync(file, 'utf8');
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    if (source.getLineStarts().length > MAX_FILE_LINES) found.push(name);
    const visit = (node: ts.Node): void => {
      if (ts.isFunctionLike(node) && 'body' in node && node.body) {
        const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
        const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
        if (end - start + 1 > MAX_FUNCTION_LINES && !isDeclaredTable(node, text)) found.push(`${name}: ${functionName(node)}`);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

/** The comments before the function, or before the statement that holds it. */
function isDeclaredTable(node: ts.Node, text: string): boolean {
  for (let at: ts.Node | undefined = node; at && !ts.isSourceFile(at); at = at.parent) {
    const comments = ts.getLeadingCommentRanges(text, at.getFullStart()) ?? [];
    if (comments.some((c) => /declarative table/i.test(text.slice(c.pos, c.end)))) return true;
    if (ts.isStatement(at)) break;
  }
  return false;
}

describe('code size (STYLE.md)', () => {
  it(`no src file over ${MAX_FILE_LINES} lines and no function over ${MAX_FUNCTION_LINES}`, () => {
    expect(offenders(), 'split these (or mark a declarative table with a comment)').toEqual([]);
  });
});
