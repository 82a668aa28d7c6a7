// gongkai: search in the static catalog, with no server (docs/search.md, "In the static catalog").
// Loaded as a module by search/index.html (and its zh-Hant/ and en/ copies); importable as a
// module elsewhere (tests, benchmarks) through createSearch. No dependencies, no build step.

// ---- segmentation and matching: the JavaScript reference of docs/search.md, verbatim ----------

// gongkai search segmentation: reference implementation of docs/search.md.
export function fold(s) {
  let out = "";
  for (const ch of s) {
    let c = ch.codePointAt(0);
    if (c >= 0xff01 && c <= 0xff5e) c -= 0xfee0;
    else if (c === 0x3000) c = 0x20;
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    out += String.fromCodePoint(c);
  }
  return out;
}

export function isHan(c) {
  return c === 0x3007 || (c >= 0x3400 && c <= 0x4dbf) || (c >= 0x4e00 && c <= 0x9fff) ||
    (c >= 0xf900 && c <= 0xfaff) || (c >= 0x20000 && c <= 0x323af);
}

function kindOf(c) {
  if (isHan(c)) return "han";
  if ((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a)) return "alnum";
  return null;
}

// The runs of a folded string: [{ kind: "han" | "alnum", text }].
export function runs(folded) {
  const out = [];
  let cur = null;
  for (const ch of folded) {
    const k = kindOf(ch.codePointAt(0));
    if (k !== null && cur !== null && cur.kind === k) cur.text += ch;
    else {
      cur = k === null ? null : { kind: k, text: ch };
      if (cur !== null) out.push(cur);
    }
  }
  return out;
}

// Index tokens of a text, in order of first occurrence, each once.
export function tokens(text) {
  const out = [];
  const add = (t) => { if (!out.includes(t)) out.push(t); };
  for (const r of runs(fold(text))) {
    if (r.kind === "alnum") { add(r.text); continue; }
    const cs = Array.from(r.text);
    if (cs.length === 1) add(cs[0]);
    for (let i = 0; i + 1 < cs.length; i++) add(cs[i] + cs[i + 1]);
  }
  return out;
}

// Terms of a query: its runs, each once.
export function queryTerms(q) {
  const out = [];
  for (const r of runs(fold(q))) if (!out.some((t) => t.text === r.text)) out.push(r);
  return out;
}

const USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";

// The credit-code prefix a query stands for, or null.
export function usccPrefix(q) {
  const p = fold(q).replace(/^[ \t\n\f\r]+|[ \t\n\f\r]+$/g, "")
    .replace(/[a-z]/g, (c) => c.toUpperCase());
  const cs = Array.from(p);
  return cs.length >= 4 && cs.length <= 18 && cs.every((c) => USCC_ALPHABET.includes(c)) ? p : null;
}

function termIn(t, folded) {
  if (t.kind === "han") return folded.includes(t.text);
  return runs(folded).some((r) => r.kind === "alnum" && r.text.startsWith(t.text));
}

// Whether every term of q occurs in one of the fields; an empty query matches everything.
export function fieldsMatch(fields, q) {
  const terms = queryTerms(q);
  const folded = fields.filter((f) => f != null).map(fold);
  return terms.every((t) => folded.some((f) => termIn(t, f)));
}

export function textMatches(text, q) {
  return fieldsMatch([text], q);
}

export function organizationMatches(org, q) {
  const p = usccPrefix(q);
  if (p !== null && org.uscc.startsWith(p)) return true;
  return fieldsMatch([org.name, org.business_scope], q);
}

// ---- the index -----------------------------------------------------------------------------

// Organizations shown per page, and the bytes one page may cost before it stops and offers more.
const PAGE = 10;
const BUDGET = 120000;
// Dictionary look-ups: the first round, and at most in all (a long query is verified anyway).
const FIRST_TOKENS = 8;
const MAX_TOKENS = 24;
// A first round whose rarest token is in more documents than this looks up the rest.
const FEW = 256;
// Server limits (schema::search::MAX_QUERY_CHARS, MAX_TERMS).
const MAX_QUERY_CHARS = 100;
const MAX_TERMS = 8;
// The index format this reads (catalog::search::FORMAT).
const FORMAT = 1;
// Pages of organizations (catalog::BUCKETS): the default link of a record without one.
const BUCKETS = 8192;

