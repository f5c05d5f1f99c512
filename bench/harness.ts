/**
 * What every benchmark file uses: `bench` (median and p95 wall time over repeated runs, after a warm-up) and
 * `ratio` (two rows of the same run compared: the figure an issue's goal is stated in). Numbers are for comparison
 * within one run on one machine, never assertions.
 */
import { performance } from 'node:perf_hooks'

export interface Row {
  name: string
  unit: string
  median: number
  p95: number
  runs: number
}

export interface Ratio {
  label: string
  value: number
  /** The goal, as the most this ratio may be (1.5 for "within 1.5x"); undefined when there is none. */
  goal?: number
}

export const rows: Row[] = []
export const ratios: Ratio[] = []

/**
 * Times `fn` `runs` times after one warm-up. A function may measure itself (to leave its set-up out) by
 * returning a number: that is the sample. Returns the row.
 */
export async function bench(
  name: string,
  runs: number,
  fn: () => unknown | Promise<unknown>,
  unit = 'ms',
): Promise<Row> {
  await fn() // warm-up
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    const t = performance.now()
    const measured = await fn()
    times.push(typeof measured === 'number' ? measured : performance.now() - t)
  }
  times.sort((a, b) => a - b)
  const row = {
    name,
    unit,
    runs,
    median: times[Math.floor(runs / 2)],
    p95: times[Math.min(runs - 1, Math.floor(runs * 0.95))],
  }
  rows.push(row)
  return row
}

/** Records `a / b` (medians) under `label`, with the goal it is held to, if any. */
export function ratio(label: string, a: Row, b: Row, goal?: number): Ratio {
  const r = { label, value: a.median / b.median, goal }
  ratios.push(r)
  return r
}

/** Prints every row, then every ratio (with whether it meets its goal). */
export function printResults(): void {
  console.log()
  console.log(`${'benchmark'.padEnd(52)} ${'median'.padStart(10)} ${'p95'.padStart(10)}  runs`)
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(52)} ${r.median.toFixed(2).padStart(8)}${r.unit} ${r.p95.toFixed(2).padStart(8)}${r.unit}  ${r.runs}`,
    )
  }
  if (ratios.length === 0) return
  console.log()
  console.log(`${'ratio (same run)'.padEnd(64)} ${'value'.padStart(8)}  goal`)
  for (const r of ratios) {
    const goal = r.goal === undefined ? '' : `<= ${r.goal}x ${r.value <= r.goal ? 'met' : 'NOT MET'}`
    console.log(`${r.label.padEnd(64)} ${r.value.toFixed(2).padStart(7)}x  ${goal}`)
  }
}
