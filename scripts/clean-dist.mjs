#!/usr/bin/env node
// Removes the bundle's JavaScript from dist/ before ncc writes it again: ncc never deletes a chunk a new build no
// longer has, and check-dist would then find the stale one. dist/package.json and dist/vendor/ stay.
import { readdirSync, rmSync } from 'node:fs'
import path from 'node:path'

const dist = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', 'dist')
for (const name of readdirSync(dist)) if (name.endsWith('.js')) rmSync(path.join(dist, name))
