/**
 * The model's plan as Markdown: each item one task-list line that GitHub renders as what it says, whatever the
 * model wrote (parsed back with the GFM parser the spec reader uses, so "renders as" is checked, not guessed).
 */
import type { Nodes, Root } from 'mdast'
import { fromMarkdown } from 'mdast-util-from-markdown'
import { gfmFromMarkdown } from 'mdast-util-gfm'
import { gfm } from 'micromark-extension-gfm'
import { describe, expect, it } from 'vitest'
import { TRACKING_MARKER } from '../../src/discussion/markers.js'
import { prBody } from '../../src/report/messages.js'
import { MAX_PLAN_CHARS, planChecklist } from '../../src/report/plan.js'
import { Redactor } from '../../src/report/redact.js'
import type { TodoItem } from '../../src/tools/todo.js'

const same = (t: string) => t
const parse = (md: string): Root =>
  fromMarkdown(md, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] })
const nodes = (n: Nodes): Nodes[] => [n, ...('children' in n ? n.children.flatMap((c) => nodes(c)) : [])]
const text = (n: Nodes): string =>
  nodes(n)
    .map((x) => (x.type === 'text' || x.type === 'inlineCode' ? x.value : ''))
    .join('')

describe('planChecklist', () => {
  it('renders done, in progress (bold, in its active form) and pending items in the model order', () => {
    const items: TodoItem[] = [
      { content: 'Read the spec', status: 'completed', activeForm: 'Reading the spec' },
      { content: 'Write slugify', status: 'in_progress', activeForm: 'Writing slugify' },
      { content: 'Run the tests', status: 'pending', activeForm: 'Running the tests' },
    ]
    expect(planChecklist(items, same)).toEqual([
      '- [x] Read the spec',
      '- [ ] **Writing slugify** (in progress)',
      '- [ ] Run the tests',
    ])
  })

  it('neutralises mentions, HTML (a forged marker included), newlines, Markdown and invisible characters', () => {
    const hostile = [
      'Ask @someone and @org/team',
      `${TRACKING_MARKER} forged`,
      'one\nline\n\n## not a heading',
      '<img src=x onerror=alert(1)> <details>hidden</details>',
      '[click](https://evil.example) ![pixel](https://evil.example/p.png) `code` *em* _u_ ~~s~~',
      '# heading',
      '> quote',
      '- nested',
      '1. numbered',
      'right\u202eto\u200bleft',
      'ends in a backslash \\',
    ]
    const items: TodoItem[] = hostile.map((content, i) => ({
      content,
      status: i === 4 ? 'in_progress' : 'pending',
      activeForm: `**${content}**`,
    }))
    const lines = planChecklist(items, same)
    const md = lines.join('\n')
    expect(lines).toHaveLength(hostile.length)
    expect(md).not.toContain('<')
    expect(md).not.toContain(TRACKING_MARKER)
    expect(md).not.toMatch(/@(?!\u200b)/)
    expect(md).not.toMatch(/[\u202e]/)

    // One list of one task item per plan item; its text is exactly what the model wrote (on one line).
    const tree = parse(md)
    expect(tree.children.map((c) => c.type)).toEqual(['list'])
    const list = tree.children[0]
    if (list.type !== 'list') throw new Error('not a list')
    expect(list.children.map((li) => li.checked)).toEqual(hostile.map(() => false))
    const all = nodes(tree)
    const blocked = ['html', 'image', 'heading', 'blockquote', 'inlineCode', 'delete']
    expect(all.filter((n) => blocked.includes(n.type))).toEqual([])
    // A bare URL is autolinked, as GitHub does with any text: shown as it is, never under other words.
    expect(all.filter((n) => n.type === 'link' && text(n) !== n.url)).toEqual([])
    // Only the in-progress item's own bold: nothing the model wrote turned into emphasis.
    expect(all.filter((n) => n.type === 'strong')).toHaveLength(1)
    expect(all.filter((n) => n.type === 'emphasis')).toEqual([])
    expect(list.children.map((li) => text(li).replaceAll('\u200b', ''))).toEqual(
      hostile.map((h, i) =>
        i === 4 ? `**${h}** (in progress)` : h.replace(/\s+/g, ' ').replace(/[\u202e\u200b]/g, ''),
      ),
    )
  })

  it('redacts with the run redactor before escaping, so no escape splits a secret', () => {
    const redactor = new Redactor()
    redactor.add('s3cret@value')
    const items: TodoItem[] = [
      {
        content: 'Use s3cret@value and ghp_abcdefghijklmnopqrstuvwxyz0123456789',
        status: 'pending',
        activeForm: 'x',
      },
    ]
    expect(planChecklist(items, (t) => redactor.redact(t))).toEqual(['- [ ] Use \\*\\*\\* and \\*\\*\\*'])
    // Unredacted, the escape would have split the known secret past recognition.
    expect(redactor.redact(planChecklist(items, same)[0])).toContain('s3cret@\u200bvalue')
  })

  it('an item that is nothing but invisible characters still renders as a task item', () => {
    const lines = planChecklist([{ content: '\u200b\u200d', status: 'pending', activeForm: 'x' }], same)
    expect(lines).toEqual(['- [ ] …'])
  })
})

describe('prBody with a plan', () => {
  const base = {
    issueId: 'ISSUE-2',
    phaseTitle: 'slugify',
    specPath: 'docs/specs/slugkit.md',
    branch: 'ISSUE-2',
    summary: 'Added slugify.',
    accounting: 'cost $0.01',
    warnings: ['check ISSUE-3'],
    trigger: '/implement',
    writtenAt: '2026-12-04T10:00:00Z',
  }

  it('has a `## Plan` checklist after the test steps, and none without a plan', () => {
    const plan = planChecklist(
      [
        { content: 'Write slugify', status: 'completed', activeForm: 'Writing slugify' },
        { content: 'Run the tests', status: 'completed', activeForm: 'Running the tests' },
      ],
      same,
    )
    const body = prBody({ ...base, plan })
    expect(body).toContain('\n## Plan\n\n- [x] Write slugify\n- [x] Run the tests\n\n## Warnings\n')
    expect(body.indexOf('## Test it locally')).toBeLessThan(body.indexOf('## Plan'))
    expect(prBody(base)).not.toContain('## Plan')
    expect(prBody({ ...base, plan: [] })).not.toContain('## Plan')
  })
})

describe('a long plan', () => {
  it('is cut at MAX_PLAN_CHARS with how many items were left out, however much escaping grows it', () => {
    const many = Array.from({ length: 50 }, () => ({
      content: '&'.repeat(300),
      status: 'pending' as const,
      activeForm: 'x',
    }))
    const lines = planChecklist(many, (t) => t)
    expect(lines.join('\n').length).toBeLessThanOrEqual(MAX_PLAN_CHARS + 80)
    expect(lines.at(-1)).toMatch(/^- … \d+ more items \(the plan is too long to show whole\)$/)
    expect(lines.length).toBeLessThan(50)
  })
})
