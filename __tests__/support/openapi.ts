/**
 * Validates JSON bodies against GitHub's official OpenAPI description (@octokit/openapi, api.github.com.json).
 * The spec (13 MB) is parsed once per process. The validator is a small JSON-Schema subset: exactly the keywords
 * GitHub's spec relies on for shape ($ref, type, nullable, properties, required, additionalProperties, items,
 * enum, anyOf/oneOf/allOf). `format`, lengths and patterns are not checked.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'

export interface Schema {
  $ref?: string
  type?: string | string[]
  nullable?: boolean
  properties?: Record<string, Schema>
  required?: string[]
  additionalProperties?: boolean | Schema
  items?: Schema
  enum?: unknown[]
  anyOf?: Schema[]
  oneOf?: Schema[]
  allOf?: Schema[]
}

interface MediaType {
  schema?: Schema
}
interface ResponseObject {
  $ref?: string
  content?: Record<string, MediaType>
}
interface Operation {
  operationId?: string
  requestBody?: { $ref?: string; content?: Record<string, MediaType> }
  responses: Record<string, ResponseObject>
}
interface Spec {
  paths: Record<string, Record<string, Operation>>
  components: Record<string, Record<string, unknown>>
}

// Resolved like any package file, so this module also works when compiled elsewhere (the demo runs it from build/).
const SPEC_FILE = createRequire(import.meta.url).resolve('@octokit/openapi/generated/api.github.com.json')

let cached: Spec | undefined
let templates: { template: string; regex: RegExp; literals: number }[] | undefined

/** The parsed spec, loaded on first use and then shared. */
export function loadSpec(): Spec {
  cached ??= JSON.parse(readFileSync(SPEC_FILE, 'utf8')) as Spec
  return cached
}

/** Resolves a local `#/components/...` pointer. */
function resolve<T>(ref: string): T {
  if (!ref.startsWith('#/')) throw new Error(`Only local $refs are supported, got ${ref}`)
  let node: unknown = loadSpec()
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    node = (node as Record<string, unknown> | undefined)?.[key]
  }
  if (node === undefined) throw new Error(`Unresolvable $ref ${ref}`)
  return node as T
}

/** The spec's path template a concrete path (query ignored) belongs to; the most literal match wins. */
export function findPathTemplate(path: string): string | undefined {
  const bare = path.split('?')[0].replace(/\/+$/, '') || '/'
  const spec = loadSpec()
  if (spec.paths[bare]) return bare
  templates ??= Object.keys(spec.paths).map((template) => ({
    template,
    regex: new RegExp(
      '^' + template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+') + '$',
    ),
    literals: template.split('/').filter((s) => s && !s.startsWith('{')).length,
  }))
  let best: { template: string; literals: number } | undefined
  for (const t of templates) {
    if (t.regex.test(bare) && (!best || t.literals > best.literals)) best = t
  }
  return best?.template
}

function findOperation(method: string, path: string): { template: string; op: Operation } | string {
  const template = findPathTemplate(path)
  if (!template) return `no operation in the OpenAPI spec matches path ${path}`
  const op = loadSpec().paths[template][method.toLowerCase()]
  if (!op) return `${method.toUpperCase()} ${template} is not an operation in the OpenAPI spec`
  return { template, op }
}

function jsonSchemaOf(content: Record<string, MediaType> | undefined): Schema | undefined {
  if (!content) return undefined
  const key =
    Object.keys(content).find((k) => k === 'application/json') ??
    Object.keys(content).find((k) => /json/.test(k))
  return key ? (content[key].schema ?? {}) : undefined
}

function typeOf(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number'
  return typeof value
}

function matchesType(type: string, value: unknown): boolean {
  const actual = typeOf(value)
  if (type === 'number') return actual === 'number' || actual === 'integer'
  return actual === type
}

/**
 * Validates `value` against `schema`; returns one message per violation, each prefixed with its JSON path.
 * An empty array means valid.
 */
