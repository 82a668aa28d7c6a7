// The static catalog in a real browser: headless Chromium (Debian `chromium`, never a download)
// driven by playwright-core, against two sites built by `gongkai catalog build` and served under
// a sub-path (so every link must be relative):
//
//   node checks/catalog/browser.mjs REAL_URL REAL_DIR SYNTH_URL SYNTH_DIR
//
// REAL_* is the site of the real data, SYNTH_* the site of a small synthetic registry (the only
// one with organization pages). Each URL is the site root (ending in `/`), each DIR the folder it
// was built into. It loads pages in the three languages, follows the language switch, a dataset
// download, searches in Chinese (datasets and the registry, by words and by a credit-code
// prefix), toggles elder mode, checks the keyboard skip link, a phone-width layout, the pages
// without JavaScript, every relative link on disk, SHA256SUMS, and runs axe-core (WCAG 2.1 A and
// AA) on one page of each template in each language, with and without elder mode.
//
// Fails (exit 1) on any failed step, any request to another host than the server's, any
// response of 400 or more, any page error or console error. Prints one line per step and a
// summary of the failures.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE_PATH = require.resolve('axe-core/axe.min.js');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const LANGS = [
  { lang: 'zh-Hans', prefix: '' },
  { lang: 'zh-Hant', prefix: 'zh-Hant/' },
  { lang: 'en', prefix: 'en/' },
];
const SLUGS = ['budgets', 'funds', 'relief', 'registry', 'annual_reports'];
/** A unified social credit code (GB 32100-2015 alphabet). */
const USCC_RE = /^[0-9A-HJ-NPQRTUWXY]{18}$/;
const PHONE = { width: 375, height: 740 };
const STEP_TIMEOUT_MS = 15_000;

const [realUrl, realDir, synthUrl, synthDir] = process.argv.slice(2);
if (!realUrl || !realDir || !synthUrl || !synthDir || ![realUrl, synthUrl].every((u) => /^http:\/\/.+\/$/.test(u))) {
  console.error('usage: node checks/catalog/browser.mjs REAL_URL/ REAL_DIR SYNTH_URL/ SYNTH_DIR');
  process.exit(2);
}
const ORIGIN = new URL(realUrl).origin;
if (new URL(synthUrl).origin !== ORIGIN) {
  console.error('both sites must be served by the same server');
  process.exit(2);
}
const SITES = {
  real: { name: 'real', url: realUrl, dir: path.resolve(realDir) },
  synth: { name: 'synth', url: synthUrl, dir: path.resolve(synthDir) },
};

// ---- bookkeeping ---------------------------------------------------------------------------

/** Failures: { step, message }. */
const failures = [];
/** Requests to other hosts, responses >= 400, page and console errors: message → first step. */
const traffic = new Map();
function noteTraffic(message) {
  if (!traffic.has(message)) traffic.set(message, currentStep);
}
let currentStep = '(setup)';

function fail(message) {
  failures.push({ step: currentStep, message });
  console.log(`    FAIL ${message}`);
}

function check(ok, message) {
  if (!ok) fail(message);
  return ok;
}

async function step(name, fn) {
  currentStep = name;
  const before = failures.length;
  const started = Date.now();
  try {
    await fn();
  } catch (err) {
    fail(`threw: ${describe(err)}`);
  }
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  const n = failures.length - before;
  console.log(`${n === 0 ? 'ok  ' : 'FAIL'} ${name} (${secs} s)${n ? `: ${n} failure(s)` : ''}`);
}

function describe(err) {
  if (!(err instanceof Error)) return String(err);
  return `${err.name}: ${err.message.split('\n').slice(0, 6).join(' | ')}`;
}

