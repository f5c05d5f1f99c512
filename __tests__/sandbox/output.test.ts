import { describe, expect, it } from 'vitest'
import { RecordStream } from '../../src/sandbox/output.js'

/** A stream of records cut at `max`, fed `chunks` as a pipe might split them; what the sink got, and how it ended. */
function feed(chunks: string[], max = 8, limit = Infinity): { got: string[]; refused: boolean } {
  const got: string[] = []
  const stream = new RecordStream(max, { separator: '\n', take: (r) => got.push(r) <= limit })
  for (const c of chunks) if (!stream.push(c)) break
  stream.end()
  return { got, refused: stream.truncated }
}

describe('RecordStream', () => {
  it('gives the same records however the output is split into chunks', () => {
    const text = 'a\nbb\n\nccc\nlast'
    const expected = ['a', 'bb', '', 'ccc', 'last']
    expect(feed([text]).got).toEqual(expected)
    expect(feed(text.split('')).got).toEqual(expected)
    expect(feed(['a\nb', 'b\n', '\ncc', 'c\nla', 'st']).got).toEqual(expected)
  })

  it('cuts a record longer than the cap, whole or in pieces, and reads the next one whole', () => {
    const long = 'x'.repeat(20)
    for (const chunks of [
      [`${long}\nok\n`],
      [long.slice(0, 5), long.slice(5), '\nok\n'],
      [`${long}`, `\nok`],
    ]) {
      expect(feed(chunks).got).toEqual(['xxxxxxxx', 'ok'])
    }
  })

  it('offers nothing after the record the sink refused, and says so', () => {
    expect(feed(['1\n2\n3\n', '4\n'], 8, 2)).toEqual({ got: ['1', '2', '3'], refused: true })
    expect(feed(['1\n2\n'], 8, 2)).toEqual({ got: ['1', '2'], refused: false })
  })
})
