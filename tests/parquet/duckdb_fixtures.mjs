// Writes Parquet files with DuckDB for the reader test: the same table under several codecs, row-group sizes and
// format versions. Usage: node duckdb_fixtures.mjs OUTDIR. Prints the list of files written as JSON.
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const dirs = [...(process.env.NODE_PATH || '').split(':'), fileURLToPath(new URL('../../tools/node/node_modules', import.meta.url))]
let mod
for (const d of dirs) {
  if (!d) continue
  try { mod = await import(pathToFileURL(createRequire(join(d, 'x.js')).resolve('@duckdb/node-api')).href); break } catch (e) { }
}
const { DuckDBInstance } = mod.DuckDBInstance ? mod : mod.default
const out = process.argv[2]
const inst = await DuckDBInstance.create(':memory:')
const conn = await inst.connect()
await conn.run(`CREATE TABLE t AS SELECT
    i::INTEGER AS id,
    (i * 7919 % 1000003)::BIGINT * 1000000007 - 5 AS big,
    CASE WHEN i % 5 = 0 THEN NULL ELSE (i % 13)::INTEGER END AS small_nullable,
    (i * 0.25)::DOUBLE AS d,
    CASE WHEN i % 7 = 3 THEN NULL ELSE sin(i)::FLOAT END AS f,
    i % 3 = 0 AS flag,
    CASE WHEN i % 4 = 1 THEN NULL ELSE ['mV', 'pA', 'µV', '', 'a longer unit name'][(i % 5) + 1] END AS unit,
    'row-' || i::VARCHAR AS label,
    TIMESTAMP '2024-01-02 03:04:05.123456' + to_microseconds(i * 1001) AS ts,
    TIMESTAMPTZ '2020-06-01 00:00:00+00' + to_microseconds(i) AS tstz
  FROM range(25000) r(i)`)
const files = []
const cases = [
  ['duck_zstd', "COMPRESSION zstd"],
  ['duck_snappy', "COMPRESSION snappy"],
  ['duck_gzip', "COMPRESSION gzip"],
  ['duck_none', "COMPRESSION uncompressed"],
  ['duck_small_rg', "COMPRESSION zstd, ROW_GROUP_SIZE 3000"],
  ['duck_v2', "COMPRESSION zstd, PARQUET_VERSION V2"],
]
for (const [name, opts] of cases) {
  const f = join(out, name + '.parquet')
  try {
    await conn.run(`COPY t TO '${f}' (FORMAT parquet, ${opts})`)
    files.push(name + '.parquet')
  } catch (e) { process.stderr.write(`${name}: ${e.message}\n`) }
}
console.log(JSON.stringify(files))
