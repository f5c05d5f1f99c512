/** How much of a process's output is kept: bounded in memory however much the process writes. */
import type { RecordSink } from './types.js'

/** Keeps the first and last halves of a long output without holding all of it in memory. */
export class CappedOutput {
  private head = ''
  private tail = ''
  private dropped = 0

  constructor(private readonly max: number) {}

  push(s: string): void {
    const half = Math.floor(this.max / 2)
    if (this.head.length < half) {
      const take = s.slice(0, half - this.head.length)
      this.head += take
      s = s.slice(take.length)
    }
    if (!s) return
    this.tail += s
    if (this.tail.length > this.max - half) {
      const cut = this.tail.length - (this.max - half)
      this.dropped += cut
      this.tail = this.tail.slice(cut)
    }
  }

  /** True once something between head and tail was dropped. */
  get truncated(): boolean {
    return this.dropped > 0
  }

  text(): string {
    if (this.dropped === 0) return this.head + this.tail
    return `${this.head}\n\n[… ${this.dropped} characters of output truncated …]\n\n${this.tail}`
  }
}

/** Keeps an output from its start up to `max` characters; what comes after is dropped. */
export class HeadOutput {
  private kept = ''
  private full = false

  constructor(private readonly max: number) {}

  push(s: string): void {
    if (this.full) return
    const room = this.max - this.kept.length
    if (s.length > room) {
      this.kept += s.slice(0, room)
      this.full = true
    } else {
      this.kept += s
    }
  }

  /** True once something was dropped. */
  get truncated(): boolean {
    return this.full
  }

  text(): string {
    return this.kept
  }
}

/**
 * Keeps the end of an output (a check's verdict is at its end): the last `max` characters, cut at a line start
 * where one is near, and how much went before them.
 */
export class TailOutput {
  private kept = ''
  private dropped = 0

  constructor(private readonly max: number) {}

  push(s: string): void {
    this.kept += s
    // Trimmed in batches, so a chatty process costs linear time, not a copy per chunk.
    if (this.kept.length > this.max * 2) this.trim()
  }

  private trim(): void {
    if (this.kept.length <= this.max) return
    const cut = this.kept.length - this.max
    this.dropped += cut
    this.kept = this.kept.slice(cut)
  }

  /** True once something was dropped. */
  get truncated(): boolean {
    this.trim()
    return this.dropped > 0
  }

  text(): string {
    this.trim()
    if (this.dropped === 0) return this.kept
    // Start at a whole line: a partial first line could hold the end of a secret the redactor no longer knows
    // by its start. Only a line longer than half of what is kept is cut instead.
    const nl = this.kept.indexOf('\n')
    const body = nl >= 0 && nl < this.max / 2 ? this.kept.slice(nl + 1) : this.kept
    return `[… ${this.dropped + this.kept.length - body.length} earlier characters of output dropped …]\n${body}`
  }
}

/**
 * Splits an output into records as it arrives and hands each to a sink, holding no more than the record being
 * read: a record longer than `max` is passed on cut to `max` characters, and the rest of it is skipped. Once the
 * sink takes no more, everything after is dropped.
 */
export class RecordStream {
  private pending = ''
  /** Inside a record already passed on cut: what comes up to its separator is skipped. */
  private skipping = false
  private refused = false

  constructor(
    private readonly max: number,
    private readonly sink: RecordSink,
  ) {}

  /** Takes a chunk; false once the sink takes no more. */
  push(chunk: string): boolean {
    const sep = this.sink.separator
    let start = 0
    while (!this.refused) {
      const end = chunk.indexOf(sep, start)
      if (end < 0) break
      if (this.skipping) this.skipping = false
      else this.give(this.pending + chunk.slice(start, end))
      this.pending = ''
      start = end + 1
    }
    if (this.refused || this.skipping) return !this.refused
    this.pending += chunk.slice(start)
    if (this.pending.length > this.max) {
      this.give(this.pending)
      this.pending = ''
      this.skipping = true
    }
    return !this.refused
  }

  /** The process has exited: a last record without its separator is passed on. */
  end(): void {
    if (!this.refused && !this.skipping && this.pending) this.give(this.pending)
    this.pending = ''
  }

  /** True once the sink refused a record. */
  get truncated(): boolean {
    return this.refused
  }

  private give(record: string): void {
    if (!this.sink.take(record.length > this.max ? record.slice(0, this.max) : record)) this.refused = true
  }
}