const utf8 = new TextDecoder();
const utf8enc = new TextEncoder();

// FNV-1a, 32 bits, over the UTF-8 bytes.
export function fnv1a32(s) {
  let h = 0x811c9dc5;
  for (const b of utf8enc.encode(s)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h >>> 0;
}

// The page of an organization, relative to the site root (catalog::org_href).
export function orgHref(uscc) {
  return `org/${(fnv1a32(uscc) % BUCKETS).toString(16).padStart(4, "0")}.html#${uscc}`;
}

// Why a query is not run on the registry.
export class QueryError extends Error {
  constructor(code) {
    super(code);
    this.code = code;
  }
}

class Reader {
  constructor(bytes) {
    this.b = bytes;
    this.i = 0;
  }
  // An unsigned LEB128 varint (below 2^53).
  v() {
    let x = 0;
    let mul = 1;
    for (;;) {
      const c = this.b[this.i++];
      if (c === undefined) throw new Error("truncated index file");
      x += (c & 0x7f) * mul;
      if (c < 0x80) return x;
      mul *= 128;
    }
  }
  // `n` ascending ids written as gaps from `base`.
  gaps(n, base) {
    const out = new Array(n);
    let next = base;
    for (let k = 0; k < n; k++) {
      const id = next + this.v();
      out[k] = id;
      next = id + 1;
    }
    return out;
  }
  skip(n) {
    for (let k = 0; k < n; k++) while (this.b[this.i++] >= 0x80);
  }
  str(n) {
    const s = utf8.decode(this.b.subarray(this.i, this.i + n));
    this.i += n;
    return s;
  }
}

async function gunzip(bytes) {
  // A server may have inflated it already (Content-Encoding): then it is no longer gzip.
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

// Files by path, fetched once; each query counts what it fetched.
class Files {
  constructor(root, fetchImpl) {
    this.root = root;
    this.fetch = fetchImpl;
    this.cache = new Map();
  }
  has(path) {
    return this.cache.has(path);
  }
  // The file's bytes (inflated if gzip), or its value after `parse`, cached.
  get(meter, path, parse) {
    let p = this.cache.get(path);
    if (p === undefined) {
      p = (async () => {
        const res = await this.fetch(this.root + path);
        if (!res.ok) {
          const e = new Error(`${path}: HTTP ${res.status}`);
          e.status = res.status;
          throw e;
        }
        const raw = new Uint8Array(await res.arrayBuffer());
        meter.bytes += raw.byteLength;
        meter.requests += 1;
        return parse(await gunzip(raw));
      })();
      this.cache.set(path, p);
      p.catch(() => this.cache.delete(path));
    }
    return p;
  }
}

const asJson = (bytes) => JSON.parse(utf8.decode(bytes));
const asBytes = (bytes) => bytes;

// The tokens the index holds for a term (catalog::search::lookup_tokens): Han bigrams, or the
// prefix of an ASCII run. A one-character Han term has none: it is only verified.
function termTokens(t, alnumMax) {
  if (t.kind === "alnum") return [t.text.slice(0, alnumMax)];
  const cs = Array.from(t.text);
  const out = [];
  for (let i = 0; i + 1 < cs.length; i++) out.push(cs[i] + cs[i + 1]);
  return out;
}

// At most k items of a list, spread evenly over it.
function spread(list, k) {
  if (list.length <= k) return list.slice();
  const out = [];
  for (let i = 0; i < k; i++) {
    const x = list[Math.round((i * (list.length - 1)) / (k - 1))];
    if (!out.includes(x)) out.push(x);
  }
  return out;
}

// The largest i with list[i] < key, or -1.
function lastBelow(list, key) {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

function intersect(a, b) {
  const out = [];
  let j = 0;
  for (const x of a) {
    while (j < b.length && b[j] < x) j++;
    if (j < b.length && b[j] === x) out.push(x);
  }
  return out;
}

function union(a, b) {
  const out = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i] < b[j])) out.push(a[i++]);
    else if (i >= a.length || b[j] < a[i]) out.push(b[j++]);
    else {
      out.push(a[i++]);
      j++;
    }
  }
  return out;
}

