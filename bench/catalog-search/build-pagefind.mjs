// Index the registry's organizations (name + credit code) with Pagefind's Node API, as custom
// records whose URLs are the catalog's organization pages, and write the bundle to
// bench/out/pagefind-site/pagefind/ (or --out). Prints build time, files and bytes.
//
//   node build-pagefind.mjs [--limit N] [--csv FILE] [--out DIR]
import { createIndex, close } from "pagefind";
import { readdir, stat, rm, mkdir, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import path from "node:path";
import { readRecords, orgHref, OUT, DEFAULT_CSV } from "./records.mjs";

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const limit = Number(opt("--limit", "Infinity"));
const csv = opt("--csv", DEFAULT_CSV);
const site = path.resolve(opt("--out", path.join(OUT, "pagefind-site")));
const bundle = path.join(site, "pagefind");
const IN_FLIGHT = 256;
const PROGRESS = Number(opt("--progress", "50000"));

const version = JSON.parse(readFileSync(new URL("./node_modules/pagefind/package.json", import.meta.url), "utf8")).version;

async function walk(dir) {
  let files = 0;
  let bytes = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      const s = await walk(p);
      files += s.files;
      bytes += s.bytes;
    } else {
      files++;
      bytes += (await stat(p)).size;
    }
  }
  return { files, bytes };
}

function rssMiB() {
  return Math.round(process.memoryUsage().rss / 2 ** 20);
}

// Peak RSS of the pagefind service (a child process), from /proc, sampled.
async function childPeakKiB() {
  const { readFile } = await import("node:fs/promises");
  let peak = 0;
  for (const pid of (await readdir("/proc")).filter((d) => /^\d+$/.test(d))) {
    try {
      const st = await readFile(`/proc/${pid}/status`, "utf8");
      const ppid = Number(/PPid:\s+(\d+)/.exec(st)?.[1]);
      if (ppid !== process.pid) continue;
      const hwm = Number(/VmHWM:\s+(\d+)/.exec(st)?.[1] ?? 0);
      peak = Math.max(peak, hwm);
    } catch { /* gone */ }
  }
  return peak;
}

const t0 = performance.now();
await rm(bundle, { recursive: true, force: true });
await mkdir(site, { recursive: true });
const { index, errors } = await createIndex({ forceLanguage: "zh" });
if (errors.length) throw new Error(errors.join("\n"));

let n = 0;
let words = 0;
const inflight = new Set();
let servicePeak = 0;
for await (const r of readRecords(csv, limit)) {
  const p = index.addCustomRecord({
    url: orgHref(r.uscc),
    content: `${r.name} ${r.uscc}`,
    language: "zh",
    meta: { title: r.name },
  }).then((res) => {
    if (res.errors.length) throw new Error(res.errors.join("\n"));
    words += res.file.uniqueWords;
    inflight.delete(p);
  });
  inflight.add(p);
  if (inflight.size >= IN_FLIGHT) await Promise.race(inflight);
  n++;
  if (n % PROGRESS === 0) {
    servicePeak = Math.max(servicePeak, await childPeakKiB());
    console.error(`${n} records, ${((performance.now() - t0) / 1000).toFixed(1)} s, node RSS ${rssMiB()} MiB, pagefind peak RSS ${Math.round(servicePeak / 1024)} MiB`);
  }
}
await Promise.all(inflight);
const tAdded = performance.now();
servicePeak = Math.max(servicePeak, await childPeakKiB());
const w = await index.writeFiles({ outputPath: bundle });
if (w.errors.length) throw new Error(w.errors.join("\n"));
const tWritten = performance.now();
servicePeak = Math.max(servicePeak, await childPeakKiB());
await close();

const { files, bytes } = await walk(bundle);
const stats = {
  pagefind: version,
  records: n,
  uniqueWordsSum: words,
  addSeconds: +((tAdded - t0) / 1000).toFixed(1),
  writeSeconds: +((tWritten - tAdded) / 1000).toFixed(1),
  totalSeconds: +((tWritten - t0) / 1000).toFixed(1),
  files,
  bytes,
  servicePeakRssMiB: Math.round(servicePeak / 1024),
  nodeRssMiB: rssMiB(),
  bundle: path.relative(process.cwd(), bundle),
};
await writeFile(path.join(site, "build-stats.json"), JSON.stringify(stats, null, 2) + "\n");
await writeFile(path.join(site, "index.html"),
  `<!doctype html><meta charset="utf-8"><title>pagefind bench</title><p>Pagefind bundle of ${n} records.</p>\n`);
console.log(JSON.stringify(stats, null, 2));
