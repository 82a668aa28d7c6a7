// Reading the registry: the records both engines index (name + credit code), in file order.
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import path from "node:path";

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(HERE, "../..");
export const OUT = path.join(REPO, "bench/out");
export const DEFAULT_CSV = path.join(OUT, "national-42/registry/organizations.csv");

// Split one CSV line (RFC 4180 quotes; the generator writes none, but be safe).
function splitCsv(line) {
  if (!line.includes('"')) return line.split(",");
  const out = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') { cur += '"'; i++; }
      else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") { out.push(cur); cur = ""; }
    else cur += ch;
  }
  out.push(cur);
  return out;
}

// Yields { uscc, name } for the first `limit` rows of the CSV.
export async function* readRecords(csv = DEFAULT_CSV, limit = Infinity) {
  const rl = createInterface({ input: createReadStream(csv, { encoding: "utf8" }), crlfDelay: Infinity });
  let header = null;
  let iUscc = -1;
  let iName = -1;
  let n = 0;
  let pending = "";
  for await (const raw of rl) {
    let line = pending === "" ? raw : pending + "\n" + raw;
    if ((line.match(/"/g) ?? []).length % 2 === 1) { pending = line; continue; }
    pending = "";
    if (header === null) {
      header = splitCsv(line.replace(/^\uFEFF/, ""));
      iUscc = header.indexOf("统一社会信用代码");
      iName = header.indexOf("社会组织名称");
      if (iUscc < 0 || iName < 0) throw new Error(`${csv}: no 统一社会信用代码/社会组织名称 columns`);
      continue;
    }
    if (n >= limit) break;
    const f = splitCsv(line);
    yield { uscc: f[iUscc], name: f[iName] };
    n++;
  }
  rl.close();
}

// FNV-1a, 32 bits, over the UTF-8 bytes (catalog::org_href, search.js fnv1a32).
const enc = new TextEncoder();
export function fnv1a32(s) {
  let h = 0x811c9dc5;
  for (const b of enc.encode(s)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h >>> 0;
}

export function orgHref(uscc) {
  return `org/${(fnv1a32(uscc) % 8192).toString(16).padStart(4, "0")}.html#${uscc}`;
}