// A dictionary file: the medium file's size and the ids before this shard's lists in it, the
// same for the shared heavy file of each partition, then every token of the shard.
function parseDict(bytes, meta, shard) {
  const r = new Reader(bytes);
  const P = meta.partitions;
  const medium = { size: r.v(), skip: r.v() };
  const files = [];
  for (let p = 0; p < P; p++) files.push({ size: r.v(), skip: r.v() });
  const dict = { shard, medium, files, tokens: new Map() };
  let mediumAt = medium.skip;
  const offset = new Array(P).fill(0);
  const solo = new Array(P).fill(0);
  const n = r.v();
  for (let k = 0; k < n; k++) {
    const tok = r.str(r.v());
    const df = r.v();
    // ids: inline; at: ids before its list in the medium file; parts: partition → df (and file).
    const e = { tok, df, dict, ids: null, at: -1, parts: null, all: null };
    if (df <= meta.inlineMax) e.ids = r.gaps(df, 0);
    else {
      const heavy = df >= meta.heavyMin;
      if (!heavy) {
        e.at = mediumAt;
        mediumAt += df;
      }
      e.parts = new Map();
      let p = 0;
      for (let m = r.v(); m > 0; m--) {
        p += r.v();
        const c = r.v();
        if (!heavy) e.parts.set(p, { df: c });
        else if (c >= meta.soloMin) e.parts.set(p, { df: c, solo: solo[p]++, size: r.v() });
        else {
          e.parts.set(p, { df: c, solo: -1, offset: offset[p] });
          offset[p] += c;
        }
        p += 1;
      }
    }
    dict.tokens.set(tok, e);
  }
  return dict;
}

function partOf(id, meta) {
  return Math.floor(id / 2 ** meta.partitionBits);
}

// Documents of a dictionary entry in partition p.
function dfIn(e, p, meta) {
  if (e.ids !== null) return e.ids.filter((id) => partOf(id, meta) === p).length;
  const x = e.parts.get(p);
  return x === undefined ? 0 : x.df;
}

// One registry query, paged: each next() returns the next organizations in credit-code order.
class RegistryQuery {
  constructor(files, meta, q) {
    this.files = files;
    this.meta = meta;
    this.q = q;
    this.part = 0;
    this.queue = null;
    this.qi = 0;
    this.exactPart = false;
    this.matched = 0;
    this.range = null;
    this.used = [];
    this.nameOK = false;
    this.exactAll = false;
  }

  // Look up the query's tokens and its credit-code range. Throws QueryError.
  async init(meter) {
    const meta = this.meta;
    const terms = queryTerms(this.q);
    if (Array.from(fold(this.q).trim()).length > MAX_QUERY_CHARS || terms.length > MAX_TERMS) {
      throw new QueryError("tooLong");
    }
    const prefix = usccPrefix(this.q);
    const all = [];
    for (const t of terms) {
      for (const tok of termTokens(t, meta.alnumPrefixMax)) if (!all.includes(tok)) all.push(tok);
    }
    if (all.length === 0 && prefix === null) throw new QueryError("tooShort");
    if (meta.records === 0) return;
    const exactTerms = terms.every((t) =>
      t.kind === "alnum" ? t.text.length <= meta.alnumPrefixMax : Array.from(t.text).length === 2);

    // Dictionary entries: a first round spread over the query; the rest only if that round
    // found no rare token (any subset of the tokens selects a superset of the matches).
    let asked = spread(all, FIRST_TOKENS);
    const tasks = [this.lookup(meter, asked)];
    if (prefix !== null) tasks.push(this.locateRange(meter, prefix));
    let found = (await Promise.all(tasks))[0];
    const few = found.length === asked.length && found.some((e) => e.df <= FEW);
    if (found.length === asked.length && !few && all.length > asked.length) {
      const more = spread(all, MAX_TOKENS).filter((t) => !asked.includes(t));
      asked = asked.concat(more);
      found = found.concat(await this.lookup(meter, more));
    }
    this.nameOK = found.length > 0 && found.length === asked.length;
    this.used = found;
    this.exactAll = exactTerms && asked.length === all.length;
  }

