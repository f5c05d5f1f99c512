/**
 * The bash tool as a session: the working directory and exported variables last from one call to the next (each
 * call still its own sandboxed process), with the real bubblewrap sandbox and with the plain one. Outputs are
 * compared whole where they can be, so any noise of the state-saving machinery would fail them.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { allowlistedEnv } from '../../src/sandbox/env.js'
import { createPlainSandbox } from '../../src/sandbox/plain.js'
import { createRuntimeSandbox } from '../../src/sandbox/runtime.js'
import { TOOL_RUN_MARKER_NAME } from '../../src/sandbox/strays.js'
import type { Sandbox } from '../../src/sandbox/types.js'
import { LOST_NOTE, STATE_GONE_NOTE } from '../../src/tools/bash-session.js'
import { createBashTool, type BashOptions } from '../../src/tools/bash.js'
import type { ToolContext } from '../../src/tools/types.js'
import { direct, type DirectTool } from './direct.js'
import { makeRepo, makeTempDir, type TempRepo } from './repo.js'

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const c of cleanups.splice(0)) c()
})

interface World {
  repo: TempRepo
  ctx: ToolContext
  /** The TMPDIR the commands get (the plain sandbox's is a temp dir of this test; the runtime's is private). */
  tmpdir?: string
}

const sandboxes: Record<string, (workspace: string) => { sandbox: Sandbox; tmpdir?: string }> = {
  runtime: (workspace) => ({
    sandbox: createRuntimeSandbox({ env: allowlistedEnv(), workspace, allowedDomains: [] }),
  }),
  plain: () => {
    const tmpdir = makeTempDir('impl-bash-tmp-')
    cleanups.push(() => fs.rmSync(tmpdir, { recursive: true, force: true }))
    return { sandbox: createPlainSandbox({ env: { ...allowlistedEnv(), TMPDIR: tmpdir } }), tmpdir }
  },
}