function sha256(bytes) {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A URL relative to the site root, for messages. */
function rel(url) {
  for (const s of Object.values(SITES)) if (url.startsWith(s.url)) return `${s.name}:/${url.slice(s.url.length)}`;
  return url;
}

/** `x/index.html` and `x/` are the same page. */
function samePage(a, b) {
  const norm = (u) => {
    const url = new URL(u);
    url.hash = '';
    url.search = '';
    return url.href.replace(/index\.html$/, '');
  };
  return norm(a) === norm(b);
}

// ---- the browser ---------------------------------------------------------------------------

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
console.log(`chromium ${browser.version()}, axe-core ${require('axe-core/package.json').version}`);

/** A new context whose every request, bad response and error is recorded. */
async function newContext(options = {}) {
  const context = await browser.newContext({ acceptDownloads: true, ...options });
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  context.on('request', (req) => {
    const url = req.url();
    if (/^(data|blob|about):/.test(url)) return;
    let origin;
    try {
      origin = new URL(url).origin;
    } catch {
      origin = url;
    }
    if (origin !== ORIGIN) noteTraffic(`request to another host: ${url} (from ${rel(frameUrl(req))})`);
  });
  // Never let a request leave the machine (it is recorded above, and a hung one would stall a page).
  await context.route(
    (url) => !/^(data|blob|about):/.test(url.href) && url.origin !== ORIGIN,
    (route) => route.abort('blockedbyclient'),
  );
  context.on('response', (res) => {
    const url = res.url();
    if (res.status() < 400) return;
    // Chromium asks the host root for a favicon when a page names none; the host root is
    // outside the (sub-path) site, so this says nothing about the site.
    if (new URL(url).pathname === '/favicon.ico') return;
    noteTraffic(`HTTP ${res.status()} for ${rel(url)}`);
  });
  context.on('page', (page) => watchPage(page));
  return context;
}

function frameUrl(req) {
  try {
    return req.frame().url();
  } catch {
    return '?'; // a service worker's request has no frame
  }
}

function watchPage(page) {
  page.on('pageerror', (err) => noteTraffic(`page error on ${rel(page.url())}: ${describe(err)}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    // The response listener reports failed loads with their URL already.
    if (/^Failed to load resource/.test(text)) return;
    noteTraffic(`console error on ${rel(page.url())}: ${text}`);
  });
}

async function goto(page, url) {
  const res = await page.goto(url, { waitUntil: 'load' });
  check(res && res.ok(), `GET ${rel(url)}: ${res ? res.status() : 'no response'}`);
  return res;
}

async function htmlLang(page) {
  return page.evaluate(() => document.documentElement.lang);
}

/** The first link with this hreflang, preferring one inside a nav. */
async function hreflangLink(page, lang) {
  const inNav = page.locator(`nav a[hreflang="${lang}" i]`);
  if (await inNav.count()) return inNav.first();
  const any = page.locator(`a[hreflang="${lang}" i]`);
  if (await any.count()) return any.first();
  return null;
}

/** Turn elder mode on in a page's context (both sites share the origin, so its localStorage). */
async function elderOn(p) {
  await goto(p, SITES.real.url);
  if (!(await p.evaluate(() => document.documentElement.classList.contains('elder')))) await p.locator('#elder-toggle').click();
  check(await p.evaluate(() => document.documentElement.classList.contains('elder')), 'elder mode does not turn on');
}

async function clickAndWaitForUrl(page, locator, urlPredicate) {
  await Promise.all([page.waitForURL(urlPredicate, { waitUntil: 'load' }), locator.click()]);
}

// ---- files on disk -------------------------------------------------------------------------

/** The character references an attribute value may hold (`&#x2f;`, `&amp;` …). */
function decodeEntities(value) {
  const named = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  return value.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (all, ref) => {
    if (ref[0] === '#') return String.fromCodePoint(ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10));
    return named[ref.toLowerCase()] ?? all;
  });
}

function walk(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

function siteFile(site, relPath) {
  return path.join(site.dir, relPath);
}

function exists(site, relPath) {
  return existsSync(siteFile(site, relPath));
}

/** The organization pages of a site (org/<4 hex>.html, in any language folder), sorted. */
function orgPages(site) {
  const dir = path.join(site.dir, 'org');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^[0-9a-f]{4}\.html$/i.test(f))
    .sort()
    .map((f) => `org/${f}`);
}

// ---- steps ---------------------------------------------------------------------------------

const context = await newContext();
const page = await context.newPage();
const real = SITES.real;
const synth = SITES.synth;

await step('site files present (both sites)', async () => {
  const required = [
    'index.html',
    '404.html',
    'feed.xml',
    'sitemap.xml',
    'robots.txt',
    'catalog.jsonld',
    'data.json',
    'SHA256SUMS',
    'SHA256SUMS.sig',
    'static/site.css',
    'static/site.js',
    'static/search.js',
    'datasets/index.html',
    'search/index.html',
  ];
  for (const { prefix } of LANGS) {
    for (const p of ['index.html', 'datasets/index.html', 'search/index.html']) required.push(prefix + p);
    for (const slug of SLUGS) required.push(`${prefix}datasets/${slug}/index.html`);
  }
  for (const site of [real, synth]) {
    for (const p of new Set(required)) check(exists(site, p), `${site.name}: missing ${p}`);
    for (const p of ['catalog.jsonld', 'data.json']) {
      if (!exists(site, p)) continue;
      try {
        JSON.parse(readFileSync(siteFile(site, p), 'utf8'));
      } catch (err) {
        fail(`${site.name}: ${p} is not JSON: ${describe(err)}`);
      }
    }
    for (const [p, re] of [
      ['sitemap.xml', /<urlset[\s>]/],
      ['feed.xml', /<(feed|rss)[\s>]/],
      ['robots.txt', /^user-agent:/im],
    ]) {
      if (exists(site, p)) check(re.test(readFileSync(siteFile(site, p), 'utf8')), `${site.name}: ${p} does not match ${re}`);
    }
  }
  check(orgPages(synth).length > 0, 'synth: no org/<4 hex>.html pages');
});

await step('SHA256SUMS matches the files (both sites)', async () => {
  for (const site of [real, synth]) {
    if (!exists(site, 'SHA256SUMS')) continue;
    const lines = readFileSync(siteFile(site, 'SHA256SUMS'), 'utf8').split('\n').filter((l) => l.trim());
    check(lines.length > 0, `${site.name}: SHA256SUMS is empty`);
    let bad = 0;
    for (const line of lines) {
      const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
      if (!m) {
        if (bad++ < 5) fail(`${site.name}: SHA256SUMS line not "<sha256>  <path>": ${line}`);
        continue;
      }
      const file = siteFile(site, m[2]);
      if (!existsSync(file)) {
        if (bad++ < 5) fail(`${site.name}: SHA256SUMS names a missing file: ${m[2]}`);
        continue;
      }
      const got = sha256(readFileSync(file));
      if (got !== m[1] && bad++ < 5) fail(`${site.name}: SHA256SUMS says ${m[1]} for ${m[2]}, the file's is ${got}`);
    }
    if (bad > 5) fail(`${site.name}: SHA256SUMS: ${bad - 5} more bad lines`);
  }
});

await step('every link and resource on disk is relative and resolves (both sites)', async () => {
  const attrRe = /\s(?:href|src|action)\s*=\s*("([^"]*)"|'([^']*)')/gi;
  for (const site of [real, synth]) {
    const root = new URL(site.url);
    const htmlFiles = walk(site.dir).filter((f) => f.endsWith('.html'));
    let bad = 0;
    for (const file of htmlFiles) {
      const relFile = path.relative(site.dir, file).split(path.sep).join('/');
      const pageUrl = new URL(relFile, root);
      const html = readFileSync(file, 'utf8');
      for (const m of html.matchAll(attrRe)) {
        const raw = decodeEntities(m[2] ?? m[3] ?? '');
        if (raw === '' || raw.startsWith('#') || /^(mailto|tel|data|javascript):/i.test(raw)) continue;
        if (/^[a-z][a-z0-9+.-]*:/i.test(raw) || raw.startsWith('//')) continue; // links to other sites
        const problem = (() => {
          if (raw.startsWith('/')) return 'root-absolute (breaks under a sub-path)';
          const target = new URL(raw, pageUrl);
          if (!target.href.startsWith(root.href)) return 'leaves the site root';
          let p = decodeURIComponent(target.pathname.slice(root.pathname.length));
          if (p === '' || p.endsWith('/')) p += 'index.html';
          const f = siteFile(site, p);
          if (!existsSync(f)) return `target ${p} does not exist`;
          if (statSync(f).isDirectory() && !existsSync(path.join(f, 'index.html'))) return `target ${p} is a folder without index.html`;
          return null;
        })();
        if (problem && bad++ < 20) fail(`${site.name}: ${relFile}: ${m[0].trim()}: ${problem}`);
      }
    }
    if (bad > 20) fail(`${site.name}: ${bad - 20} more bad links`);
    console.log(`    ${site.name}: ${htmlFiles.length} HTML files`);
  }
});

await step('home in each language: <html lang>, language links', async () => {
  for (const site of [real, synth]) {
    for (const { lang, prefix } of LANGS) {
      await goto(page, site.url + prefix);
      check((await htmlLang(page)) === lang, `${site.name}: /${prefix}: <html lang="${await htmlLang(page)}">, expected ${lang}`);
      for (const other of LANGS) {
        if (other.lang === lang) continue;
        const link = await hreflangLink(page, other.lang);
        if (!check(link, `${site.name}: /${prefix}: no link with hreflang="${other.lang}"`)) continue;
        const href = await link.evaluate((a) => a.href);
        check(samePage(href, site.url + other.prefix), `${site.name}: /${prefix}: hreflang="${other.lang}" goes to ${rel(href)}, expected /${other.prefix}`);
      }
      check((await page.locator('main, [role="main"]').count()) > 0, `${site.name}: /${prefix}: no <main>`);
      check((await page.locator('h1').count()) === 1, `${site.name}: /${prefix}: ${await page.locator('h1').count()} <h1> elements, expected 1`);
    }
  }
});

await step('language switch: zh-Hans → en, zh-Hant (home and a dataset page)', async () => {
  for (const from of ['', 'datasets/relief/']) {
    for (const to of LANGS.slice(1)) {
      await goto(page, real.url + from);
      const link = await hreflangLink(page, to.lang);
      if (!check(link, `/${from}: no link with hreflang="${to.lang}"`)) continue;
      const expected = real.url + to.prefix + from;
      await clickAndWaitForUrl(page, link, (u) => samePage(u.href, expected));
      check((await htmlLang(page)) === to.lang, `/${from} → ${to.lang}: <html lang="${await htmlLang(page)}">`);
      // and back
      const back = await hreflangLink(page, 'zh-Hans');
      if (!check(back, `/${to.prefix}${from}: no link with hreflang="zh-Hans"`)) continue;
      await clickAndWaitForUrl(page, back, (u) => samePage(u.href, real.url + from));
      check((await htmlLang(page)) === 'zh-Hans', `/${to.prefix}${from} → zh-Hans: <html lang="${await htmlLang(page)}">`);
    }
  }
});

/** Download links of a dataset page, each with the SHA-256 and size printed beside it. */
async function downloadRows(page) {
  return page.evaluate(() => {
    // innerText, not textContent: table cells and blocks come apart (`12 B` `e3b0…`).
    const hexRe = /(?<![0-9A-Za-z])[0-9a-fA-F]{64}(?![0-9A-Za-z])/g;
    const text = (el) => el.innerText || el.textContent;
    return [...document.querySelectorAll('a[download]')].map((a) => {
      // The smallest ancestor that shows a SHA-256; when it holds several download links and
      // as many hashes, the link's own hash is the one at the link's position.
      let row = a.parentElement;
      while (row && !(text(row).match(hexRe) || []).length) row = row.parentElement;
      if (!row) return { href: a.href, text: a.textContent.trim(), sha256: null, rowText: null, size: null };
      const hashes = text(row).match(hexRe) || [];
      const links = [...row.querySelectorAll('a[download]')];
      let sha = null;
      if (hashes.length === 1) sha = hashes[0];
      else if (hashes.length === links.length) sha = hashes[links.indexOf(a)];
      // A machine-readable size (<data value="bytes">), when there is one per link.
      const data = [...row.querySelectorAll('data[value]')];
      const bytes = data.length === links.length ? Number(data[links.indexOf(a)].value) : null;
      const rowText = text(row).replace(/\s+/g, ' ').trim();
      const size = /\d[\d,.\s]*\s*(B|KB|KiB|MB|MiB|GB|GiB|TB|kB|字节|位元組|bytes?)(?![a-z])/i.exec(rowText.replace(hexRe, ''));
      return { href: a.href, text: a.textContent.trim(), sha256: sha && sha.toLowerCase(), rowText: rowText.slice(0, 300), size: size && size[0], bytes };
    });
  });
}

await step('dataset list → relief → CSV download (BOM, SHA-256 as printed)', async () => {
  await goto(page, real.url + 'datasets/');
  const hrefs = await page.evaluate(() => [...document.querySelectorAll('a')].map((a) => a.href));
  const target = hrefs.find((h) => samePage(h, real.url + 'datasets/relief/'));
  if (!check(target, 'datasets/: no link to datasets/relief/')) return;
  await Promise.all([
    page.waitForURL((u) => samePage(u.href, real.url + 'datasets/relief/'), { waitUntil: 'load' }),
    page.evaluate((t) => [...document.querySelectorAll('a')].find((a) => a.href === t).click(), target),
  ]);
  const rows = await downloadRows(page);
  for (const ext of ['.csv', '.xlsx', '.json']) {
    check(rows.some((r) => r.href.endsWith(ext) && !r.href.endsWith('datapackage.json')), `datasets/relief/: no a[download] ending in ${ext}`);
  }
  check(rows.some((r) => r.href.endsWith('datapackage.json')), 'datasets/relief/: no a[download] to datapackage.json');
  const csv = rows.find((r) => r.href.endsWith('.csv'));
  if (!csv) return;
  check(csv.sha256, `datasets/relief/: no SHA-256 beside ${rel(csv.href)} (row: ${csv.rowText})`);
  check(csv.size, `datasets/relief/: no size beside ${rel(csv.href)} (row: ${csv.rowText})`);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.evaluate((h) => [...document.querySelectorAll('a[download]')].find((a) => a.href === h).click(), csv.href),
  ]);
  const file = await download.path();
  const bytes = readFileSync(file);
  console.log(`    downloaded ${rel(csv.href)} as "${download.suggestedFilename()}": ${bytes.length} bytes`);
  check(bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf, `${rel(csv.href)}: does not start with the UTF-8 BOM (starts ${bytes.subarray(0, 3).toString('hex')})`);
  check(!csv.sha256 || sha256(bytes) === csv.sha256, `${rel(csv.href)}: SHA-256 ${sha256(bytes)}, the page says ${csv.sha256}`);
  check(download.suggestedFilename().endsWith('.csv'), `${rel(csv.href)}: suggested file name "${download.suggestedFilename()}"`);
});