  // The dictionary entries of tokens (missing tokens are left out).
  async lookup(meter, toks) {
    const meta = this.meta;
    const shards = toks.map((t) => fnv1a32(t) & (meta.dictShards - 1));
    const dicts = await Promise.all(shards.map((d) =>
      this.files.get(meter, `search/registry/d/${d}.bin`, (b) => parseDict(b, meta, d))));
    const out = [];
    toks.forEach((t, k) => {
      const e = dicts[k].tokens.get(t);
      if (e !== undefined) out.push(e);
    });
    return out;
  }

  records(meter, c) {
    return this.files.get(meter, `search/registry/r/${c}.bin`, asJson);
  }

  // The number of documents whose credit code is below `key`.
  async locate(meter, key) {
    const meta = this.meta;
    const page = lastBelow(meta.dir, key);
    if (page < 0) return 0;
    const firsts = await this.files.get(meter, `search/registry/u/${page}.bin`,
      (b) => utf8.decode(b).split("\n"));
    const c = page * meta.dirPage + lastBelow(firsts, key);
    const recs = await this.records(meter, c);
    return c * 2 ** meta.chunkBits + lastBelow(recs.map((r) => r[0]), key) + 1;
  }

  async locateRange(meter, prefix) {
    // "~" sorts after every credit-code character.
    const [lo, hi] = await Promise.all([this.locate(meter, prefix), this.locate(meter, prefix + "~")]);
    this.range = { lo, hi };
  }

  // Credit-code matches in partition p: [from, to).
  rangeIn(p) {
    if (this.range === null) return [0, 0];
    const base = p * 2 ** this.meta.partitionBits;
    const end = base + 2 ** this.meta.partitionBits;
    const from = Math.max(this.range.lo, base);
    const to = Math.min(this.range.hi, end);
    return to > from ? [from, to] : [0, 0];
  }

  // Matches in partition p known without fetching anything, or null.
  freeCount(p) {
    const meta = this.meta;
    const [from, to] = this.rangeIn(p);
    const u = to - from;
    let name = null;
    if (!this.nameOK || this.used.some((e) => dfIn(e, p, meta) === 0)) name = 0;
    else if (this.exactAll && this.used.length === 1) name = dfIn(this.used[0], p, meta);
    else if (this.exactAll && this.used.every((e) => e.ids !== null)) {
      let ids = this.used[0].ids.filter((id) => partOf(id, meta) === p);
      for (const e of this.used.slice(1)) ids = intersect(ids, e.ids);
      if (u === 0) return ids.length;
      return union(ids, Array.from({ length: u }, (_, k) => from + k)).length;
    }
    if (name === 0) return u;
    if (u === 0) return name;
    return null;
  }

  // The file holding the ids of entry e in partition p, and its size.
  fileOf(e, p) {
    const meta = this.meta;
    if (e.at >= 0) {
      return [`search/registry/m/${e.dict.shard & (meta.mediumShards - 1)}.bin`, e.dict.medium.size];
    }
    const x = e.parts.get(p);
    if (x.solo >= 0) return [`search/registry/p/${p}/t${e.dict.shard}-${x.solo}.bin`, x.size];
    return [`search/registry/p/${p}/${e.dict.shard & (meta.heavyShards - 1)}.bin`, e.dict.files[p].size];
  }

  // What fetching the ids of entry e in partition p would cost (0 when in hand).
  fetchCost(e, p) {
    if (e.ids !== null || e.all !== null || !e.parts.has(p)) return 0;
    const [path, size] = this.fileOf(e, p);
    return this.files.has(path) ? 0 : size;
  }

