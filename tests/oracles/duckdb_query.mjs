// Runs SQL in an in-memory DuckDB and prints the result rows as JSON (an array of objects).
// Usage: node duckdb_query.mjs "SELECT ... FROM 'file.parquet'"  (BIGINT and HUGEINT become numbers when safe,
// else decimal strings; NaN/inf as strings.) DuckDB reads the Parquet files itself: an independent reader.
import { load } from './load.mjs'

const { DuckDBInstance } = await load('@duckdb/node-api')

function enc(v) {
  if (v === null || v === undefined) return null
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString()
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'NaN'
    if (v === Infinity) return 'inf'
    if (v === -Infinity) return '-inf'
    return v
  }
  if (Array.isArray(v)) return v.map(enc)
  if (typeof v === 'object' && Array.isArray(v.items)) return v.items.map(enc) // DuckDB LIST values
  if (typeof v === 'object' && typeof v.toString === 'function') return v.toString()
  return v
}

const db = await DuckDBInstance.create(':memory:')
const con = await db.connect()
const reader = await con.runAndReadAll(process.argv[2])
const rows = reader.getRowObjects().map(r => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, enc(v)])))
process.stdout.write(JSON.stringify(rows))
