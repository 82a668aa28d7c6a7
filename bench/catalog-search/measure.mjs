// Search bytes, requests, time to first result, precision and recall: the static catalog's
// registry search (static/search.js over search/registry/) against Pagefind over the same
// records, in headless Chromium, for the queries of queries.json.
//
//   node measure.mjs [--ours DIR] [--pagefind DIR] [--limit N] [--repeat N] [--only ours|pagefind]
//                    [--queries FILE] [--out FILE] [--latency MS]
//
// See README.md for what is measured and how.
import http from "node:http";
import { readFile, stat, writeFile } from "node:fs/promises";
import { existsSync, readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import path from "node:path";
import os from "node:os";
import { chromium } from "playwright-core";
import { readRecords, OUT, DEFAULT_CSV, HERE } from "./records.mjs";
import { loadReference, groundTruth } from "./truth.mjs";

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const OURS = path.resolve(opt("--ours", path.join(OUT, "catalog-site")));
const PAGEFIND = path.resolve(opt("--pagefind", path.join(OUT, "pagefind-site")));
const LIMIT = Number(opt("--limit", "Infinity"));
const CSV = opt("--csv", DEFAULT_CSV);
const REPEAT = Number(opt("--repeat", "3"));
const ONLY = opt("--only", null);
const QUERIES = path.resolve(opt("--queries", path.join(HERE, "queries.json")));
const OUTFILE = path.resolve(opt("--out", path.join(OUT, "catalog-search-results.md")));
// Milliseconds the server waits before each response: a crude round-trip time (0 = loopback).
const LATENCY = Number(opt("--latency", "0"));
const PAGE = 10;
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"];

// ---- static server: files as they are, no compression, counted per request -----------------

const TYPES = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json", ".css": "text/css", ".wasm": "application/wasm", ".svg": "image/svg+xml",
};

function serve(root) {
  const log = [];
  const gz = new Map();
  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url, "http://x");
      let rel = decodeURIComponent(url.pathname);
      if (rel.endsWith("/")) rel += "index.html";
      const file = path.join(root, rel);
      if (!file.startsWith(root + path.sep)) throw Object.assign(new Error("outside"), { code: "ENOENT" });
      const st = await stat(file);
      if (!st.isFile()) throw Object.assign(new Error("dir"), { code: "ENOENT" });
      const body = await readFile(file);
      if (LATENCY > 0) await new Promise((r) => setTimeout(r, LATENCY));
      if (!gz.has(file)) gz.set(file, Math.min(body.length, gzipSync(body, { level: 6 }).length));
      log.push({ path: rel, bytes: body.length, gzip: gz.get(file) });
      res.writeHead(200, {
        "Content-Type": TYPES[path.extname(file)] ?? "application/octet-stream",
        "Content-Length": body.length,
        // A static host's usual caching; a cold query gets a new browser context anyway.
        "Cache-Control": "public, max-age=3600",
      });
      res.end(body);
    } catch (e) {
      log.push({ path: req.url, bytes: 0, gzip: 0, status: 404 });
      res.writeHead(404, { "Content-Type": "text/plain" });
      res.end("not found");
    }
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () =>
    resolve({ server, log, base: `http://127.0.0.1:${server.address().port}/` })));
}

// ---- network accounting in the browser ------------------------------------------------------

// Every request of the context (pages and their workers) that reached the network, with its
// response body size and what gzip would have sent.
function meter(context, gzipOf) {
  const m = { list: [], reset() { this.list = []; } };
  context.on("requestfinished", async (req) => {
    const entry = { url: req.url(), body: 0, wire: 0, cached: false };
    m.list.push(entry);
    try {
      const res = await req.response();
      entry.cached = res?.fromServiceWorker() ?? false;
      const s = await req.sizes();
      entry.body = s.responseBodySize;
      entry.wire = s.responseBodySize + s.responseHeadersSize;
      entry.gzip = gzipOf(entry.url) ?? entry.body;
      // A response served from the HTTP cache reports no headers size and no transfer.
      if (s.responseHeadersSize <= 0) entry.cached = true;
    } catch {
      /* the context closed */
    }
  });
  context.on("requestfailed", (req) => m.list.push({ url: req.url(), body: 0, wire: 0, failed: true }));
  return m;
}

function summarize(list, initRe) {
  const net = list.filter((e) => !e.cached);
  const sum = (xs, k) => xs.reduce((a, e) => a + (e[k] ?? 0), 0);
  const init = net.filter((e) => initRe.test(e.url));
  return {
    bytes: sum(net, "body"), wire: sum(net, "wire"), gzip: sum(net, "gzip"), requests: net.length,
    initBytes: sum(init, "body"), initRequests: init.length,
    failed: list.filter((e) => e.failed).length,
    files: net.map((e) => `${new URL(e.url).pathname} ${e.body}`),
  };
}

