import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parseSpec } from '../../src/spec/phases.js'
import { parseCommand } from '../../src/trigger/command.js'
import type { Command } from '../../src/trigger/types.js'

const parse = (body: string): Command | undefined => parseCommand(body, '/implement')

describe('parseCommand grammar', () => {
  it.each<[string, string, Command | undefined]>([
    ['single id', '/implement ISSUE-3', { issueIds: ['ISSUE-3'], notes: '' }],
    ['task id', '/implement T012', { issueIds: ['T012'], notes: '' }],
    ['dotted id', '/implement 1.2', { issueIds: ['1.2'], notes: '' }],
    ['plain number id', '/implement 3 then stop', { issueIds: ['3'], notes: 'then stop' }],
    [
      'ids + multi-line notes',
      '/implement ISSUE-3 use the new client\nand keep tests green\n\n- one\n- two  \n',
      { issueIds: ['ISSUE-3'], notes: 'use the new client\nand keep tests green\n\n- one\n- two' },
    ],
    [
      "seed's order with a spec path",
      '/implement docs/specs/x.md ISSUE-3 notes here',
      { issueIds: ['ISSUE-3'], specArg: 'docs/specs/x.md', notes: 'notes here' },
    ],
    [
      'spec name ending in .md',
      '/implement auth.md FEAT-1',
      { issueIds: ['FEAT-1'], specArg: 'auth.md', notes: '' },
    ],
    [
      'spec in backticks',
      '/implement `docs/x.md` FEAT-1',
      { issueIds: ['FEAT-1'], specArg: 'docs/x.md', notes: '' },
    ],
    ['dotted key id', '/implement ISSUE-3.1', { issueIds: ['ISSUE-3.1'], notes: '' }],
    [
      'underscore key id',
      '/implement AUTH_4 keep it small',
      { issueIds: ['AUTH_4'], notes: 'keep it small' },
    ],
    ['multi-part key id', '/implement ABC-DEF-3', { issueIds: ['ABC-DEF-3'], notes: '' }],
    ['fan-out', '/implement ISSUE-3 ISSUE-4', { issueIds: ['ISSUE-3', 'ISSUE-4'], notes: '' }],
    [
      'fan-out of dotted ids of one prefix, all distinct',
      '/implement ISSUE-3.1 ISSUE-3.2 ISSUE-3 ISSUE-30 issue-3.1',
      { issueIds: ['ISSUE-3.1', 'ISSUE-3.2', 'ISSUE-3', 'ISSUE-30'], notes: '' },
    ],
    ['fan-out of underscore ids', '/implement AUTH_4,AUTH_5', { issueIds: ['AUTH_4', 'AUTH_5'], notes: '' }],
    [
      'another separator is another prefix',
      '/implement AUTH_4 AUTH-5',
      { issueIds: ['AUTH_4'], notes: 'AUTH-5' },
    ],
    [
      'a number after a dotted key id starts the notes',
      '/implement ISSUE-3.1 2 things',
      { issueIds: ['ISSUE-3.1'], notes: '2 things' },
    ],
    [
      'a trailing dot is not part of an id',
      '/implement ISSUE-3. then',
      { issueIds: [], notes: 'ISSUE-3. then' },
    ],
    [
      'fan-out with commas',
      '/implement ISSUE-3, ISSUE-4,ISSUE-5 go',
      { issueIds: ['ISSUE-3', 'ISSUE-4', 'ISSUE-5'], notes: 'go' },
    ],
    [
      'duplicate ids collapse',
      '/implement ISSUE-3 issue-3 ISSUE-4',
      { issueIds: ['ISSUE-3', 'ISSUE-4'], notes: '' },
    ],
    [
      'a different id shape starts the notes',
      '/implement ISSUE-3 2 things to check',
      { issueIds: ['ISSUE-3'], notes: '2 things to check' },
    ],
    [
      'a different key prefix starts the notes',
      '/implement ISSUE-3 step-2 first',
      { issueIds: ['ISSUE-3'], notes: 'step-2 first' },
    ],
    [
      'a path after the ids is a note, not a spec',
      '/implement ISSUE-3 src/a.ts needs care',
      { issueIds: ['ISSUE-3'], notes: 'src/a.ts needs care' },
    ],
    ['CRLF line endings', '/implement ISSUE-3 a\r\nb\r\n', { issueIds: ['ISSUE-3'], notes: 'a\nb' }],
    ['CR line endings', 'hello\r/implement ISSUE-3\rb', { issueIds: ['ISSUE-3'], notes: 'b' }],
    [
      'case-insensitive trigger, id kept as typed',
      '/IMPLEMENT issue-3',
      { issueIds: ['issue-3'], notes: '' },
    ],
    ['leading spaces and a tab separator', '   /implement\tISSUE-3', { issueIds: ['ISSUE-3'], notes: '' }],
    [
      'command after other lines; earlier lines are not notes',
      'Looks good.\n/implement ISSUE-3\nthanks',
      { issueIds: ['ISSUE-3'], notes: 'thanks' },
    ],
    [
      'first command line wins',
      '/implement A-1\n/implement B-2',
      { issueIds: ['A-1'], notes: '/implement B-2' },
    ],
    [
      'lazy line after a quote is the author’s own line',
      '> earlier\n/implement ISSUE-3',
      { issueIds: ['ISSUE-3'], notes: '' },
    ],
    ['no id', '/implement', { issueIds: [], notes: '' }],
    ['no id, notes only', '/implement please do it', { issueIds: [], notes: 'please do it' }],
    ['spec but no id', '/implement docs/x.md', { issueIds: [], specArg: 'docs/x.md', notes: '' }],
    ['/implementation is another word', '/implementation ISSUE-3', undefined],
    ['/implement: is not the trigger', '/implement: ISSUE-3', undefined],
    ['mid-sentence', 'please /implement ISSUE-3', undefined],
    ['inline code', '`/implement ISSUE-3`', undefined],
    ['quoted', '> /implement ISSUE-3', undefined],
    ['nested quote', '> > /implement ISSUE-3', undefined],
    ['fenced code', '```\n/implement ISSUE-3\n```', undefined],
    ['tilde fence', '~~~md\n/implement ISSUE-3\n~~~', undefined],
    ['unterminated fence', 'x\n```\n/implement ISSUE-3', undefined],
    ['indented code block', 'x\n\n    /implement ISSUE-3', undefined],
    ['HTML comment', '<!--\n/implement ISSUE-3\n-->', undefined],
    ['<pre> block', '<pre>\n/implement ISSUE-3\n</pre>', undefined],
    ['empty body', '', undefined],
  ])('%s', (_name, body, expected) => {
    expect(parse(body)).toEqual(expected)
  })

  it('a command after a code block that contains one is found', () => {
    expect(parse('```\n/implement A-1\n```\n/implement B-2')?.issueIds).toEqual(['B-2'])
  })

  it('a command line may end with an HTML comment', () => {
    expect(parse('/implement ISSUE-3 <!-- bot: ignore -->')?.issueIds).toEqual(['ISSUE-3'])
  })

  it('escapes regex characters in the trigger', () => {
    expect(parseCommand('/do+ ISSUE-3', '/do+')?.issueIds).toEqual(['ISSUE-3'])
    expect(parseCommand('/doo ISSUE-3', '/do+')).toBeUndefined()
  })
})

