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