  // What fetching the records of candidates would cost, up to `cap`.
  verifyCost(ids, cap) {
    const bits = this.meta.chunkBits;
    let cost = 0;
    let last = -1;
    for (const id of ids) {
      const c = Math.floor(id / 2 ** bits);
      if (c !== last && !this.files.has(`search/registry/r/${c}.bin`)) {
        cost += this.meta.chunkBytes;
        if (cost > cap) return cost;
      }
      last = c;
    }
    return cost;
  }

  async idsIn(meter, e, p) {
    const meta = this.meta;
    const inP = (id) => partOf(id, meta) === p;
    if (e.ids !== null) return e.ids.filter(inP);
    if (e.all !== null) return e.all.filter(inP);
    const x = e.parts.get(p);
    if (x === undefined) return [];
    const [path] = this.fileOf(e, p);
    const r = new Reader(await this.files.get(meter, path, asBytes));
    if (e.at >= 0) {
      // A medium token: its whole list, kept for the other partitions.
      r.skip(e.at);
      e.all = r.gaps(e.df, 0);
      return e.all.filter(inP);
    }
    const base = p * 2 ** meta.partitionBits;
    if (x.solo < 0) r.skip(e.dict.files[p].skip + x.offset);
    return r.gaps(x.df, base);
  }

  // The candidates of partition p, in order: the intersection of the rarest tokens' ids (while
  // a token's file costs less than checking the candidates on their records), and the
  // credit-code matches.
  async prepare(meter, spent) {
    const meta = this.meta;
    const p = this.part;
    let cands = [];
    let complete = true;
    if (this.nameOK && this.used.every((e) => dfIn(e, p, meta) > 0)) {
      const toks = this.used.slice().sort((a, b) =>
        dfIn(a, p, meta) - dfIn(b, p, meta) || this.fetchCost(a, p) - this.fetchCost(b, p));
      cands = await this.idsIn(meter, toks[0], p);
      for (const e of toks.slice(1)) {
        if (cands.length === 0) break;
        const cost = this.fetchCost(e, p);
        if (cost > 0 && (spent() >= BUDGET || cost > this.verifyCost(cands, cost))) {
          complete = false;
          break;
        }
        cands = intersect(cands, await this.idsIn(meter, e, p));
      }
    }
    const [from, to] = this.rangeIn(p);
    const u = Array.from({ length: to - from }, (_, k) => from + k);
    this.queue = union(cands, u);
    this.qi = 0;
    this.exactPart = cands.length === 0 || (complete && this.exactAll);
  }

  // The next page: up to PAGE organizations, and what is known of the total.
  async next(meter) {
    const meta = this.meta;
    const start = meter.bytes;
    const spent = () => meter.bytes - start;
    const items = [];
    const parts = meta.partitions;
    let stepped = false;
    while (items.length < PAGE) {
      if (this.queue === null) {
        if (this.part >= parts) break;
        if (this.freeCount(this.part) === 0) {
          this.part++;
          continue;
        }
        if (stepped && spent() >= BUDGET) break;
        await this.prepare(meter, spent);
        stepped = true;
      }
      if (this.qi >= this.queue.length) {
        this.queue = null;
        this.part++;
        continue;
      }
      if (stepped && spent() >= BUDGET) break;
      const need = PAGE - items.length;
      const batch = this.queue.slice(this.qi, this.qi + need);
      const chunks = [...new Set(batch.map((id) => Math.floor(id / 2 ** meta.chunkBits)))];
      const recs = await Promise.all(chunks.map((c) => this.records(meter, c)));
      stepped = true;
      for (const id of batch) {
        this.qi++;
        const c = Math.floor(id / 2 ** meta.chunkBits);
        const row = recs[chunks.indexOf(c)][id - c * 2 ** meta.chunkBits];
        const org = { uscc: row[0], name: row[1], href: row[2] ?? orgHref(row[0]) };
        if (organizationMatches(org, this.q)) {
          this.matched++;
          items.push(org);
          if (items.length === PAGE) break;
        }
      }
    }
    return { items, ...this.total() };
  }