/**
 * The command grammar must accept every phase id the spec parser finds, or a user cannot name that phase.
 * Each id of each fixture spec (and of a spec written with every key form) must parse back as exactly itself.
 */
describe('every spec phase id can be named in a command', () => {
  const fixtures = join(fileURLToPath(new URL('.', import.meta.url)), '../fixtures/specs')
  const specs: Array<[string, string]> = readdirSync(fixtures)
    .filter((f) => f.endsWith('.md'))
    .map((f) => [f, readFileSync(join(fixtures, f), 'utf8')])
  specs.push([
    'inline key forms',
    [
      '# Spec',
      '## Implementation Strategy',
      '- [ ] ISSUE-30 Not ISSUE-3',
      '- [x] **AUTH_5.2**: Bold dotted underscore',
      '- [ ] T012 [P] Task id',
      '- [ ] 1.2 Numbered',
      '',
      '### ISSUE-3: Base',
      '### ISSUE-3.1: Dotted',
      '### AUTH_4 - Underscore',
      '### [ABC-DEF-3] Multi-part prefix',
      '### Phase 2 (ISSUE-3a): Lettered',
      '### Step 5 — feat_x-12: Mixed separators',
      '',
    ].join('\n'),
  ])

  const cases = specs.flatMap(([name, source]) =>
    parseSpec(`docs/${name}`, source).phases.map((p): [string, string] => [name, p.id]),
  )

  it('finds phases in every spec (so the check below is not vacuous)', () => {
    for (const [name] of specs) expect(cases.some(([n]) => n === name)).toBe(true)
    expect(cases.filter(([n]) => n === 'inline key forms').map(([, id]) => id)).toEqual([
      'ISSUE-30',
      'AUTH_5.2',
      'T012',
      '1.2',
      'ISSUE-3',
      'ISSUE-3.1',
      'AUTH_4',
      'ABC-DEF-3',
      'ISSUE-3a',
      'feat_x-12',
    ])
  })

  it.each(cases)('%s: /implement %s names exactly that id', (_name, id) => {
    expect(parse(`/implement ${id}`)).toEqual({ issueIds: [id], notes: '' })
    expect(parse(`/implement ${id.toLowerCase()} then stop`)).toEqual({
      issueIds: [id.toLowerCase()],
      notes: 'then stop',
    })
  })
})