export function validateSchema(schema: Schema, value: unknown, at = '$'): string[] {
  if (schema.$ref) return validateSchema(resolve<Schema>(schema.$ref), value, at)
  const errors: string[] = []
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type]

  if (value === null && (schema.nullable || types.includes('null'))) return errors
  if (value === undefined) return [`${at}: is undefined`]

  if (types.length && !types.some((t) => matchesType(t, value))) {
    return [
      `${at}: expected ${types.join(' | ')}${schema.nullable ? ' (nullable)' : ''}, got ${typeOf(value)}`,
    ]
  }
  if (schema.enum && !schema.enum.some((e) => e === value)) {
    errors.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`)
  }

  if (typeOf(value) === 'object') {
    const obj = value as Record<string, unknown>
    for (const key of schema.required ?? []) {
      if (!(key in obj) || obj[key] === undefined) errors.push(`${at}: missing required property "${key}"`)
    }
    for (const [key, v] of Object.entries(obj)) {
      const prop = schema.properties?.[key]
      if (prop) {
        if (v !== undefined) errors.push(...validateSchema(prop, v, `${at}.${key}`))
      } else if (schema.additionalProperties === false) {
        errors.push(`${at}: unexpected property "${key}"`)
      } else if (typeof schema.additionalProperties === 'object') {
        errors.push(...validateSchema(schema.additionalProperties, v, `${at}.${key}`))
      }
    }
  }
  if (Array.isArray(value) && schema.items) {
    const items = schema.items
    value.forEach((v, i) => errors.push(...validateSchema(items, v, `${at}[${i}]`)))
  }

  for (const sub of schema.allOf ?? []) errors.push(...validateSchema(sub, value, at))
  if (schema.anyOf) {
    const results = schema.anyOf.map((s) => validateSchema(s, value, at))
    if (!results.some((r) => r.length === 0)) {
      errors.push(`${at}: matches none of anyOf (closest: ${closest(results)})`)
    }
  }
  if (schema.oneOf) {
    const results = schema.oneOf.map((s) => validateSchema(s, value, at))
    const passing = results.filter((r) => r.length === 0).length
    if (passing === 0) errors.push(`${at}: matches none of oneOf (closest: ${closest(results)})`)
    else if (passing > 1) errors.push(`${at}: matches ${passing} branches of oneOf, expected exactly one`)
  }
  return errors
}

function closest(results: string[][]): string {
  const best = [...results].sort((a, b) => a.length - b.length)[0] ?? []
  return best.slice(0, 3).join('; ')
}

/**
 * Checks a response body against the operation the concrete `path` (or a spec path template) belongs to.
 * Undocumented 2xx/3xx statuses are violations; undocumented error statuses are checked against
 * `basic-error` (GitHub's spec omits many real error statuses, e.g. 404 on PATCH of a missing comment).
 */
export function validateResponse(method: string, path: string, status: number, body: unknown): string[] {
  const found = findOperation(method, path)
  if (typeof found === 'string') return [found]
  const where = `${method.toUpperCase()} ${found.template} ${status}`
  let response = found.op.responses[String(status)] ?? found.op.responses[`${String(status)[0]}XX`]
  if (!response) {
    if (status >= 400) {
      return validateSchema({ $ref: '#/components/schemas/basic-error' }, body).map((e) => `${where}: ${e}`)
    }
    return [
      `${where}: status ${status} is not documented (documented: ${Object.keys(found.op.responses).join(', ')})`,
    ]
  }
  if (response.$ref) response = resolve<ResponseObject>(response.$ref)
  const schema = jsonSchemaOf(response.content)
  if (!schema) {
    return body === undefined || body === '' ? [] : [`${where}: the spec documents no body, but one was sent`]
  }
  if (body === undefined) return [`${where}: the spec documents a JSON body, but none was sent`]
  return validateSchema(schema, body).map((e) => `${where}: ${e}`)
}

/** Checks a JSON request body against the operation's documented request schema. */
export function validateRequestBody(method: string, path: string, body: unknown): string[] {
  const found = findOperation(method, path)
  if (typeof found === 'string') return [found]
  let requestBody = found.op.requestBody
  if (!requestBody) return []
  if (requestBody.$ref) requestBody = resolve<NonNullable<Operation['requestBody']>>(requestBody.$ref)
  const schema = jsonSchemaOf(requestBody.content)
  if (!schema || body === undefined) return []
  return validateSchema(schema, body).map((e) => `request ${method.toUpperCase()} ${found.template}: ${e}`)
}