await step('every dataset page: downloads exist, SHA-256 and size beside each (3 languages)', async () => {
  for (const { prefix } of LANGS) {
    for (const slug of SLUGS) {
      const pagePath = `${prefix}datasets/${slug}/`;
      if (!exists(real, pagePath + 'index.html')) continue;
      await goto(page, real.url + pagePath);
      const rows = await downloadRows(page);
      check(rows.length > 0, `${pagePath}: no a[download]`);
      for (const r of rows) {
        if (!r.href.startsWith(real.url)) {
          fail(`${pagePath}: download ${r.href} is not on the site`);
          continue;
        }
        const p = decodeURIComponent(new URL(r.href).pathname.slice(new URL(real.url).pathname.length));
        if (!check(exists(real, p), `${pagePath}: download ${p} does not exist`)) continue;
        if (!check(r.sha256, `${pagePath}: no SHA-256 beside ${p} (row: ${r.rowText})`)) continue;
        check(sha256(readFileSync(siteFile(real, p))) === r.sha256, `${pagePath}: SHA-256 beside ${p} is ${r.sha256}, the file's is ${sha256(readFileSync(siteFile(real, p)))}`);
        check(r.size, `${pagePath}: no size beside ${p} (row: ${r.rowText})`);
        const length = statSync(siteFile(real, p)).size;
        check(r.bytes === null || r.bytes === length, `${pagePath}: <data value="${r.bytes}"> beside ${p}, the file has ${length} bytes`);
        if (p.endsWith('.csv')) {
          const b = readFileSync(siteFile(real, p));
          check(b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf, `${p}: no UTF-8 BOM`);
        }
      }
    }
  }
});

