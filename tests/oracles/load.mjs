// ES modules ignore NODE_PATH: resolve the oracles' packages from it (and from tools/node/node_modules) by hand.
// A CommonJS package's exports are merged with its default export, so named imports work for both kinds.
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

export async function load(name) {
  const dirs = [...(process.env.NODE_PATH || '').split(':'),
    fileURLToPath(new URL('../../tools/node/node_modules', import.meta.url))]
  for (const d of dirs) {
    if (!d) continue
    try {
      const resolved = createRequire(join(d, 'noop.js')).resolve(name)
      const mod = await import(pathToFileURL(resolved).href)
      return mod.default && !mod.DuckDBInstance && !mod.parquetReadObjects ? { ...mod.default, ...mod } : mod
    } catch (e) { /* try the next folder */ }
  }
  return import(name)
}
