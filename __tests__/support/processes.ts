import fs from 'node:fs'

/** Running (not gone, not a zombie waiting to be reaped), after giving the kernel a moment to deliver SIGKILL. */
export async function isAlive(pid: number): Promise<boolean> {
  for (let i = 0; i < 40; i++) {
    let state: string | undefined
    try {
      state = /^State:\s+(\S)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
    } catch {
      return false
    }
    if (state === 'Z' || state === 'X') return false
    await new Promise((r) => setTimeout(r, 50))
  }
  return true
}

/** Pids of running (not zombie) processes whose command line contains `needle`. */
export function pidsWith(needle: string): number[] {
  const found: number[] = []
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const cmdline = fs.readFileSync(`/proc/${name}/cmdline`, 'latin1').replaceAll('\0', ' ')
      const state = /^State:\s+(\S)/m.exec(fs.readFileSync(`/proc/${name}/status`, 'utf8'))?.[1]
      if (cmdline.includes(needle) && state !== 'Z' && state !== 'X') found.push(Number(name))
    } catch {
      // gone meanwhile
    }
  }
  return found
}