/** Submit a search on the search page and wait until the status says something and results or "none" show. */
async function search(page, site, prefix, q) {
  await goto(page, site.url + prefix + 'search/');
  await page.waitForFunction(() => window.gongkaiSearch && typeof window.gongkaiSearch.query === 'function', null, { timeout: STEP_TIMEOUT_MS });
  await page.fill('#q', q);
  await page.press('#q', 'Enter');
  await settle(page);
}

/** Wait for the search to finish: results shown, or the status text stable for a while. */
async function settle(page) {
  await page.waitForFunction(
    () => {
      const n = document.querySelectorAll('#results-datasets li, #results-registry li').length;
      const status = document.getElementById('search-status')?.textContent.trim() ?? '';
      const key = `${n}|${status}`;
      const now = Date.now();
      if (window.__settleKey !== key) {
        window.__settleKey = key;
        window.__settleAt = now;
        return false;
      }
      if (document.querySelector('[aria-busy="true"]')) return false;
      // Results that stopped changing, or (no results) a status that stopped changing for longer:
      // the index may still be loading behind a "searching…" status.
      return status !== '' && now - window.__settleAt > (n > 0 ? 500 : 2500);
    },
    null,
    { timeout: STEP_TIMEOUT_MS, polling: 100 },
  );
}