  // { total, exact, more }: the total when known (exact), else a lower bound.
  total() {
    let total = this.matched;
    let exact = true;
    let more = false;
    let from = this.part;
    if (this.queue !== null) {
      const left = this.queue.length - this.qi;
      if (left > 0) more = true;
      if (this.exactPart) total += left;
      else if (left > 0) exact = false;
      from = this.part + 1;
    }
    for (let p = from; p < this.meta.partitions; p++) {
      const c = this.freeCount(p);
      if (c === null) {
        exact = false;
        more = true;
      } else if (c > 0) {
        total += c;
        more = true;
      }
    }
    return { total, exact, more };
  }
}

// ---- the search ------------------------------------------------------------------------------

// A search over the datasets of one language and the registry of the site at `root` (a URL or
// a path relative to the page, ending in "/"). `fetch` is the fetch function to use.
export function createSearch({ root = "", lang = "zh-Hans", fetch: fetchImpl } = {}) {
  const go = fetchImpl ?? ((url) => globalThis.fetch(url));
  let files = new Files(root, go);
  let current = null;

  async function datasets(meter, q) {
    let list;
    try {
      list = await files.get(meter, `search/datasets/${lang}.json`, asJson);
    } catch (e) {
      if (e.status === 404) return [];
      throw e;
    }
    return list.filter((d) =>
      fieldsMatch([d.title, d.description, ...(d.fields ?? []), ...(d.keywords ?? [])], q));
  }

  async function registry(meter, q) {
    const meta = await files.get(meter, "search/registry/meta.json", asJson);
    if (meta.format !== FORMAT) throw new Error(`search/registry: index format ${meta.format}, not ${FORMAT}`);
    const rq = new RegistryQuery(files, meta, q);
    await rq.init(meter);
    return rq;
  }

  return {
    // The first page of q: { datasets, registry, total, exact, more, error, bytes, requests }.
    // `error` is "tooShort" or "tooLong" when the registry was not searched; an empty query
    // finds nothing.
    async query(q) {
      const meter = { bytes: 0, requests: 0 };
      current = null;
      const out = { datasets: [], registry: [], total: 0, exact: true, more: false, error: null };
      if (queryTerms(q).length === 0) return { ...out, ...meter };
      const [ds, rq] = await Promise.all([
        datasets(meter, q),
        registry(meter, q).catch((e) => {
          if (e instanceof QueryError) return e;
          throw e;
        }),
      ]);
      out.datasets = ds;
      if (rq instanceof QueryError) out.error = rq.code;
      else {
        current = rq;
        Object.assign(out, await rq.next(meter));
        out.registry = out.items;
        delete out.items;
      }
      return { ...out, ...meter };
    },
    // The next page of the last query: { registry, total, exact, more, bytes, requests }.
    async more() {
      const meter = { bytes: 0, requests: 0 };
      if (current === null) return { registry: [], total: 0, exact: true, more: false, ...meter };
      const r = await current.next(meter);
      return { registry: r.items, total: r.total, exact: r.exact, more: r.more, ...meter };
    },
    // Forget every fetched file (a benchmark's cold start).
    reset() {
      files = new Files(root, go);
      current = null;
    },
  };
}

// ---- the page --------------------------------------------------------------------------------

const MESSAGES = {
  "zh-Hans": {
    searching: "正在搜索…",
    none: "没有找到结果",
    count: "共 {n} 条",
    atLeast: "至少 {n} 条",
    more: "更多结果",
    error: "搜索出错，请稍后再试",
    tooShort: "搜索词太短：请至少输入两个汉字或一个字母数字词",
    tooLong: "搜索词太长：最多 100 个字符、8 个词",
  },
  "zh-Hant": {
    searching: "正在搜尋…",
    none: "沒有找到結果",
    count: "共 {n} 條",
    atLeast: "至少 {n} 條",
    more: "更多結果",
    error: "搜尋出錯，請稍後再試",
    tooShort: "搜尋詞太短：請至少輸入兩個漢字或一個字母數字詞",
    tooLong: "搜尋詞太長：最多 100 個字元、8 個詞",
  },
  en: {
    searching: "Searching…",
    none: "No results",
    count: "{n} results",
    atLeast: "At least {n} results",
    more: "More results",
    error: "The search failed; please try again later",
    tooShort: "Query too short: type at least two Chinese characters or one word of letters or digits",
    tooLong: "Query too long: at most 100 characters and 8 terms",
  },
};

