/** Small helpers over mdast trees, shared by the linear parse and the outline. */
import type { Nodes } from 'mdast'

/** A copy of a node and everything in it, every position moved by `offset` characters and `lines` lines. */
export function shifted<T extends Nodes>(node: T, offset: number, lines: number): T {
  const copy = { ...node }
  const p = node.position
  if (p) {
    copy.position = {
      start: { line: p.start.line + lines, column: p.start.column, offset: p.start.offset! + offset },
      end: { line: p.end.line + lines, column: p.end.column, offset: p.end.offset! + offset },
    }
  }
  if ('children' in node) {
    ;(copy as { children: Nodes[] }).children = node.children.map((c) => shifted(c as Nodes, offset, lines))
  }
  return copy
}

/** Calls `fn` on a node and on everything in it, parents first. */
export function visit(node: Nodes, fn: (n: Nodes) => void): void {
  fn(node)
  if ('children' in node) for (const c of node.children) visit(c as Nodes, fn)
}