describe.each(Object.keys(sandboxes))('bash session (%s sandbox)', (kind) => {
  function world(): World {
    const repo = makeRepo({ 'a.txt': 'hello\n', 'sub/b.txt': 'in sub\n' })
    cleanups.push(() => repo.cleanup())
    const { sandbox, tmpdir } = sandboxes[kind](repo.root)
    return { repo, ctx: { workspace: repo.root, sandbox }, tmpdir }
  }
  const tool = (opts?: BashOptions): DirectTool => direct(createBashTool(opts))
  const run = async (t: DirectTool, command: string, w: World): Promise<string> =>
    (await t.run({ command }, w.ctx)).content

  it('keeps the working directory and exported variables from one call to the next', async () => {
    const w = world()
    const bash = tool()
    expect(await run(bash, 'cd sub && export FOO=bar', w)).toBe('[exit code 0]')
    expect(await run(bash, 'pwd; echo "$FOO"; cat b.txt', w)).toBe(
      `${w.repo.root}/sub\nbar\nin sub\n[exit code 0]`,
    )
    // Relative to where the last call left off, and changes build on each other.
    expect(await run(bash, 'mkdir deeper && cd deeper && export FOO="$FOO-2"', w)).toBe('[exit code 0]')
    expect(await run(bash, 'pwd; echo "$FOO"', w)).toBe(`${w.repo.root}/sub/deeper\nbar-2\n[exit code 0]`)
  })

  it('restart resets the working directory and the environment', async () => {
    const w = world()
    const bash = tool()
    await run(bash, 'cd sub && export FOO=bar && unset CI', w)
    expect(await run(bash, 'pwd; echo "${FOO-unset} ${CI-unset}"', w)).toBe(
      `${w.repo.root}/sub\nbar unset\n[exit code 0]`,
    )
    const restarted = await bash.run({ restart: true }, w.ctx)
    expect(restarted.content).toContain('working directory and environment reset')
    expect(await run(bash, 'pwd; echo "${FOO-unset} ${CI-unset}"', w)).toBe(
      `${w.repo.root}\nunset true\n[exit code 0]`,
    )
  })

  it('keeps the exit code of `exit 3` and still saves the state', async () => {
    const w = world()
    const bash = tool()
    expect(await run(bash, 'cd sub; export A=1; echo out; exit 3', w)).toBe('out\n[exit code 3]')
    expect(await run(bash, 'pwd; echo "$A"', w)).toBe(`${w.repo.root}/sub\n1\n[exit code 0]`)
    // Falling off the end keeps the last command's status too.
    expect(await run(bash, 'export C=4; (exit 5)', w)).toBe('[exit code 5]')
    // `set -e` ending the command counts too, and the options it turned on leave no trace of the saving (the
    // trace goes to stdout here, so its order is fixed; `eval` makes its prefix `++`).
    expect(await run(bash, 'exec 2>&1; set -eux; cd ..; export B=2; false; echo never', w)).toBe(
      '++ cd ..\n++ export B=2\n++ B=2\n++ false\n[exit code 1]',
    )
    expect(await run(bash, 'exec 2>&1; set -x; echo "$A $B $C"', w)).toBe(
      "++ echo '1 2 4'\n1 2 4\n[exit code 0]",
    )
    expect(await run(bash, 'pwd', w)).toBe(`${w.repo.root}\n[exit code 0]`)
  })

  it('starts in the repository root, with a note, when the saved directory is gone', async () => {
    const w = world()
    const bash = tool()
    await run(bash, 'mkdir -p gone/deep && cd gone/deep && export KEPT=yes', w)
    fs.rmSync(path.join(w.repo.root, 'gone'), { recursive: true })
    expect(await run(bash, 'pwd; echo "$KEPT"', w)).toBe(
      `[working directory ${w.repo.root}/gone/deep is gone; starting in the repository root]\n` +
        `${w.repo.root}\nyes\n[exit code 0]`,
    )
    // Said once: the root is the saved directory now.
    expect(await run(bash, 'pwd', w)).toBe(`${w.repo.root}\n[exit code 0]`)
  })

  it('writes nothing in the workspace; the state lives under the sandbox TMPDIR', async () => {
    const w = world()
    const bash = tool()
    await run(bash, 'cd sub && export X=1 && echo data > written.txt', w)
    expect(await run(bash, 'echo "$X"; pwd', w)).toBe(`1\n${w.repo.root}/sub\n[exit code 0]`)
    expect(w.repo.git('status', '--porcelain', '--untracked-files=all')).toBe('?? sub/written.txt\n')
    if (w.tmpdir) expect(fs.readdirSync(w.tmpdir)).toEqual([expect.stringMatching(/^implement-action-bash-/)])
  })

  it('close removes the state of every session the tool had, from inside the sandbox', async () => {
    const w = world()
    const tool = createBashTool()
    const call = async (input: unknown): Promise<string> => (await tool.run(tool.parse(input), w.ctx)).content
    const tmpdir = (await call({ command: 'cd sub; export S=1; echo "$TMPDIR"' })).split('\n')[0]
    await call({ restart: true })
    await call({ command: 'export S=2' })
    const states = (): string[] =>
      fs.readdirSync(tmpdir).filter((n) => n.startsWith('implement-action-bash-'))
    expect(states()).toHaveLength(2)
    await tool.close?.()
    expect(states()).toEqual([])
  })

  it('does not share state between two tool instances (two runs)', async () => {
    const w = world()
    const first = tool()
    const second = tool()
    await run(first, 'cd sub && export FOO=first', w)
    expect(await run(second, 'pwd; echo "${FOO-unset}"', w)).toBe(`${w.repo.root}\nunset\n[exit code 0]`)
    await run(second, 'export FOO=second', w)
    expect(await run(first, 'pwd; echo "$FOO"', w)).toBe(`${w.repo.root}/sub\nfirst\n[exit code 0]`)
  })

  it('keeps the sandbox per-call variables its own, and carries what the model exported over them', async () => {
    const w = world()
    const bash = tool()
    const value = (await run(bash, `echo "$${TOOL_RUN_MARKER_NAME}"`, w)).split('\n')[0]
    expect(value).toMatch(/^[0-9a-f]{32}$/)
    // The marker the stray sweep relies on is never carried; a TMPDIR the model set is, and the state is still
    // found through the sandbox's own.
    await run(bash, `export ${TOOL_RUN_MARKER_NAME}=other TMPDIR=/nonexistent-tmp MINE=1; unset CI`, w)
    expect(await run(bash, `echo "$${TOOL_RUN_MARKER_NAME} $TMPDIR $MINE \${CI-unset}"`, w)).toBe(
      `${value} /nonexistent-tmp 1 unset\n[exit code 0]`,
    )
    await run(bash, 'export MINE=2', w)
    expect(await run(bash, 'echo "$MINE"', w)).toBe('2\n[exit code 0]')
  })

  it('runs commands with quotes, $, backticks, newlines and heredocs as written', async () => {
    const w = world()
    const bash = tool()
    const command = [
      `msg="it's \\"quoted\\" \\$HOME \\\`not run\\\`"; echo "$msg"`,
      'echo `echo back` $(( 6 * 7 )) "$#:${1-none}:$0"',
      "cat <<'EOF'",
      'raw $HOME `x` \\n',
      'EOF',
      'cat <<EOF',
      'expanded $(echo ok)',
      'EOF',
      `export MULTI="line 1`,
      `it's \\"two\\" \\$x"`,
    ].join('\n')
    expect(await run(bash, command, w)).toBe(
      [
        'it\'s "quoted" $HOME `not run`',
        'back 42 0:none:bash',
        'raw $HOME `x` \\n',
        'expanded ok',
        '[exit code 0]',
      ].join('\n'),
    )
    expect(await run(bash, `printf '%s|' "$MULTI"`, w)).toBe(`line 1\nit's "two" $x|\n[exit code 0]`)
  })

  it('still caps the output, keeping head and tail', async () => {
    const w = world()
    const bash = tool({ maxOutput: 2000 })
    const out = await run(bash, 'cd sub; export Y=1; seq 1 5000', w)
    expect(out.length).toBeLessThan(2200)
    expect(out.startsWith('1\n2\n')).toBe(true)
    expect(out).toMatch(/\[… \d+ characters of output truncated …\]/)
    expect(out).toMatch(/\n5000\n\[exit code 0\]$/)
    expect(await run(bash, 'pwd; echo "$Y"', w)).toBe(`${w.repo.root}/sub\n1\n[exit code 0]`)
  })

  it('still times out; a killed command saves nothing and the next call uses the last saved state', async () => {
    const w = world()
    const bash = tool({ timeoutMs: 1500 })
    await run(bash, 'cd sub && export KEEP=1', w)
    const out = await bash.run({ command: 'cd / && export LOST=1 && sleep 30' }, w.ctx)
    expect(out.isError).toBe(true)
    expect(out.content).toContain('[command timed out after 2 s and was killed]')
    expect(await run(bash, 'pwd; echo "$KEEP ${LOST-unset}"', w)).toBe(
      `${LOST_NOTE}\n${w.repo.root}/sub\n1 unset\n[exit code 0]`,
    )
    // Said once: the call after a saving one is told nothing.
    expect(await run(bash, 'pwd', w)).toBe(`${w.repo.root}/sub\n[exit code 0]`)
  })

  it.each([
    ['its own EXIT trap and exit', 'cd / && trap "echo bye" EXIT && exit 2', 'lost'],
    ['exec', 'cd / && exec true', 'lost'],
    ['readonly names', 'cd / && readonly n s b q now tmp nl IFS', 'saved'],
    ['a function called printf', 'cd / && printf() { echo hijacked; }; export -f printf', 'saved'],
  ])(
    'a command that could keep its state from being saved (%s): saved, or the next call says it was not',
    async (_what, command, outcome) => {
      const w = world()
      const bash = tool()
      await run(bash, 'cd sub', w)
      await bash.run({ command }, w.ctx)
      const next = await run(bash, 'pwd', w)
      expect(next).toBe(
        outcome === 'saved' ? '/\n[exit code 0]' : `${LOST_NOTE}\n${w.repo.root}/sub\n[exit code 0]`,
      )
    },
  )

  it('a removed state is said, and the next call starts in the root', async () => {
    const w = world()
    const bash = tool()
    await run(bash, 'cd sub && export KEEP=1', w)
    // Removed by a command that then saves nothing itself (its own save would write the state again).
    await bash.run({ command: 'rm -rf "$TMPDIR"/implement-action-bash-* && exec true' }, w.ctx)
    expect(await run(bash, 'pwd; echo "${KEEP-unset}"', w)).toBe(
      `${STATE_GONE_NOTE}\n${w.repo.root}\nunset\n[exit code 0]`,
    )
  })
})