// ---- the engines ----------------------------------------------------------------------------

const PF_PAGE = `<!doctype html><html lang="zh"><meta charset="utf-8"><title>Pagefind search</title>
<script type="module">
window.pagefindReady = import("./pagefind/pagefind.js").then((m) => { window.pagefind = m; });
</script>
`;

const engines = {
  ours: {
    name: "gongkai (static/search.js)",
    root: OURS,
    page: "search/index.html",
    // Files a query needs whatever the query: the index parameters and the dataset list.
    init: /\/search\/registry\/meta\.json$|\/search\/datasets\//,
    ready: () => typeof window.gongkaiSearch?.query === "function",
    async run(q) {
      const t0 = performance.now();
      const r = await window.gongkaiSearch.query(q);
      const t = performance.now() - t0;
      return {
        t, tFirst: t, tPage: t,
        items: r.registry.map((o) => ({ uscc: o.uscc, name: o.name, href: o.href })),
        count: r.total, exact: r.exact, error: r.error, datasets: r.datasets.length,
        selfBytes: r.bytes, selfRequests: r.requests,
      };
    },
  },
  pagefind: {
    name: "Pagefind",
    root: PAGEFIND,
    page: "search.html",
    init: /pagefind-entry\.json$|\.pf_meta$|wasm\.[a-z]+\.pagefind$|pagefind-worker\.js$/,
    ready: () => window.pagefind !== undefined,
    async run(q) {
      const t0 = performance.now();
      const s = await window.pagefind.search(q);
      const tSearch = performance.now() - t0;
      const results = s?.results ?? [];
      let tFirst = null;
      // What a results list does: the data of the first page's results, all at once.
      const data = await Promise.all(results.slice(0, 10).map((r) => r.data().then((d) => {
        tFirst ??= performance.now() - t0;
        return d;
      })));
      const tPage = performance.now() - t0;
      return {
        t: tSearch, tFirst: tFirst ?? tPage, tPage,
        items: data.map((d) => {
          const url = d.url ?? "";
          const hash = url.indexOf("#");
          return { uscc: hash >= 0 ? decodeURIComponent(url.slice(hash + 1)) : url, name: d.meta?.title ?? "", href: url };
        }),
        count: results.length, exact: true, unfiltered: s?.unfilteredResultCount,
      };
    },
  },
};

// ---- one query in a page --------------------------------------------------------------------

async function openPage(context, base, eng) {
  const page = await context.newPage();
  page.on("pageerror", (e) => console.error(`[${eng.name}] page error: ${e.message}`));
  await page.goto(base + eng.page, { waitUntil: "load" });
  await page.waitForFunction(eng.ready, null, { timeout: 30000 });
  if (eng === engines.pagefind) await page.evaluate(() => window.pagefindReady);
  return page;
}

async function settle(m, page) {
  // Wait until no request of the context is pending (responses are counted asynchronously).
  let n = -1;
  for (let k = 0; k < 50 && n !== m.list.length; k++) {
    n = m.list.length;
    await page.waitForTimeout(50);
  }
}

async function runQuery(page, m, eng, q, srv) {
  await settle(m, page);
  m.reset();
  const from = srv.log.length;
  const r = await page.evaluate(eng.run, q);
  await settle(m, page);
  const served = srv.log.slice(from);
  const sum = (xs, k) => xs.reduce((a, e) => a + (e[k] ?? 0), 0);
  const init = served.filter((e) => eng.init.test(e.path));
  return {
    ...r,
    browser: summarize(m.list, eng.init),
    // Bytes: the server's log (file bytes). Chromium reports no body size for a dedicated
    // worker's script (Pagefind's pagefind-worker.js), so its own figures are a cross-check.
    net: {
      bytes: sum(served, "bytes"), gzip: sum(served, "gzip"), requests: served.length,
      initBytes: sum(init, "bytes"), initRequests: init.length,
      notFound: served.filter((e) => e.status === 404).length,
      files: served.map((e) => `${e.path} ${e.bytes}`),
    },
  };
}

// ---- main -----------------------------------------------------------------------------------

