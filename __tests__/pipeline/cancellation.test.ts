import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  listenForCancellation,
  unlessAborted,
  type CancellationListener,
} from '../../src/pipeline/cancellation.js'

let listener: CancellationListener | undefined
afterEach(() => listener?.dispose())

describe('listenForCancellation', () => {
  it('cancels on the first signal, hurries on the second, and says which came', () => {
    const logs: string[] = []
    const before = process.listenerCount('SIGINT')
    listener = listenForCancellation((l) => logs.push(l))
    expect(process.listenerCount('SIGINT')).toBe(before + 1)
    expect(listener.signal.aborted).toBe(false)

    process.emit('SIGTERM', 'SIGTERM')
    expect(listener.signal.aborted).toBe(true)
    expect(listener.hurry.aborted).toBe(false)
    expect(listener.received).toBe('SIGTERM')

    process.emit('SIGINT', 'SIGINT')
    expect(listener.hurry.aborted).toBe(true)
    expect(listener.received).toBe('SIGTERM')
    // A third (a person pressing Ctrl-C again; the runner's third is SIGKILL) ends the process at once.
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never)
    process.emit('SIGINT', 'SIGINT')
    expect(exit).toHaveBeenCalledWith(130)
    exit.mockRestore()
    expect(logs).toEqual([
      'Received SIGTERM: cancelling. Stopping the model and its commands; the work so far is kept.',
      'Received SIGINT again: skipping the pull request; pushing the work and reporting now.',
      'Received SIGINT a third time: exiting now.',
    ])
  })

  it('gives the signals back when disposed', () => {
    const before = process.listenerCount('SIGTERM')
    listener = listenForCancellation(() => {})
    listener.dispose()
    expect(process.listenerCount('SIGTERM')).toBe(before)
  })
})

describe('unlessAborted', () => {
  it('gives the work’s value when it comes first, and undefined as soon as the signal fires', async () => {
    const c = new AbortController()
    expect(await unlessAborted(Promise.resolve(7), c.signal)).toBe(7)
    const never = new Promise<number>(() => {})
    setTimeout(() => c.abort(), 10)
    expect(await unlessAborted(never, c.signal)).toBeUndefined()
    // Already aborted: not even waited for; its later failure is not unhandled.
    expect(await unlessAborted(Promise.reject(new Error('late')), c.signal)).toBeUndefined()
  })
})