describe('bash session: what the sandbox sets per call', () => {
  it('carries only what the model changed, so a value the sandbox changes between calls stays current', async () => {
    const repo = makeRepo({ 'a.txt': 'hello\n' })
    const tmpdir = makeTempDir('impl-bash-tmp-')
    cleanups.push(
      () => repo.cleanup(),
      () => fs.rmSync(tmpdir, { recursive: true, force: true }),
    )
    // Two sandboxes sharing a TMPDIR stand for one whose per-call setting (a proxy port, say) moved.
    const call = (value: string, command: string): Promise<string> =>
      bash
        .run(
          { command },
          {
            workspace: repo.root,
            sandbox: createPlainSandbox({ env: { ...allowlistedEnv(), TMPDIR: tmpdir, PER_CALL: value } }),
          },
        )
        .then((o) => o.content)
    const bash = direct(createBashTool())
    expect(await call('first', 'echo "$PER_CALL"; export MINE=1')).toBe('first\n[exit code 0]')
    expect(await call('second', 'echo "$PER_CALL $MINE"')).toBe('second 1\n[exit code 0]')
    expect(await call('third', 'export PER_CALL=model')).toBe('[exit code 0]')
    expect(await call('fourth', 'echo "$PER_CALL $MINE"')).toBe('model 1\n[exit code 0]')
  })
})
