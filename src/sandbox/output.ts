/** How much of a process's output is kept: bounded in memory however much the process writes. */

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