const median = (xs) => {
  const s = xs.filter((x) => x != null && !Number.isNaN(x)).sort((a, b) => a - b);
  if (s.length === 0) return null;
  const k = s.length >> 1;
  return s.length % 2 ? s[k] : (s[k - 1] + s[k]) / 2;
};
const mean = (xs) => {
  const s = xs.filter((x) => x != null && !Number.isNaN(x));
  return s.length ? s.reduce((a, b) => a + b, 0) / s.length : null;
};
const kB = (b) => (b == null ? "—" : (b / 1000).toFixed(1));
const ms = (t) => (t == null ? "—" : Math.round(t).toString());
const f2 = (x) => (x == null ? "—" : x.toFixed(2));

async function main() {
  const queries = JSON.parse(await readFile(QUERIES, "utf8"));
  const which = Object.keys(engines).filter((k) => ONLY === null || k === ONLY);
  for (const k of which) {
    const e = engines[k];
    const entry = k === "ours" ? path.join(e.root, "search/index.html") : path.join(e.root, "pagefind/pagefind.js");
    if (!existsSync(entry)) throw new Error(`${entry} is missing: build the ${e.name} site first`);
  }
  if (which.includes("pagefind")) await writeFile(path.join(PAGEFIND, "search.html"), PF_PAGE);

  // The records each engine indexed: the first N rows of the CSV (ours: meta.json's count,
  // Pagefind: build-stats.json's; --limit forces both). The ground truth is over those N.
  const indexed = {};
  for (const k of which) {
    let n = LIMIT;
    if (n === Infinity) {
      try {
        n = k === "ours"
          ? JSON.parse(readFileSync(path.join(OURS, "search/registry/meta.json"), "utf8")).records
          : JSON.parse(readFileSync(path.join(PAGEFIND, "build-stats.json"), "utf8")).records;
      } catch { n = Infinity; }
    }
    indexed[k] = n;
  }
  const most = Math.max(...Object.values(indexed));
  console.error(`reading ${most === Infinity ? "all" : most} records of ${CSV} …`);
  const all = [];
  for await (const r of readRecords(CSV, most)) all.push(r);
  const ref = await loadReference();
  // A query in traditional characters is judged like its simplified form ("judge"), as in
  // docs/search.md's quality method: the rules themselves have no such mapping.
  const truths = {};
  for (const k of which) {
    const n = Math.min(indexed[k], all.length);
    indexed[k] = n;
    const same = Object.keys(truths).find((j) => indexed[j] === n);
    if (same) { truths[k] = truths[same]; continue; }
    const judged = groundTruth(ref, all.slice(0, n), queries.map((x) => x.judge ?? x.q));
    truths[k] = new Map(queries.map((x) => [x.q, judged.get(x.judge ?? x.q)]));
    console.error(`[${k}] ${n} records; ground truth for ${queries.length} queries`);
  }

  const load = os.loadavg().map((x) => x.toFixed(1)).join(", ");
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  const version = browser.version();
  const results = {};
  for (const k of which) {
    const eng = engines[k];
    const srv = await serve(eng.root);
    const gzipOf = (url) => {
      const p = decodeURIComponent(new URL(url).pathname);
      for (let i = srv.log.length - 1; i >= 0; i--) if (srv.log[i].path === p) return srv.log[i].gzip;
      return null;
    };
    const per = [];
    // Cold: a new context (empty HTTP cache, fresh engine) per query and repetition.
    for (const { q, kind } of queries) {
      const runs = [];
      for (let rep = 0; rep < REPEAT; rep++) {
        const context = await browser.newContext();
        const m = meter(context, gzipOf);
        const page = await openPage(context, srv.base, eng);
        const r = await runQuery(page, m, eng, q, srv);
        runs.push(r);
        await context.close();
      }
      per.push({ q, kind, cold: runs });
      const r = runs[0];
      console.error(`[${k}] cold ${JSON.stringify(q)}: ${r.net.requests} req, ${kB(r.net.bytes)} kB (browser ${kB(r.browser.bytes)} kB/${r.browser.requests}), first result ${ms(median(runs.map((x) => x.tFirst)))} ms, count ${r.count}${r.exact ? "" : "+"}`);
    }
    // Warm: one page, the queries in order, as a visitor typing one after the other.
    {
      const context = await browser.newContext();
      const m = meter(context, gzipOf);
      const page = await openPage(context, srv.base, eng);
      for (const x of per) x.warm = await runQuery(page, m, eng, x.q, srv);
      await context.close();
    }
    srv.server.close();
    results[k] = per;
  }
  await browser.close();

  // ---- scoring ----
  const scored = {};
  for (const k of which) {
    scored[k] = results[k].map((x) => {
      const rel = truths[k].get(x.q);
      const relSet = new Set(rel);
      const r = x.cold[0];
      const got = r.items.slice(0, PAGE).map((i) => i.uscc);
      const hit = got.filter((u) => relSet.has(u)).length;
      const precision = got.length ? hit / got.length : null;
      const recall = rel.length ? hit / Math.min(PAGE, rel.length) : null;
      // Both engines found nothing and nothing is relevant: right, but no precision to speak of.
      const countRight = r.count === rel.length && (r.exact !== false);
      return {
        q: x.q, kind: x.kind, judge: queries.find((y) => y.q === x.q).judge, trueCount: rel.length, count: r.count, exact: r.exact, error: r.error,
        returned: got.length, hit, precision, recall, countRight,
        bytes: r.net.bytes, gzip: r.net.gzip, wire: r.net.wire, requests: r.net.requests,
        initBytes: r.net.initBytes, initRequests: r.net.initRequests,
        browserBytes: r.browser.bytes, browserRequests: r.browser.requests, notFound: r.net.notFound,
        selfBytes: r.selfBytes, selfRequests: r.selfRequests,
        tFirst: median(x.cold.map((c) => c.tFirst)), tPage: median(x.cold.map((c) => c.tPage)),
        tFirstMax: Math.max(...x.cold.map((c) => c.tFirst)),
        warmBytes: x.warm.net.bytes, warmRequests: x.warm.net.requests, warmFirst: x.warm.tFirst,
        files: r.net.files, first: r.items.slice(0, 3).map((i) => i.name),
        falsePositives: r.items.slice(0, PAGE).filter((i) => !relSet.has(i.uscc)).map((i) => i.name).slice(0, 3),
      };
    });
  }

  const lines = [];
  const say = (s = "") => lines.push(s);
  say(`# Registry search in the browser: gongkai vs Pagefind`);
  say();
  say(`Records: the first N organizations (name + credit code) of \`${path.relative(process.cwd(), CSV)}\` — ${which.map((k) => `${engines[k].name}: N = ${indexed[k].toLocaleString("en")}`).join("; ")}.`
    + (which.length === 2 && indexed.ours !== indexed.pagefind ? " **The two indexes do not hold the same records: bytes are not like for like, and each engine is judged against its own records.**" : ""));
  say(`Queries: ${queries.length} (\`${path.relative(process.cwd(), QUERIES)}\`). Chromium ${version}, headless; ${REPEAT} cold run(s) per query (times: median). ${LATENCY > 0 ? `Every response delayed by ${LATENCY} ms (a crude round-trip time). ` : ""}Machine: ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, load average at start ${load}.`);
  if (which.includes("pagefind")) {
    try {
      const st = JSON.parse(readFileSync(path.join(PAGEFIND, "build-stats.json"), "utf8"));
      say(`Pagefind ${st.pagefind}: index of ${st.records.toLocaleString("en")} records built in ${st.totalSeconds} s (add ${st.addSeconds} s, write ${st.writeSeconds} s), ${st.files.toLocaleString("en")} files, ${(st.bytes / 1e6).toFixed(1)} MB, service peak RSS ${st.servicePeakRssMiB} MiB.`);
    } catch { /* no stats */ }
  }
  say();
  say(`Cold = a new browser context per query (empty cache): the page is loaded, then everything the query fetches is counted, `
    + `engine start-up included (Pagefind: entry, worker, wasm, pf_meta; gongkai: meta.json, dataset list). `
    + `Bytes are response bodies (file bytes, no compression); "gzip" is what the same files would weigh gzip -6 (already-gzip files counted as they are). `
    + `Warm = the same page after the previous queries. Time to first result: from the call to the first result's title and URL being available.`);
  say();
  say(`| engine | records | median kB/query (cold) | max kB/query (cold) | median gzip kB | of which start-up kB | median kB without start-up | max kB without start-up | median requests | median kB (warm) | median first result ms (cold) | max ms | mean P@10 | mean R@10 | exact count |`);
  say(`| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |`);
  for (const k of which) {
    const s = scored[k];
    const withP = s.filter((x) => x.precision !== null);
    const withR = s.filter((x) => x.recall !== null);
    say(`| ${engines[k].name} | ${indexed[k].toLocaleString("en")} | ${kB(median(s.map((x) => x.bytes)))} | ${kB(Math.max(...s.map((x) => x.bytes)))} | ${kB(median(s.map((x) => x.gzip)))} | ${kB(median(s.map((x) => x.initBytes)))} | ${kB(median(s.map((x) => x.bytes - x.initBytes)))} | ${kB(Math.max(...s.map((x) => x.bytes - x.initBytes)))} | ${median(s.map((x) => x.requests))} | ${kB(median(s.map((x) => x.warmBytes)))} | ${ms(median(s.map((x) => x.tFirst)))} | ${ms(Math.max(...s.map((x) => x.tFirstMax)))} | ${f2(mean(withP.map((x) => x.precision)))} (${withP.length} q) | ${f2(mean(withR.map((x) => x.recall)))} (${withR.length} q) | ${s.filter((x) => x.countRight).length}/${s.length} |`);
  }
  if (which.length === 2) {
    const a = scored.ours;
    const b = scored.pagefind;
    const ratio = (f) => a.map((x, i) => (f(b[i]) ? f(x) / f(b[i]) : null)).filter((r) => r !== null);
    const all = ratio((x) => x.bytes);
    const bare = ratio((x) => x.bytes - x.initBytes);
    say();
    say(`gongkai (${indexed.ours.toLocaleString("en")} records) / Pagefind (${indexed.pagefind.toLocaleString("en")} records), bytes per query (cold): `
      + `median ratio ${f2(median(all))}, max ${f2(Math.max(...all))}, queries above half of Pagefind ${all.filter((r) => r > 0.5).length}/${all.length}; `
      + `without either engine's start-up files: median ${f2(median(bare))}, max ${f2(Math.max(...bare))}, above half ${bare.filter((r) => r > 0.5).length}/${bare.length}. `
      + `gongkai queries above 200 kB: ${a.filter((x) => x.bytes > 200000).length}.`);
  }
  say();
  say(`P@10 = relevant among the first page returned (queries that returned something); R@10 = relevant in the first page / min(10, relevant) (queries with something relevant); `
    + `relevant = matches by the rules of docs/search.md over the name, or credit-code prefix (the JavaScript reference of that document). Exact count = the engine's total equals the true count (and gongkai says it is exact).`);
  for (const k of which) {
    say();
    say(`## ${engines[k].name}: per query`);
    say();
    say(`| query | kind | true | count | P@10 | R@10 | kB cold | gzip kB | req | start-up kB | kB warm | first result ms | page ms | first results / wrong ones |`);
    say(`| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |`);
    for (const x of scored[k]) {
      const count = x.error ? `(${x.error})` : `${x.count}${x.exact === false ? "+" : ""}`;
      const shown = x.falsePositives.length ? `✗ ${x.falsePositives.join("、")}` : x.first.join("、");
      say(`| \`${x.q}\` | ${x.kind}${x.judge ? ` (judged as ${x.judge})` : ""} | ${x.trueCount} | ${count} | ${f2(x.precision)} | ${f2(x.recall)} | ${kB(x.bytes)} | ${kB(x.gzip)} | ${x.requests} | ${kB(x.initBytes)} | ${kB(x.warmBytes)} | ${ms(x.tFirst)} | ${ms(x.tPage)} | ${shown} |`);
    }
  }
  // Cross-checks: the browser's network events against the server's log, and gongkai's own meter.
  const checks = [];
  for (const k of which) {
    for (const x of scored[k]) {
      if (x.requests !== x.browserRequests) checks.push(`${k} \`${x.q}\`: server ${x.requests} requests, browser events ${x.browserRequests}`);
      if (x.notFound) checks.push(`${k} \`${x.q}\`: ${x.notFound} request(s) answered 404`);
      if (k === "ours" && x.selfBytes !== undefined && (x.selfBytes !== x.bytes || x.selfRequests !== x.requests)) checks.push(`ours \`${x.q}\`: search.js meter ${x.selfBytes} B/${x.selfRequests}, server ${x.bytes} B/${x.requests}`);
    }
    const d = scored[k].map((x) => x.bytes - x.browserBytes);
    if (d.some((v) => v !== 0)) checks.push(`${k}: browser body bytes differ from the server's by ${[...new Set(d)].join(", ")} B per query`
      + (k === "pagefind" ? " (the size of pagefind-worker.js: Chromium reports no body size for a worker script)" : ""));
  }
  say();
  say(checks.length ? `Cross-checks (browser network events vs the server's log vs search.js's own meter):\n\n${checks.map((c) => `- ${c}`).join("\n")}`
    : `Cross-check: for every cold query the bytes and requests seen by the browser equal the server's log${which.includes("ours") ? " and search.js's own meter" : ""}.`);
  const md = lines.join("\n") + "\n";
  process.stdout.write(md);
  await writeFile(OUTFILE, md);
  await writeFile(OUTFILE.replace(/\.md$/, ".json"), JSON.stringify({ indexed, scored }, null, 1));
  console.error(`written ${OUTFILE}`);
}

await main();