async function resultCounts(page) {
  return page.evaluate(() => ({
    datasets: document.querySelectorAll('#results-datasets li').length,
    registry: document.querySelectorAll('#results-registry li').length,
    status: document.getElementById('search-status')?.textContent.replace(/\s+/g, ' ').trim() ?? null,
  }));
}

await step('search page markup (3 languages, both sites)', async () => {
  for (const site of [real, synth]) {
    for (const { prefix } of LANGS) {
      await goto(page, site.url + prefix + 'search/');
      for (const sel of ['form#search-form', '#search-form input#q[name="q"]', '#search-status[role="status"]', 'ol#results-datasets', 'ol#results-registry', 'button#results-more']) {
        check((await page.locator(sel).count()) === 1, `${site.name}: /${prefix}search/: no ${sel}`);
      }
      const api = await page.evaluate(() => typeof window.gongkaiSearch?.query);
      check(api === 'function', `${site.name}: /${prefix}search/: window.gongkaiSearch.query is ${api}`);
    }
  }
});

await step('search 低保 on the real site (typed, ?q=, gongkaiSearch.query, 3 languages)', async () => {
  for (const { prefix } of LANGS) {
    await search(page, real, prefix, '低保');
    let c = await resultCounts(page);
    check(c.datasets > 0, `/${prefix}search/ typed 低保: no dataset results (status: "${c.status}")`);
    console.log(`    /${prefix}search/ 低保: ${c.datasets} dataset result(s), status "${c.status}"`);
    if (c.datasets > 0) {
      const href = await page.locator('#results-datasets li a').first().evaluate((a) => a.href).catch(() => null);
      if (check(href, `/${prefix}search/ 低保: the first dataset result has no link`)) {
        check(href.startsWith(real.url + prefix + 'datasets/'), `/${prefix}search/ 低保: the first dataset result links to ${rel(href)}, not into /${prefix}datasets/`);
      }
    }
    await goto(page, real.url + prefix + 'search/?q=' + encodeURIComponent('低保'));
    await settle(page);
    c = await resultCounts(page);
    check(c.datasets > 0, `/${prefix}search/?q=低保: no dataset results on load (status: "${c.status}")`);
    check((await page.inputValue('#q')) === '低保', `/${prefix}search/?q=低保: the input holds "${await page.inputValue('#q')}"`);
  }
  await goto(page, real.url + 'search/');
  await page.waitForFunction(() => typeof window.gongkaiSearch?.query === 'function');
  // The page's search API answers with the results (it need not render them).
  const answer = await page.evaluate(async () => {
    const r = await window.gongkaiSearch.query('低保');
    return { datasets: Array.isArray(r?.datasets) ? r.datasets.length : null, keys: r && typeof r === 'object' ? Object.keys(r) : typeof r };
  });
  const shown = (await resultCounts(page)).datasets;
  check(answer.datasets > 0 || shown > 0, `gongkaiSearch.query('低保'): no dataset results (answer: ${JSON.stringify(answer)}, ${shown} shown)`);
});

/** An organization on the first org page of the synthetic site: { page, uscc, name }. */
async function firstOrganization() {
  const pages = orgPages(synth);
  if (!pages.length) return null;
  await goto(page, synth.url + pages[0]);
  const org = await page.evaluate((src) => {
    const re = new RegExp(src);
    const el = [...document.querySelectorAll('[id]')].find((e) => re.test(e.id));
    if (!el) return null;
    const heading = el.querySelector('h1, h2, h3, h4, dt, th, strong, b') || el;
    return { uscc: el.id, name: heading.textContent.replace(/\s+/g, ' ').trim() };
  }, USCC_RE.source);
  return org && { page: pages[0], ...org };
}

