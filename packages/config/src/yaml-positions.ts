/**
 * Parses YAML text keeping the document tree, so that a field path found
 * later (by the schema or the semantic checks) can be mapped back to the
 * line and column where the user wrote it.
 */
import { LineCounter, isAlias, isCollection, isMap, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';
import type { FieldPath } from './issues.js';

/** A 1-based line and column in the YAML text. */
export interface TextPosition {
  line: number;
  column: number;
}

/** Maps a field path (and whether the issue is about the key or the value) to a position. */
export type Locator = (path: FieldPath, at?: 'key' | 'value') => TextPosition;

/** Result of {@link parseYamlWithPositions}: the plain value and a locator, or the syntax errors. */
export type YamlParse =
  | { ok: true; value: unknown; locate: Locator }
  | { ok: false; errors: { position: TextPosition; message: string }[] };

/**
 * Parses `text` as one YAML document. Returns its plain JS value plus a
 * {@link Locator}, or every syntax error with its position and the parser's
 * message. Duplicate keys count as syntax errors.
 */
export function parseYamlWithPositions(text: string): YamlParse {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number): TextPosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  if (doc.errors.length > 0) {
    return { ok: false, errors: doc.errors.map((e) => ({ position: at(e.pos[0]), message: e.message })) };
  }
  return { ok: true, value: doc.toJS(), locate: (path, where) => at(offsetOf(doc, path, where ?? 'value')) };
}

/**
 * Returns the text offset for `path`: the value (or key) when it exists,
 * otherwise the deepest existing ancestor (for a missing field, its parent mapping).
 */
function offsetOf(doc: Document, path: FieldPath, where: 'key' | 'value'): number {
  let node: Node | null | undefined = doc.contents;
  let offset = node?.range?.[0] ?? 0;
  for (const [index, segment] of path.entries()) {
    if (isAlias(node)) node = node.resolve(doc);
    let key: Node | null = null;
    let next: Node | null | undefined;
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === segment);
      if (!pair) return offset;
      key = isScalar(pair.key) ? pair.key : null;
      next = pair.value as Node | null;
    } else if (isSeq(node) && typeof segment === 'number') {
      next = node.items[segment] as Node | undefined;
    } else {
      return offset;
    }
    const keyOffset = key?.range?.[0];
    if (!next?.range) return keyOffset ?? offset;
    // Point at the key for unknown fields, and for block collections, whose value starts on a later line.
    const preferKey = where === 'key' && index === path.length - 1 || isCollection(next) && !next.flow;
    offset = preferKey && keyOffset !== undefined ? keyOffset : next.range[0];
    node = next;
  }
  return offset;
}
