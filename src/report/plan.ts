/**
 * The model's plan (its TodoWrite list) as a Markdown checklist: the one rendering the tracking comment and the
 * pull request body share. The text is the model's, and it goes to GitHub, so every item is made inert first.
 */
import { removeInvisible } from '../discussion/sanitize.js'
import type { TodoItem } from '../tools/todo.js'

/**
 * One line per item, in the model's order: `- [x] done`, `- [ ] pending`, and the item in progress in bold under
 * its active form, `- [ ] **Running the tests** (in progress)`. `redact` is the run's redactor: the GitHub client
 * redacts every write too, but an item is redacted here before it is escaped, so no escape can split a secret.
 */
export function planChecklist(items: readonly TodoItem[], redact: (text: string) => string): string[] {
  const safe = (text: string): string => inert(redact(text))
  const lines = items.map((t) =>
    t.status === 'completed'
      ? `- [x] ${safe(t.content)}`
      : t.status === 'in_progress'
        ? `- [ ] **${safe(t.activeForm)}** (in progress)`
        : `- [ ] ${safe(t.content)}`,
  )
  return capped(lines)
}

/**
 * Characters of checklist shown. Escaping can make an item five times longer (`&` is `&amp;`): uncapped, a long
 * plan could push a PR body or the tracking comment past GitHub's limit, which cuts from the end, where the
 * hidden marker the review loop reads and the final details are.
 */
export const MAX_PLAN_CHARS = 8_000

function capped(lines: string[]): string[] {
  let total = 0
  const kept: string[] = []
  for (const line of lines) {
    if (total + line.length + 1 > MAX_PLAN_CHARS) {
      const more = lines.length - kept.length
      return [...kept, `- … ${more} more item${more === 1 ? '' : 's'} (the plan is too long to show whole)`]
    }
    total += line.length + 1
    kept.push(line)
  }
  return kept
}

/** Zero width space: GitHub does not link `@<U+200B>name`, and the text reads the same. */
const ZWSP = '\u200b'

/**
 * Text that renders as what it says and does nothing else, on one line. Invisible and bidi characters go (the
 * reader would not see what the text really is); newlines become spaces (a line of its own could end the list or
 * start any block); HTML is escaped (our hidden markers are HTML comments: an item must never forge one, nor hide
 * text); Markdown's inline punctuation is escaped (no Markdown link, image, code span or emphasis that spills over the
 * checklist's own bold); and `@` gets a zero width space so a mention never pings anyone. Block syntax at the
 * start of the text (`#`, `>`, `-`, `1.`) is harmless: the text never starts a line, `- [ ] ` does.
 */
function inert(text: string): string {
  const line = removeInvisible(text).replace(/\s+/g, ' ').trim()
  const out = line
    .replace(/[\\`*_[\]~]/g, '\\$&')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@/g, `@${ZWSP}`)
  return out || '…'
}