/** The longest run of Han characters in a name: a phrase of the name that search matches. */
function hanWord(name) {
  const runs = name.match(/[\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+/g) || [];
  return runs.sort((a, b) => b.length - a.length)[0] || null;
}

await step('registry search on the synthetic site: a name word → the organization; a credit-code prefix', async () => {
  const org = await firstOrganization();
  if (!check(org, `synth: no element with a credit-code id on ${orgPages(synth)[0] ?? '(no org page)'}`)) return;
  const word = hanWord(org.name);
  console.log(`    ${org.page}: ${org.uscc} "${org.name}", searching "${word}"`);
  if (!check(word, `synth: ${org.page}: no Han characters in the name "${org.name}" of ${org.uscc}`)) return;
  // The whole name in each language; a shorter word of it (its last four characters, which
  // more organizations share) in zh-Hans, paging with #results-more when needed.
  const short = word.length > 4 ? word.slice(-4) : null;
  const searches = LANGS.map(({ prefix }) => [prefix, word]);
  if (short) searches.push(['', short]);
  for (const [prefix, word] of searches) {
    await search(page, synth, prefix, word);
    let c = await resultCounts(page);
    if (!check(c.registry > 0, `synth: /${prefix}search/ "${word}": no registry results (status: "${c.status}")`)) continue;
    // Find the organization's result, asking for more results while there are more.
    const findResult = () =>
      page.evaluate((uscc) => {
        const a = [...document.querySelectorAll('#results-registry li a')].find((x) => x.hash === `#${uscc}`);
        return a ? a.href : null;
      }, org.uscc);
    let href = await findResult();
    let pages = 1;
    for (let i = 0; !href && i < 30; i++, pages++) {
      const more = page.locator('#results-more');
      if (!(await more.isVisible()) || !(await more.isEnabled())) break;
      await more.click();
      await settle(page);
      href = await findResult();
    }
    c = await resultCounts(page);
    if (word === short) console.log(`    "${short}": ${c.registry} registry result(s) shown after ${pages} page(s), status "${c.status}"`);
    if (!check(href, `synth: /${prefix}search/ "${word}": no registry result links to #${org.uscc} (${c.registry} results, status: "${c.status}")`)) continue;
    check(samePage(href, synth.url + prefix + org.page) || samePage(href, synth.url + org.page), `synth: /${prefix}search/ "${word}": the result links to ${rel(href)}, expected ${org.page}#${org.uscc}`);
    await Promise.all([
      page.waitForURL((u) => u.hash === `#${org.uscc}`, { waitUntil: 'load' }),
      page.evaluate((h) => [...document.querySelectorAll('#results-registry li a')].find((a) => a.href === h).click(), href),
    ]);
    const landed = await page.evaluate((id) => {
      const el = document.getElementById(id);
      if (!el) return null;
      const r = el.getBoundingClientRect();
      return { top: r.top, inView: r.top < window.innerHeight && r.bottom > 0 };
    }, org.uscc);
    check(landed, `synth: followed the result to ${rel(page.url())}: no element with id ${org.uscc}`);
    check(!landed || landed.inView, `synth: followed the result to ${rel(page.url())}: #${org.uscc} is not in view`);
  }
  // A two-character word finds many: #results-more must add to the list.
  const two = word.slice(-2);
  await search(page, synth, '', two);
  const before = await resultCounts(page);
  const more = page.locator('#results-more');
  if ((await more.isVisible()) && (await more.isEnabled())) {
    await more.click();
    await settle(page);
    const after = await resultCounts(page);
    console.log(`    "${two}": ${before.registry} then ${after.registry} registry results after #results-more, status "${after.status}"`);
    check(after.registry > before.registry, `synth: search "${two}": #results-more did not add results (${before.registry} → ${after.registry})`);
    const focus = await page.evaluate(() => document.activeElement && document.activeElement !== document.body);
    check(focus, `synth: search "${two}": after #results-more, focus is lost (on <body>)`);
  } else {
    console.log(`    "${two}": ${before.registry} registry results, no #results-more to try`);
  }
  const codePrefix = org.uscc.slice(0, 8);
  await search(page, synth, '', codePrefix);
  const c = await resultCounts(page);
  console.log(`    credit-code prefix ${codePrefix}: ${c.registry} registry result(s), status "${c.status}"`);
  if (check(c.registry > 0, `synth: search "${codePrefix}": no registry results (status: "${c.status}")`)) {
    const hashes = await page.evaluate(() => [...document.querySelectorAll('#results-registry li a')].map((a) => a.hash.slice(1)));
    const off = hashes.filter((h) => !h.startsWith(codePrefix));
    check(off.length === 0, `synth: search "${codePrefix}": results not starting with it: ${off.slice(0, 5).join(', ')}`);
  }
  // The same prefix, lower case and with full-width characters, folds to the same search.
  const folded = [...codePrefix.toLowerCase()].map((ch) => String.fromCharCode(ch.charCodeAt(0) + 0xfee0)).join('');
  await search(page, synth, '', folded);
  const f = await resultCounts(page);
  check(f.registry === c.registry, `synth: search "${folded}" (full-width lower case of ${codePrefix}): ${f.registry} registry results, "${codePrefix}" gave ${c.registry}`);
});

await step('elder mode: toggle, aria-pressed, kept after reload and on other pages, off again', async () => {
  const ctx = await newContext();
  const p = await ctx.newPage();
  await goto(p, real.url);
  const toggle = p.locator('#elder-toggle');
  if (!check((await toggle.count()) === 1, '/: no #elder-toggle')) return ctx.close();
  check((await toggle.getAttribute('aria-pressed')) === 'false', `/: #elder-toggle aria-pressed="${await toggle.getAttribute('aria-pressed')}" before it is pressed`);
  check(await toggle.evaluate((b) => b.tagName === 'BUTTON'), '/: #elder-toggle is not a <button>');
  await toggle.click();
  const state = () => p.evaluate(() => ({ elder: document.documentElement.classList.contains('elder'), pressed: document.getElementById('elder-toggle')?.getAttribute('aria-pressed') }));
  let s = await state();
  check(s.elder && s.pressed === 'true', `/: after pressing #elder-toggle: class elder ${s.elder}, aria-pressed="${s.pressed}"`);
  const stored = await p.evaluate(() => localStorage.getItem('gongkai-elder'));
  check(stored !== null, '/: localStorage gongkai-elder not set after pressing #elder-toggle');
  await p.reload({ waitUntil: 'load' });
  s = await state();
  check(s.elder && s.pressed === 'true', `/ reloaded: class elder ${s.elder}, aria-pressed="${s.pressed}"`);
  for (const other of ['en/datasets/relief/', 'search/']) {
    await goto(p, real.url + other);
    s = await state();
    check(s.elder && s.pressed === 'true', `/${other} after elder mode was turned on: class elder ${s.elder}, aria-pressed="${s.pressed}"`);
  }
  const fontSize = () => p.evaluate(() => parseFloat(getComputedStyle(document.querySelector('main') || document.body).fontSize));
  const bigger = await fontSize();
  await p.locator('#elder-toggle').click();
  s = await state();
  check(!s.elder && s.pressed === 'false', `/search/ after pressing #elder-toggle again: class elder ${s.elder}, aria-pressed="${s.pressed}"`);
  const normal = await fontSize();
  check(bigger > normal, `elder mode does not enlarge the text of <main> (${bigger}px with, ${normal}px without)`);
  await p.reload({ waitUntil: 'load' });
  s = await state();
  check(!s.elder && s.pressed === 'false', `/search/ reloaded after turning elder mode off: class elder ${s.elder}, aria-pressed="${s.pressed}"`);
  await ctx.close();
});

await step('keyboard: the first Tab focuses a visible skip link to #main', async () => {
  const targets = [
    [real, ''],
    [real, 'en/datasets/relief/'],
    [real, 'zh-Hant/search/'],
    [real, 'datasets/'],
    [real, '404.html'],
    [synth, orgPages(synth)[0]],
  ];
  for (const [site, p] of targets) {
    if (p === undefined) continue;
    await goto(page, site.url + p);
    await page.evaluate(() => {
      document.activeElement?.blur?.();
      window.scrollTo(0, 0);
    });
    await page.keyboard.press('Tab');
    const f = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      const cs = getComputedStyle(el);
      const r = el.getBoundingClientRect();
      return {
        tag: el.tagName.toLowerCase(),
        href: el.getAttribute('href'),
        text: el.textContent.trim(),
        outline: `${cs.outlineStyle} ${cs.outlineWidth} ${cs.outlineColor}`,
        outlineVisible: cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0,
        boxShadow: cs.boxShadow,
        onScreen: r.width > 1 && r.height > 1 && r.bottom > 0 && r.right > 0 && r.top < window.innerHeight,
        mainExists: !!document.getElementById('main'),
      };
    });
    const where = `${site.name}: /${p}`;
    if (!check(f, `${where}: Tab focused nothing`)) continue;
    check(f.tag === 'a' && f.href === '#main', `${where}: the first Tab focuses <${f.tag} href="${f.href}"> "${f.text}", not a[href="#main"]`);
    check(f.mainExists, `${where}: no element with id="main" for the skip link`);
    check(f.outlineVisible, `${where}: the focused skip link has no visible outline (outline: ${f.outline}; box-shadow: ${f.boxShadow})`);
    check(f.onScreen, `${where}: the focused skip link is not on screen`);
  }
});

