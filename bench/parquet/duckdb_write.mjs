// Writes the same ephys-like table as bench_write.c with DuckDB: COPY (SELECT ...) TO OUT (FORMAT parquet, zstd).
// Usage: node duckdb_write.mjs N OUT.parquet [threads]. Prints JSON with the seconds of the COPY alone.
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { statSync } from 'node:fs'

const dirs = [...(process.env.NODE_PATH || '').split(':'), fileURLToPath(new URL('../../tools/node/node_modules', import.meta.url))]
let duck
for (const d of dirs) {
  if (!d) continue
  try { duck = await import(pathToFileURL(createRequire(join(d, 'x.js')).resolve('@duckdb/node-api')).href); break } catch (e) { }
}
const { DuckDBInstance } = duck.DuckDBInstance ? duck : duck.default
const n = BigInt(process.argv[2])
const out = process.argv[3]
const threads = process.argv[4]
const inst = await DuckDBInstance.create(':memory:', threads ? { threads: String(threads) } : {})
const conn = await inst.connect()
const perSweep = n / 100n > 0n ? n / 100n : 1n
const sql = `COPY (
  SELECT (i // ${perSweep})::INTEGER AS sweep,
         (i % ${perSweep})::DOUBLE / 20000.0 AS t_s,
         (round((-70.0 + 105.0 * exp(-((i % 1000) - 20.0) * ((i % 1000) - 20.0) / 16.0)
                + (((i * 2654435761) % 4294967296)::DOUBLE / 4294967296.0 - 0.5) * 0.8) * 32.0) / 32.0)::FLOAT AS value,
         'mV' AS unit
  FROM range(${n}) t(i)
) TO '${out.replaceAll("'", "''")}' (FORMAT parquet, COMPRESSION zstd)`
const t0 = performance.now()
await conn.run(sql)
const secs = (performance.now() - t0) / 1000
const bytes = statSync(out).size
console.log(JSON.stringify({ rows: Number(n), seconds: secs, rows_per_s: Number(n) / secs, bytes }))
