/**
 * The TSDoc `@example` blocks of src/: each fenced ```ts block of a
 * documentation comment, with the file it documents.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { SRC, sources } from './imports.js';

export interface DocExample {
  /** The source file, relative to src/ (`tools/json.ts`). */
  readonly file: string;
  /** 1-based line of the `@example` tag. */
  readonly line: number;
  /** The example's title (the text after `@example`), or ''. */
  readonly title: string;
  /** The code of the fenced block, without the comment's ` * ` margins. */
  readonly code: string;
}

/** Every `@example` of every file of src/; an example without a fenced ```ts block has `code` ''. */
export function docExamples(): DocExample[] {
  const out: DocExample[] = [];
  for (const path of sources(SRC).sort()) {
    const text = readFileSync(path, 'utf8');
    for (const comment of text.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
      const lines = comment[0].split('\n').map((l) => l.replace(/^\s*(\/\*\*|\*\/|\*(?!\/) ?)/, ''));
      const startLine = text.slice(0, comment.index).split('\n').length;
      for (let i = 0; i < lines.length; i++) {
        const tag = /@example\b(.*)$/.exec(lines[i]!);
        if (tag === null) continue;
        let j = i + 1;
        while (j < lines.length && !/^\s*```/.test(lines[j]!) && !/^\s*@\w/.test(lines[j]!)) j++;
        let code = '';
        if (j < lines.length && /^\s*```(ts|typescript)\s*$/.test(lines[j]!)) {
          const end = lines.findIndex((l, k) => k > j && /^\s*```\s*$/.test(l));
          code = `${lines.slice(j + 1, end < 0 ? lines.length : end).join('\n')}\n`;
        }
        out.push({ file: relative(SRC, path), line: startLine + i, title: tag[1]!.trim(), code });
      }
    }
  }
  return out;
}
