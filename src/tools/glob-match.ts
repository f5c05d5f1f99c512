/**
 * A small glob matcher for repository paths ('/'-separated): `**` (any number of directories), `*` and `?`
 * (within one segment), `[abc]` / `[!abc]` classes, `{a,b}` alternatives (nestable) and `\` escapes.
 */
export function globToRegExp(pattern: string): RegExp {
  return new RegExp(`^${compile(pattern)}$`)
}

/**
 * Compiles a glob once into a predicate over repository-relative files. A pattern without '/' matches the file
 * name at any depth (as in .gitignore); a leading './' or '/' anchors at the root.
 */
export function compileMatcher(pattern: string): (file: string) => boolean {
  let p = pattern.trim()
  let anchored = false
  if (p.startsWith('./')) {
    p = p.slice(2)
    anchored = true
  } else if (p.startsWith('/')) {
    p = p.replace(/^\/+/, '')
    anchored = true
  }
  const re = globToRegExp(p)
  if (!anchored && !stripBraces(p).includes('/')) {
    return (file) => re.test(file.slice(file.lastIndexOf('/') + 1))
  }
  return (file) => re.test(file)
}

/** The pattern with brace groups' contents removed, to ask whether it names directories at top level. */
function stripBraces(p: string): string {
  return p.replace(/\{[^{}]*\}/g, 'x')
}

function compile(p: string): string {
  let out = ''
  for (let i = 0; i < p.length; i++) {
    const c = p[i]
    if (c === '\\' && i + 1 < p.length) {
      out += escape(p[++i])
    } else if (c === '*') {
      if (p[i + 1] === '*') {
        const atSegmentStart = i === 0 || p[i - 1] === '/'
        let j = i
        while (p[j] === '*') j++
        if (atSegmentStart && p[j] === '/') {
          out += '(?:[^/]*/)*' // `**/`: zero or more directories
          i = j // skip the slash too
        } else if (atSegmentStart && j === p.length) {
          out += '.*' // trailing `**`: everything below
          i = j - 1
        } else {
          out += '[^/]*' // `**` inside a segment is just `*`
          i = j - 1
        }
      } else {
        out += '[^/]*'
      }
    } else if (c === '?') {
      out += '[^/]'
    } else if (c === '[') {
      const end = p.indexOf(']', i + 2)
      if (end === -1) {
        out += '\\['
      } else {
        let body = p.slice(i + 1, end)
        const negate = body.startsWith('!') || body.startsWith('^')
        if (negate) body = body.slice(1)
        out += `[${negate ? '^/' : ''}${body.replace(/\\/g, '\\\\').replace(/\]/g, '\\]')}]`
        i = end
      }
    } else if (c === '{') {
      const end = matchingBrace(p, i)
      if (end === -1) {
        out += '\\{'
      } else {
        const alternatives = splitTopLevel(p.slice(i + 1, end))
        out += `(?:${alternatives.map(compile).join('|')})`
        i = end
      }
    } else {
      out += escape(c)
    }
  }
  return out
}

function matchingBrace(p: string, open: number): number {
  let depth = 0
  for (let i = open; i < p.length; i++) {
    if (p[i] === '\\') i++
    else if (p[i] === '{') depth++
    else if (p[i] === '}' && --depth === 0) return i
  }
  return -1
}

function splitTopLevel(s: string): string[] {
  const parts: string[] = []
  let depth = 0
  let start = 0
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\') i++
    else if (s[i] === '{') depth++
    else if (s[i] === '}') depth--
    else if (s[i] === ',' && depth === 0) {
      parts.push(s.slice(start, i))
      start = i + 1
    }
  }
  parts.push(s.slice(start))
  return parts
}

function escape(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c
}
