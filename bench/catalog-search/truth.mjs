// Ground truth: the JavaScript reference of docs/search.md (copied from the document at run time,
// not from search.js, which is under test), applied to every record's name and credit code.
import { readFile, writeFile, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { REPO } from "./records.mjs";

export async function loadReference(doc = path.join(REPO, "docs/search.md")) {
  const md = await readFile(doc, "utf8");
  const m = /```js\n(\/\/ gongkai search segmentation: reference implementation[\s\S]*?)```/.exec(md);
  if (!m) throw new Error(`${doc}: no JavaScript reference block`);
  const dir = await mkdtemp(path.join(tmpdir(), "gk-ref-"));
  const file = path.join(dir, "reference.mjs");
  await writeFile(file, m[1]);
  return import(pathToFileURL(file).href);
}

// For each query, the credit codes of the matching records, in credit-code order (the order
// of the catalog's own results).
export function groundTruth(ref, records, queries) {
  const out = new Map();
  for (const q of queries) {
    const hits = [];
    // Fast pre-filter: every Han term must be a substring of the name (fold is identity on Han),
    // unless the query is a credit-code prefix; the reference decides.
    const prefix = ref.usccPrefix(q);
    const terms = ref.queryTerms(q);
    for (const r of records) {
      if (prefix === null && !terms.every((t) => t.kind !== "han" || r.name.includes(t.text))) continue;
      if (ref.organizationMatches({ uscc: r.uscc, name: r.name, business_scope: null }, q)) hits.push(r.uscc);
    }
    hits.sort();
    out.set(q, hits);
  }
  return out;
}
