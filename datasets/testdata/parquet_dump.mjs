// parquet_dump.mjs — the independent parquet reader of mirage's datasets tests.
//
// Usage: node parquet_dump.mjs NODE_MODULES_DIR FILE.parquet...
// Prints one JSON object per file, one per line: {schema: [...schema elements...], row_groups: N, rows: [...]}, read
// by hyparquet (+ hyparquet-compressors for zstd and friends), a JavaScript parquet reader
// that shares no code with parquet-go. int64 values are printed as {"$int64": "digits"} so the
// Go side can check their type as well as their value.
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const [mods, ...files] = process.argv.slice(2)
if (!mods || files.length === 0) {
  console.error('usage: node parquet_dump.mjs NODE_MODULES_DIR FILE.parquet...')
  process.exit(2)
}
const load = (p) => import(pathToFileURL(join(mods, p)).href)
const { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } = await load('hyparquet/src/node.js')
const { compressors } = await load('hyparquet-compressors/src/index.js')

for (const file of files) {
  const buf = await asyncBufferFromFile(file)
  const metadata = await parquetMetadataAsync(buf)
  const rows = await parquetReadObjects({ file: buf, metadata, compressors })
  const schema = metadata.schema.map((e) => ({
    name: e.name,
    type: e.type ?? null,
    type_length: e.type_length ?? null,
    repetition_type: e.repetition_type ?? null,
    converted_type: e.converted_type ?? null,
    logical_type: e.logical_type?.type ?? null,
    num_children: e.num_children ?? 0,
  }))
  const out = { schema, row_groups: metadata.row_groups.length, rows }
  process.stdout.write(JSON.stringify(out, (k, v) => (typeof v === 'bigint' ? { $int64: v.toString() } : v)) + '\n')
}
