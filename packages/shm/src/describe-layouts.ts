/** Renders the shared-memory layouts of `layout.ts` as Markdown for the docs. */
import { ALL_LAYOUTS, type RecordLayout } from './layout.js';

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function renderLayout(layout: RecordLayout): string {
  const lines = [
    `### ${layout.name} (${layout.sizeBytes} B)`,
    '',
    layout.note,
    '',
    '| field | offset (B) | bits | meaning |',
    '|---|---|---|---|',
    ...layout.fields.map((f) => `| ${escapeCell(f.field)} | ${f.offsetBytes} | ${f.bits} | ${escapeCell(f.meaning)} |`),
  ];
  return lines.join('\n');
}

/**
 * Returns a Markdown document with one table per shared-memory record layout
 * (field, byte offset, bits, meaning), generated from `layout.ts`.
 */
export function describeLayouts(): string {
  return ['## cdmsim shared-memory layouts', '', ...ALL_LAYOUTS.map(renderLayout).join('\n\n').split('\n'), ''].join('\n');
}
