// Reads a Parquet file with two independent readers (DuckDB and hyparquet) and prints JSON:
//   { duckdb: { columns, rows, values, schema, metadata, kv, file }, hyparquet: { columns, rows, values, ... } }
// Values are encoded unambiguously: NaN -> "NaN", +-Infinity -> "inf"/"-inf", -0 -> "-0", bigint and timestamps
// (microseconds since the epoch) -> decimal strings, bytes -> hex. Usage: node parquet_dump.mjs FILE [--no-values]
import { execFileSync } from 'node:child_process'
import { load } from './load.mjs'

const { DuckDBInstance } = await load('@duckdb/node-api')
const { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } = await load('hyparquet')

const file = process.argv[2]
const withValues = !process.argv.includes('--no-values')

function enc(v) {
  if (v === null || v === undefined) return null
  if (typeof v === 'bigint') return v.toString()
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'NaN'
    if (v === Infinity) return 'inf'
    if (v === -Infinity) return '-inf'
    if (Object.is(v, -0)) return '-0'
    return v
  }
  if (typeof v === 'string' || typeof v === 'boolean') return v
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex')
  if (v instanceof Date) return v.toISOString()
  if (typeof v === 'object' && 'micros' in v) return v.micros.toString()
  if (Array.isArray(v)) return v.map(enc)
  if (typeof v === 'object' && typeof v.toString === 'function') return v.toString()
  return String(v)
}

function sqlString(s) { return "'" + s.replaceAll("'", "''") + "'" }

async function duck() {
  const inst = await DuckDBInstance.create(':memory:')
  const conn = await inst.connect()
  const f = sqlString(file)
  const rows = async (sql) => {
    const r = await conn.runAndReadAll(sql)
    return r.getRowObjects().map(o => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, enc(v)])))
  }
  const out = {}
  out.columns = (await rows(`DESCRIBE SELECT * FROM read_parquet(${f})`)).map(r => ({ name: r.column_name, type: r.column_type }))
  out.schema = await rows(`SELECT name, type, repetition_type, converted_type, logical_type FROM parquet_schema(${f})`)
  out.file = (await rows(`SELECT created_by, num_rows, num_row_groups, format_version FROM parquet_file_metadata(${f})`))[0]
  out.kv = (await conn.runAndReadAll(`SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata(${f})`))
    .getRowObjects().map(o => [o.k, o.v])
  out.metadata = await rows(`SELECT row_group_id, row_group_num_rows, column_id, path_in_schema, type, num_values,
      stats_min_value, stats_max_value, stats_null_count, stats_min, stats_max, encodings, compression,
      epoch_us(TRY_CAST(stats_min_value AS TIMESTAMPTZ)) AS ts_min_us, epoch_us(TRY_CAST(stats_max_value AS TIMESTAMPTZ)) AS ts_max_us,
      dictionary_page_offset, data_page_offset, total_compressed_size, total_uncompressed_size
      FROM parquet_metadata(${f}) ORDER BY row_group_id, column_id`)
  out.rows = Number((await conn.runAndReadAll(`SELECT count(*) AS n FROM read_parquet(${f})`)).getRowObjects()[0].n)
  if (withValues) {
    const r = await conn.runAndReadAll(`SELECT * FROM read_parquet(${f})`)
    const names = r.columnNames()
    const cols = r.getColumns()
    out.values = Object.fromEntries(names.map((n, i) => [n, (cols[i] ?? []).map(enc)]))
  }
  return out
}

// hyparquet has no zstd of its own: hand pages to the zstd command-line tool (a third independent decoder).
const compressors = {
  ZSTD: (input, outputLength) => {
    const out = execFileSync('zstd', ['-d', '-c', '-q'], { input: Buffer.from(input), maxBuffer: outputLength + 1024 })
    return new Uint8Array(out.buffer, out.byteOffset, out.length)
  },
}
const parsers = {
  timestampFromMicroseconds: (micros) => ({ micros }),
}

async function hyp() {
  const buf = await asyncBufferFromFile(file)
  const meta = await parquetMetadataAsync(buf)
  const schema = parquetSchema(meta)
  const out = {}
  out.columns = schema.children.map(c => ({
    name: c.element.name, type: c.element.type, repetition: c.element.repetition_type,
    converted_type: c.element.converted_type ?? null, logical_type: enc(JSON.stringify(c.element.logical_type ?? null, (k, v) => typeof v === 'bigint' ? v.toString() : v)),
  }))
  out.rows = Number(meta.num_rows)
  out.created_by = meta.created_by ?? null
  out.kv = (meta.key_value_metadata ?? []).map(kv => [kv.key, kv.value ?? null])
  out.row_groups = meta.row_groups.map(rg => ({
    num_rows: Number(rg.num_rows),
    columns: rg.columns.map(c => ({
      codec: c.meta_data.codec, encodings: c.meta_data.encodings, num_values: Number(c.meta_data.num_values),
      encoding_stats: (c.meta_data.encoding_stats ?? []).map(e => [e.page_type, e.encoding, Number(e.count)]),
      null_count: c.meta_data.statistics?.null_count === undefined ? null : enc(c.meta_data.statistics.null_count),
      min_value: enc(c.meta_data.statistics?.min_value ?? null), max_value: enc(c.meta_data.statistics?.max_value ?? null),
    })),
  }))
  if (withValues) {
    const objs = await parquetReadObjects({ file: buf, compressors, parsers, utf8: true })
    out.values = Object.fromEntries(out.columns.map(c => [c.name, objs.map(o => enc(o[c.name]))]))
  }
  return out
}

const result = {}
try { result.duckdb = await duck() } catch (e) { result.duckdb = { error: String(e && e.message || e) } }
try { result.hyparquet = await hyp() } catch (e) { result.hyparquet = { error: String(e && e.stack || e) } }
process.stdout.write(JSON.stringify(result) + '\n')
