import { redact } from './secrets.js';

export type Cell = string | number;

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * How a run ended, for a summary's title: a dry run is a pre-flight ("pre-flight passed (dry run:
 * nothing changed)"), as the nightly workflow's pre-flight job runs it.
 */
export function endedAs(status: string, dryRun: boolean): string {
  return dryRun ? `pre-flight ${status === 'checked' ? 'passed' : status} (dry run: nothing changed)` : status;
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

  /** Rows of a name and its value, as an HTML table: a markdown table would need an empty header row. */
  keyValues(rows: readonly (readonly [string, Cell])[]): this {
    const cell = (c: Cell) => escapeHtml(String(c)).replace(/\n/g, ' ');
    this.parts.push(['<table>', ...rows.map(([k, v]) => `<tr><th align="left">${cell(k)}</th><td>${cell(v)}</td></tr>`), '</table>'].join('\n') + '\n');
    return this;
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