await step('phone width 375 px: no horizontal scrolling (with and without elder mode)', async () => {
  const ctx = await newContext({ viewport: PHONE });
  const p = await ctx.newPage();
  const pages = [
    [real, ''],
    [real, 'en/'],
    [real, 'datasets/'],
    [real, 'datasets/relief/'],
    [real, 'en/datasets/registry/'],
    [real, 'search/?q=' + encodeURIComponent('低保')],
    [synth, orgPages(synth)[0]],
  ];
  for (const elder of [false, true]) {
    if (elder) await elderOn(p);
    for (const [site, path_] of pages) {
      if (path_ === undefined) continue;
      await goto(p, site.url + path_);
      if (path_.startsWith('search/')) await settle(p).catch(() => {});
      const r = await p.evaluate((w) => {
        const sw = document.documentElement.scrollWidth;
        const wide = [];
        if (sw > w) {
          for (const el of document.querySelectorAll('body *')) {
            const b = el.getBoundingClientRect();
            if (b.right > w + 0.5 && b.width > 0 && ![...el.children].some((c) => c.getBoundingClientRect().right > w + 0.5)) {
              const id = el.id ? `#${el.id}` : '';
              const cls = el.classList.length ? `.${[...el.classList].join('.')}` : '';
              wide.push(`${el.tagName.toLowerCase()}${id}${cls} (right ${Math.round(b.right)} px)`);
              if (wide.length >= 5) break;
            }
          }
        }
        return { sw, wide, elder: document.documentElement.classList.contains('elder') };
      }, PHONE.width);
      const where = `${site.name}: /${path_}${elder ? ' (elder mode)' : ''}`;
      if (elder) check(r.elder, `${where}: elder mode not on`);
      check(r.sw <= PHONE.width, `${where}: scrollWidth ${r.sw} > ${PHONE.width}; widest: ${r.wide.join('; ')}`);
    }
  }
  await ctx.close();
});

await step('without JavaScript: home, dataset list and dataset pages have their content', async () => {
  const ctx = await newContext({ javaScriptEnabled: false });
  const p = await ctx.newPage();
  for (const [pth, min] of [
    ['', 1],
    ['datasets/', 5],
    ['datasets/relief/', 1],
    ['en/datasets/relief/', 1],
  ]) {
    await goto(p, real.url + pth);
    const r = await p.evaluate(() => {
      const main = document.querySelector('main');
      return {
        main: !!main,
        text: main ? main.innerText.trim().length : 0,
        links: main ? main.querySelectorAll('a[href]').length : 0,
        downloads: document.querySelectorAll('a[download]').length,
        h1: document.querySelector('h1')?.innerText.trim() ?? '',
      };
    });
    if (!check(r.main, `no-JS /${pth}: no <main>`)) continue;
    check(r.text > 20 && r.h1, `no-JS /${pth}: <main> has ${r.text} characters of text, h1 "${r.h1}"`);
    check(r.links >= min, `no-JS /${pth}: ${r.links} links in <main>, expected at least ${min}`);
    if (pth.includes('relief')) check(r.downloads >= 4, `no-JS /${pth}: ${r.downloads} download links`);
  }
  const org = orgPages(synth)[0];
  if (org) {
    await goto(p, synth.url + org);
    const n = await p.evaluate((src) => [...document.querySelectorAll('[id]')].filter((e) => new RegExp(src).test(e.id)).length, USCC_RE.source);
    check(n > 0, `no-JS synth /${org}: no organization (element with a credit-code id)`);
  }
  // Search needs JavaScript; its page must still load with its heading and form.
  await goto(p, real.url + 'search/');
  check((await p.locator('main h1').count()) === 1 && (await p.locator('#search-form #q').count()) === 1, 'no-JS /search/: no <h1> in <main> or no search form');
  await ctx.close();
});

