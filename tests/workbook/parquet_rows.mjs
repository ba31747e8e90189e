// Reads a Parquet file with DuckDB and prints {"columns":[[name,type]...],"rows":[[...]...]} as JSON.
// Timestamps come out as microseconds since 1970 (epoch_us), so Python can compare instants exactly.
import { DuckDBInstance } from "@duckdb/node-api";

const path = process.argv[2];
const db = await DuckDBInstance.create();
const con = await db.connect();
const desc = (await con.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${path}')`)).getRows();
const cols = desc.map((r) => [r[0], r[1]]);
const exprs = cols.map(([n, t]) => {
  const q = '"' + n.replaceAll('"', '""') + '"';
  if (t.startsWith("TIMESTAMP")) return `epoch_us(${q})::BIGINT::VARCHAR`;
  if (t === "DOUBLE") return `${q}::VARCHAR`; // exact: DuckDB prints the shortest round-trip form
  return q;
});
const rows = (await con.runAndReadAll(`SELECT ${exprs.join(", ")} FROM read_parquet('${path}')`)).getRows();
process.stdout.write(JSON.stringify({ columns: cols, rows }, (k, v) => (typeof v === "bigint" ? Number(v) : v)));