function bindPage() {
  const script = document.querySelector("script[data-root]");
  const form = document.getElementById("search-form");
  const input = document.getElementById("q");
  const status = document.getElementById("search-status");
  const dsList = document.getElementById("results-datasets");
  const orgList = document.getElementById("results-registry");
  const moreButton = document.getElementById("results-more");
  const root = script?.dataset.root ?? "";
  const lang = script?.dataset.lang || document.documentElement.lang || "zh-Hans";
  let given = {};
  try {
    given = JSON.parse(script?.dataset.i18n || "{}");
  } catch {
    given = {};
  }
  const base = MESSAGES[lang] ?? MESSAGES["zh-Hans"];
  const say = (key, n) => {
    const s = given[key] ?? base[key] ?? MESSAGES.en[key] ?? key;
    return n === undefined ? s : s.replace("{n}", Number(n).toLocaleString(lang));
  };
  const search = createSearch({ root, lang });
  window.gongkaiSearch = { query: (q) => search.query(q), more: () => search.more(), reset: () => search.reset() };
  if (!form || !input || !status || !orgList) return;

  let seq = 0;
  let shownDatasets = 0;

  function link(href, text, note) {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = root + href;
    a.textContent = text;
    li.append(a);
    if (note) {
      const span = document.createElement("span");
      span.textContent = note;
      li.append(" ", span);
    }
    return li;
  }

  function showStatus(r) {
    if (r.error) {
      status.textContent = say(r.error);
      return;
    }
    const n = shownDatasets + r.total;
    if (n === 0 && r.exact) status.textContent = say("none");
    else status.textContent = say(r.exact ? "count" : "atLeast", n);
  }

  function showMore(r) {
    if (!moreButton) return;
    moreButton.hidden = !r.more;
    moreButton.disabled = false;
  }

  async function run(q) {
    const me = ++seq;
    if (dsList) dsList.replaceChildren();
    orgList.replaceChildren();
    if (moreButton) moreButton.hidden = true;
    if (queryTerms(q).length === 0) {
      status.textContent = "";
      return;
    }
    status.textContent = say("searching");
    try {
      const r = await search.query(q);
      if (me !== seq) return;
      shownDatasets = r.datasets.length;
      if (dsList) for (const d of r.datasets) dsList.append(link(d.href, d.title, d.description));
      for (const o of r.registry) orgList.append(link(o.href, o.name, o.uscc));
      showStatus(r);
      showMore(r);
    } catch (e) {
      if (me !== seq) return;
      console.error(e);
      status.textContent = say("error");
    }
  }

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const q = input.value;
    const url = new URL(window.location.href);
    if (q.trim() === "") url.searchParams.delete("q");
    else url.searchParams.set("q", q);
    history.replaceState(null, "", url);
    run(q);
  });

  moreButton?.addEventListener("click", async () => {
    const me = seq;
    moreButton.disabled = true;
    status.textContent = say("searching");
    try {
      const r = await search.more();
      if (me !== seq) return;
      let first = null;
      for (const o of r.registry) {
        const li = link(o.href, o.name, o.uscc);
        first ??= li;
        orgList.append(li);
      }
      showStatus(r);
      showMore(r);
      // Keyboard users continue at the first new result.
      first?.querySelector("a")?.focus();
    } catch (e) {
      if (me !== seq) return;
      console.error(e);
      status.textContent = say("error");
      moreButton.disabled = false;
    }
  });

  const q = new URLSearchParams(window.location.search).get("q") ?? "";
  input.value = q;
  if (q !== "") run(q);
}

if (typeof document !== "undefined") bindPage();
