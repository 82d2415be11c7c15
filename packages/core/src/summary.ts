import { redact } from './secrets.js';

export type Cell = string | number;

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A job summary section: a heading, a key/value table, optional further tables and notes. */
export class JobSummary {
  private readonly parts: string[] = [];

  constructor(title: string) {
    this.parts.push(`## ${escapeHtml(title)}\n`);
  }

  table(header: readonly string[], rows: readonly (readonly Cell[])[]): this {
    const line = (cells: readonly Cell[]) => `| ${cells.map((c) => escapeHtml(String(c)).replace(/\|/g, '\\|').replace(/\n/g, ' ')).join(' | ')} |`;
    this.parts.push([line(header), `|${header.map(() => ' --- ').join('|')}|`, ...rows.map(line)].join('\n') + '\n');
    return this;
  }

  keyValues(rows: readonly (readonly [string, Cell])[]): this {
    return this.table(['', ''], rows);
  }

  paragraph(text: string): this {
    this.parts.push(`${escapeHtml(text)}\n`);
    return this;
  }

  /** A block passed through as it is (a mermaid diagram, a details element). */
  raw(markdown: string): this {
    this.parts.push(`${markdown}\n`);
    return this;
  }

  text(): string {
    return redact(this.parts.join('\n'));
  }
}