// ---- axe-core ------------------------------------------------------------------------------

/** A filter page of the dataset list: a page under datasets/ that is neither the list nor a dataset. */
async function filterPage(site, prefix) {
  await goto(page, site.url + prefix + 'datasets/');
  const base = site.url + prefix + 'datasets/';
  const hrefs = await page.evaluate(() => [...document.querySelectorAll('main a[href], a[href]')].map((a) => a.href));
  return (
    hrefs
      .map((h) => h.split('#')[0])
      .filter((h) => h.startsWith(base) && !samePage(h, base))
      .filter((h) => !SLUGS.some((s) => samePage(h, base + s + '/')))
      .filter((h) => !/\.(csv|xlsx|json)$/.test(h))
      .map((h) => h.slice(site.url.length))[0] ?? null
  );
}

async function axe(p, where) {
  await p.addScriptTag({ path: AXE_PATH });
  const result = await p.evaluate(async (tags) => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: (n.failureSummary || '').replace(/\s+/g, ' ').slice(0, 300), html: n.html.slice(0, 200) })),
    }));
  }, AXE_TAGS);
  for (const v of result) {
    for (const n of v.nodes.slice(0, 5)) {
      fail(`axe ${where}: ${v.id} (${v.impact}) ${n.target} — ${v.help}. ${n.summary} [${n.html}]`);
    }
    if (v.nodes.length > 5) fail(`axe ${where}: ${v.id}: ${v.nodes.length - 5} more elements`);
  }
  return result.length;
}

await step(`axe-core (${AXE_TAGS.join(', ')}) on each template in each language, with and without elder mode`, async () => {
  const templates = [];
  for (const { lang, prefix } of LANGS) {
    const filter = await filterPage(real, prefix);
    check(filter, `/${prefix}datasets/: no link to a filter page under /${prefix}datasets/`);
    const orgs = orgPages(synth);
    const orgPath = exists(synth, `${prefix}${orgs[0]}`) ? `${prefix}${orgs[0]}` : lang === 'zh-Hans' ? orgs[0] : null;
    templates.push(
      [lang, 'home', real, prefix],
      [lang, 'dataset list', real, prefix + 'datasets/'],
      [lang, 'filter page', real, filter],
      [lang, 'dataset page', real, prefix + 'datasets/relief/'],
      [lang, 'dataset page (registry)', real, prefix + 'datasets/registry/'],
      [lang, 'search with results', real, prefix + 'search/?q=' + encodeURIComponent('低保')],
      [lang, 'search with registry results', synth, prefix + 'search/?q=' + encodeURIComponent('社会')],
      [lang, 'org page', synth, orgPath],
      [lang, '404', real, exists(real, `${prefix}404.html`) ? `${prefix}404.html` : lang === 'zh-Hans' ? '404.html' : null],
    );
  }
  const ctx = await newContext();
  const p = await ctx.newPage();
  let runs = 0;
  for (const elder of [false, true]) {
    if (elder) await elderOn(p);
    for (const [lang, name, site, pth] of templates) {
      if (pth === null || pth === undefined) continue;
      const where = `${site.name}: /${pth} [${name}, ${lang}${elder ? ', elder' : ''}]`;
      await goto(p, site.url + pth);
      if (pth.includes('search/?q=')) {
        await settle(p).catch(() => fail(`${where}: search did not settle`));
        const c = await resultCounts(p);
        check(c.datasets + c.registry > 0, `${where}: no results shown, so the results' markup goes untested (status: "${c.status}")`);
      }
      if (elder) check(await p.evaluate(() => document.documentElement.classList.contains('elder')), `${where}: elder mode not on`);
      const n = await axe(p, where);
      runs++;
      console.log(`    ${n === 0 ? 'ok  ' : 'FAIL'} ${where}: ${n} violation rule(s)`);
    }
  }
  console.log(`    ${runs} axe runs`);
  await ctx.close();
});

// ---- summary -------------------------------------------------------------------------------

currentStep = 'requests, responses and errors during the run';
for (const [message, firstStep] of traffic) fail(`${message} (first in step "${firstStep}")`);

await browser.close();
console.log('');
if (failures.length === 0) {
  console.log('catalog browser checks: all passed');
  process.exit(0);
}
console.log(`catalog browser checks: ${failures.length} failure(s)`);
const byStep = new Map();
for (const f of failures) byStep.set(f.step, (byStep.get(f.step) ?? 0) + 1);
for (const [s, n] of byStep) console.log(`  ${n} in: ${s}`);
process.exit(1);
