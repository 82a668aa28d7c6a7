//! The static catalog's search: indexes that `static/search.js` reads in the browser, with no
//! server, using the segmentation and matching rules of the server search (`schema::search`,
//! `docs/search.md`).
//!
//! * [`write_dataset_index`]: one JSON file per language listing every dataset's title,
//!   description, fields and keywords (a handful of datasets; the browser filters them all).
//! * [`RegistryIndex`]: the registry's organizations, searchable by name and by credit-code prefix,
//!   split so that one query downloads only what it needs. The layout, the encodings and the query
//!   algorithm are specified in `docs/search.md`, section "In the static catalog"; in short:
//!   - `meta.json`: the parameters below, and the first credit code of every directory page;
//!   - `r/<chunk>.bin`: the organizations in credit-code order, 128 per file (document id = rank);
//!   - `u/<page>.bin`: the first credit code of each records file, for credit-code prefixes;
//!   - `d/<shard>.bin`: the dictionary, sharded by a hash of the token: each token's document
//!     count per partition of 65,536 documents, or, for rare tokens, the document ids themselves;
//!   - `m/<shard>.bin`: the whole id lists of tokens in fewer than [`HEAVY_MIN`] documents;
//!   - `p/<partition>/<shard>.bin` and `p/<partition>/t<shard>-<k>.bin`: the ids of the other
//!     ("heavy") tokens by partition, the most frequent in files of their own.
//!
//! Ids are gap varints. A query fetches `meta.json`, a few dictionary files, the lists of its
//! rarest tokens in the first partitions that can hold a match, and the records files of the
//! candidates, which it checks with the rules of `schema::search::organization_matches`.
//!
//! Every `.bin` file is gzip (no file name, time 0), inflated in the browser with
//! `DecompressionStream`. The bytes written are a function of the input only.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{self, Write as _};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use flate2::{Compression, GzBuilder};
use schema::search::{RunKind, query_terms};
use serde::Serialize;

/// Version of the registry index format (`format` in `meta.json`).
pub const FORMAT: u32 = 1;
/// log2 of the organizations per records file (128).
pub const CHUNK_BITS: u32 = 7;
/// log2 of the documents per partition of the postings (65,536).
pub const PARTITION_BITS: u32 = 16;
/// A token in at most this many documents keeps their ids in its dictionary entry.
pub const INLINE_MAX: u32 = 16;
/// A token in fewer documents than this (and more than [`INLINE_MAX`]) has its ids in one
/// place, a medium file shared with other tokens; a token in this many or more ("heavy") has
/// them by partition, so that a page of results needs only the first partitions.
pub const HEAVY_MIN: u32 = 2048;
/// Records files per page of the credit-code directory.
pub const DIR_PAGE: usize = 256;
/// Longest prefix of an ASCII run that is indexed: a run gives every prefix up to this length,
/// so that a term matches "the start of a run" by one token (longer terms are verified).
pub const ALNUM_PREFIX_MAX: usize = 12;
/// Tokens aimed at per dictionary file, at least.
const DICT_TOKENS: usize = 48;
/// Most dictionary files.
const MAX_DICT_SHARDS: usize = 4096;
/// Bytes (before compression) aimed at per medium file.
const MEDIUM_BYTES: u64 = 3072;
/// Most medium files.
const MAX_MEDIUM_SHARDS: usize = 2048;
/// Bytes (before compression) aimed at per shared heavy file (one partition).
const HEAVY_BYTES: u64 = 4096;
/// Most shared heavy files (partitions × heavy shards).
const MAX_HEAVY_FILES: usize = 1024;
/// Fewest documents of a heavy token in a partition for its ids there to get a file of their
/// own; doubled until there are at most [`MAX_SOLO_FILES`] such files.
const SOLO_MIN: u32 = 1024;
/// Most files of a single token's ids in a partition.
const MAX_SOLO_FILES: usize = 2048;
/// gzip level of every file (deterministic for a given flate2 backend).
const GZIP_LEVEL: u32 = 9;

/// What an index writer produced.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct IndexStats {
    /// Files written.
    pub files: u64,
    /// Their bytes, as stored (compressed).
    pub bytes: u64,
    /// Records indexed (organizations, or dataset entries).
    pub records: u64,
}

impl IndexStats {
    fn add_file(&mut self, bytes: usize) {
        self.files += 1;
        self.bytes += bytes as u64;
    }
}

// ---- datasets -------------------------------------------------------------------------------

/// One dataset for the dataset index (one per dataset per language).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetEntry {
    /// Language tag: `zh-Hans`, `zh-Hant` or `en` (the file is `<lang>.json`).
    pub lang: String,
    /// The dataset's page, relative to the site root.
    pub href: String,
    /// Title in that language.
    pub title: String,
    /// Description in that language.
    pub description: String,
    /// Field headers and descriptions.
    pub fields: Vec<String>,
    /// Keywords.
    pub keywords: Vec<String>,
}

/// One dataset as the browser reads it.
#[derive(Serialize)]
struct DatasetJson<'a> {
    href: &'a str,
    title: &'a str,
    description: &'a str,
    fields: &'a [String],
    keywords: &'a [String],
}

/// Write the dataset index into `dir` (`<site>/search/datasets/`): `<lang>.json` for every
/// language of `entries`, a JSON array of `{href, title, description, fields, keywords}` in the
/// order given. The browser matches a query against all of these texts with the rules of
/// [`schema::search::texts_match`].
pub fn write_dataset_index(entries: &[DatasetEntry], dir: &Path) -> io::Result<IndexStats> {
    let mut by_lang: BTreeMap<&str, Vec<DatasetJson<'_>>> = BTreeMap::new();
    for e in entries {
        let safe = !e.lang.is_empty()
            && e.lang
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !safe {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "dataset index: language tag {:?} cannot name a file",
                    e.lang
                ),
            ));
        }
        by_lang.entry(&e.lang).or_default().push(DatasetJson {
            href: &e.href,
            title: &e.title,
            description: &e.description,
            fields: &e.fields,
            keywords: &e.keywords,
        });
    }
    fs::create_dir_all(dir)?;
    let mut stats = IndexStats {
        records: entries.len() as u64,
        ..IndexStats::default()
    };
    for (lang, list) in by_lang {
        let mut json = serde_json::to_vec(&list).map_err(io::Error::other)?;
        json.push(b'\n');
        fs::write(dir.join(format!("{lang}.json")), &json)?;
        stats.add_file(json.len());
    }
    Ok(stats)
}

// ---- the registry ---------------------------------------------------------------------------

/// One organization for the registry index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgEntry {
    /// 统一社会信用代码.
    pub uscc: String,
    /// 社会组织名称.
    pub name: String,
    /// Its page, relative to the site root, e.g. `org/1a3f.html#51110000MJ0000000X`.
    pub href: String,
}

/// Where one organization's texts are in [`RegistryIndex::text`]: lengths in bytes, in order
/// credit code, name, href (`None` when it is [`crate::org_href`] of the code, which the browser
/// computes itself).
#[derive(Debug, Clone, Copy)]
struct Span {
    start: usize,
    uscc: u32,
    name: u32,
    href: Option<u32>,
}

/// Sizes that the browser reads from `meta.json` (tests make them small).
#[derive(Debug, Clone, Copy)]
struct Tuning {
    partition_bits: u32,
    dir_page: usize,
    heavy_min: u32,
    solo_min: u32,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            partition_bits: PARTITION_BITS,
            dir_page: DIR_PAGE,
            heavy_min: HEAVY_MIN,
            solo_min: SOLO_MIN,
        }
    }
}

/// The registry search index, built in memory by [`add`](Self::add) and written by
/// [`write`](Self::write).
#[derive(Debug, Default)]
pub struct RegistryIndex {
    text: String,
    spans: Vec<Span>,
    tuning: Tuning,
}

impl RegistryIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add one organization. Organizations are expected in credit-code order (document ids are
    /// ranks in that order); [`write`](Self::write) sorts them if they are not.
    pub fn add(&mut self, e: OrgEntry) {
        let start = self.text.len();
        self.text.push_str(&e.uscc);
        self.text.push_str(&e.name);
        let href = if e.href == crate::org_href(&e.uscc) {
            None
        } else {
            self.text.push_str(&e.href);
            Some(len32(&e.href))
        };
        self.spans.push(Span {
            start,
            uscc: len32(&e.uscc),
            name: len32(&e.name),
            href,
        });
    }

    /// Organizations added.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether nothing was added.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    fn uscc(&self, i: usize) -> &str {
        let s = self.spans[i];
        &self.text[s.start..s.start + s.uscc as usize]
    }

    fn name(&self, i: usize) -> &str {
        let s = self.spans[i];
        let a = s.start + s.uscc as usize;
        &self.text[a..a + s.name as usize]
    }

    fn href(&self, i: usize) -> Option<&str> {
        let s = self.spans[i];
        let a = s.start + s.uscc as usize + s.name as usize;
        s.href.map(|h| &self.text[a..a + h as usize])
    }

    /// Write every file of the index under `dir` (`<site>/search/registry/`). The bytes are a
    /// function of the organizations added, whatever their order.
    pub fn write(self, dir: &Path) -> Result<IndexStats, io::Error> {
        let n = self.spans.len();
        if n > (u32::MAX >> 1) as usize {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "registry index: too many organizations",
            ));
        }
        // Document ids are ranks in credit-code order.
        let key = |i: usize| (self.uscc(i), self.name(i), self.href(i));
        let mut order: Vec<u32> = (0..n as u32).collect();
        if (1..n).any(|i| key(i - 1) > key(i)) {
            order.sort_by(|&a, &b| key(a as usize).cmp(&key(b as usize)));
        }
        for sub in ["r", "u", "d", "p"] {
            fs::create_dir_all(dir.join(sub))?;
        }
        // Two threads: one writes records files; this one collects the tokens, writes the
        // dictionary and the postings, then helps with the records files left.
        let tuning = self.tuning;
        let chunks = n.div_ceil(1 << CHUNK_BITS);
        let next_chunk = AtomicUsize::new(0);
        let work = RecordsWork {
            ix: &self,
            order: &order,
            dir,
            next: &next_chunk,
            chunks,
        };
        let (helper, mine, params) = std::thread::scope(|scope| {
            let helper = scope.spawn(|| work.run());
            let postings = collect_postings(&self, &order);
            let mut stats = IndexStats::default();
            let params = write_postings(postings, n, tuning, dir, &mut stats);
            let mine = work.run();
            let helper = helper
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("records writer panicked")));
            (helper, mine, params.map(|p| (p, stats)))
        });
        let (params, mut stats) = params?;
        let mut written = helper?;
        written.extend(mine?);
        written.sort_unstable_by_key(|w| w.0);
        let records_bytes: u64 = written.iter().map(|w| w.1 as u64).sum();
        for w in &written {
            stats.add_file(w.1);
        }
        stats.records = n as u64;

        // Directory of the records files' first codes.
        let firsts: Vec<&str> = written.iter().map(|w| w.2).collect();
        let mut dir_firsts = Vec::new();
        for (page, list) in firsts.chunks(tuning.dir_page).enumerate() {
            dir_firsts.push(list[0].to_string());
            let body = gzip(list.join("\n").as_bytes())?;
            fs::write(dir.join(format!("u/{page}.bin")), &body)?;
            stats.add_file(body.len());
        }

        let chunk_files = chunks.max(1) as u64;
        let meta = Meta {
            format: FORMAT,
            records: n as u64,
            chunk_bits: CHUNK_BITS,
            partition_bits: tuning.partition_bits,
            partitions: params.partitions,
            dict_shards: params.dict_shards,
            medium_shards: params.medium_shards,
            heavy_shards: params.heavy_shards,
            inline_max: INLINE_MAX,
            heavy_min: params.heavy_min,
            solo_min: params.solo_min,
            alnum_prefix_max: ALNUM_PREFIX_MAX,
            chunk_bytes: records_bytes.div_ceil(chunk_files),
            dir_page: tuning.dir_page,
            dir: dir_firsts,
        };
        let mut json = serde_json::to_vec(&meta).map_err(io::Error::other)?;
        json.push(b'\n');
        fs::write(dir.join("meta.json"), &json)?;
        stats.add_file(json.len());
        Ok(stats)
    }
}

fn len32(s: &str) -> u32 {
    // Texts longer than 4 GiB do not occur; clamp rather than panic.
    u32::try_from(s.len()).unwrap_or(u32::MAX)
}

/// `meta.json`: what the browser needs before anything else.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Meta {
    format: u32,
    records: u64,
    chunk_bits: u32,
    partition_bits: u32,
    partitions: usize,
    dict_shards: usize,
    medium_shards: usize,
    heavy_shards: usize,
    inline_max: u32,
    heavy_min: u32,
    solo_min: u32,
    alnum_prefix_max: usize,
    /// Mean stored size of a records file, for the browser's cost estimates.
    chunk_bytes: u64,
    dir_page: usize,
    /// The first credit code of every directory page.
    dir: Vec<String>,
}

/// gzip with a fixed header (no name, time 0, OS "unknown").
fn gzip(data: &[u8]) -> io::Result<Vec<u8>> {
    let mut e = GzBuilder::new().mtime(0).operating_system(255).write(
        Vec::with_capacity(data.len() / 3 + 32),
        Compression::new(GZIP_LEVEL),
    );
    e.write_all(data)?;
    e.finish()
}

fn put_varint(out: &mut Vec<u8>, mut x: u64) {
    while x >= 0x80 {
        out.push((x as u8 & 0x7f) | 0x80);
        x >>= 7;
    }
    out.push(x as u8);
}

/// Ascending ids as gap varints: the first as `id - base`, each next as `id - previous - 1`.
fn put_gaps(out: &mut Vec<u8>, ids: &[u32], base: u32) {
    let mut next = base;
    for &id in ids {
        put_varint(out, u64::from(id - next));
        next = id + 1;
    }
}

/// FNV-1a, 32 bits, over the UTF-8 bytes: the shard of a token (and, in `registry`, the bucket of
/// an organization's page). `search.js` computes the same.
pub(crate) fn fnv1a32(s: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in s.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// The tokens the browser looks up for a text: the bigrams of its Han runs of two or more
/// characters and every prefix (up to [`ALNUM_PREFIX_MAX`]) of its ASCII runs, sorted, each once.
/// Single Han characters are not indexed: a query term of one character is only verified.
pub(crate) fn lookup_tokens(text: &str, out: &mut Vec<String>) {
    out.clear();
    for t in query_terms(text) {
        match t.kind {
            RunKind::Han => out.extend(t.bigrams()),
            RunKind::Alnum => {
                // Folded ASCII: bytes are characters.
                for k in 1..=t.text.len().min(ALNUM_PREFIX_MAX) {
                    out.push(t.text[..k].to_string());
                }
            }
        }
    }
    out.sort_unstable();
    out.dedup();
}

/// Writing the records files, shared by threads: each takes the next file not taken.
struct RecordsWork<'a> {
    ix: &'a RegistryIndex,
    order: &'a [u32],
    dir: &'a Path,
    next: &'a AtomicUsize,
    chunks: usize,
}

impl<'a> RecordsWork<'a> {
    /// Write records files until none is left: (file number, stored size, first code) of each.
    /// A file is a JSON array of `[code, name]` or `[code, name, href]` per organization.
    fn run(&self) -> io::Result<Vec<(usize, usize, &'a str)>> {
        let mut out = Vec::new();
        loop {
            let c = self.next.fetch_add(1, Ordering::Relaxed);
            if c >= self.chunks {
                return Ok(out);
            }
            let start = c << CHUNK_BITS;
            let ids = &self.order[start..self.order.len().min(start + (1 << CHUNK_BITS))];
            let ix = self.ix;
            let rows: Vec<Vec<&str>> = ids
                .iter()
                .map(|&i| {
                    let i = i as usize;
                    let mut row = vec![ix.uscc(i), ix.name(i)];
                    row.extend(ix.href(i));
                    row
                })
                .collect();
            let json = serde_json::to_vec(&rows).map_err(io::Error::other)?;
            let body = gzip(&json)?;
            fs::write(self.dir.join(format!("r/{c}.bin")), &body)?;
            out.push((c, body.len(), ix.uscc(ids[0] as usize)));
        }
    }
}

/// A 64-bit FNV-1a hasher for the token map (deterministic, fast on short keys).
#[derive(Default)]
struct Fnv64(u64);

impl Hasher for Fnv64 {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// The documents of one token, as gap varints while collecting.
#[derive(Default)]
struct Post {
    n: u32,
    next: u32,
    gaps: Vec<u8>,
}

impl Post {
    fn push(&mut self, doc: u32) {
        put_varint(&mut self.gaps, u64::from(doc - self.next));
        self.next = doc + 1;
        self.n += 1;
    }

    fn ids(&self) -> Vec<u32> {
        let mut out = Vec::with_capacity(self.n as usize);
        let (mut x, mut shift, mut next) = (0u32, 0u32, 0u32);
        for &b in &self.gaps {
            x |= u32::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                let id = next + x;
                out.push(id);
                next = id + 1;
                x = 0;
                shift = 0;
            } else {
                shift += 7;
            }
        }
        out
    }
}

/// Every token with its documents, in no particular order.
fn collect_postings(ix: &RegistryIndex, order: &[u32]) -> Vec<(Box<str>, Post)> {
    let mut ids: HashMap<Box<str>, u32, BuildHasherDefault<Fnv64>> = HashMap::default();
    let mut posts: Vec<(Box<str>, Post)> = Vec::new();
    let mut toks = Vec::with_capacity(64);
    for (doc, &i) in order.iter().enumerate() {
        lookup_tokens(ix.name(i as usize), &mut toks);
        for t in toks.drain(..) {
            let k = match ids.get(t.as_str()) {
                Some(&k) => k,
                None => {
                    let k = posts.len() as u32;
                    let t: Box<str> = t.into();
                    ids.insert(t.clone(), k);
                    posts.push((t, Post::default()));
                    k
                }
            };
            posts[k as usize].1.push(doc as u32);
        }
    }
    posts
}

/// Shard counts and thresholds chosen for the data.
struct Params {
    partitions: usize,
    dict_shards: usize,
    medium_shards: usize,
    heavy_shards: usize,
    heavy_min: u32,
    solo_min: u32,
}

/// The ids of each partition of an ascending list: (partition, slice).
fn by_partition(ids: &[u32], bits: u32) -> Vec<(usize, &[u32])> {
    let mut out = Vec::new();
    let mut rest = ids;
    while let Some(&first) = rest.first() {
        let p = first >> bits;
        let end = rest.partition_point(|&id| id >> bits == p);
        out.push((p as usize, &rest[..end]));
        rest = &rest[end..];
    }
    out
}

/// The largest power of two at most `x`, and at most `max` (at least 1).
fn pow2_at_most(x: usize, max: usize) -> usize {
    let x = x.clamp(1, max.max(1));
    1 << (usize::BITS - 1 - x.leading_zeros())
}

/// A number of files for `bytes` at `per_file` bytes each: a power of two, at most `max`.
fn shards_for(bytes: u64, per_file: u64, max: usize) -> usize {
    let want = usize::try_from(bytes.div_ceil(per_file)).unwrap_or(usize::MAX);
    pow2_at_most(want.checked_next_power_of_two().unwrap_or(max), max)
}

/// Write the dictionary and the posting files.
///
/// Tokens are sorted by dictionary shard `d` (the low bits of [`fnv1a32`]), then by bytes. The
/// medium file `m/<d mod M>.bin` holds the lists of the medium tokens of dictionary shards
/// `d ≡ m (mod M)`, in that order; the shared heavy file `p/<p>/<d mod H>.bin` likewise holds the
/// heavy tokens' ids in partition `p` (unless they have a file of their own there,
/// `p/<p>/t<d>-<k>.bin`, the k-th of shard d in partition p). A dictionary file starts with the
/// stored size of its medium file and the number of ids before its own lists there, then the
/// same for its shared heavy file of every partition.
fn write_postings(
    mut posts: Vec<(Box<str>, Post)>,
    n: usize,
    tuning: Tuning,
    dir: &Path,
    stats: &mut IndexStats,
) -> io::Result<Params> {
    let bits = tuning.partition_bits;
    let partitions = n.div_ceil(1 << bits);
    let heavy_min = tuning.heavy_min.max(INLINE_MAX + 1);
    // Sizes: about 1.3 bytes an id before compression.
    let mut medium_ids = 0u64;
    let mut pairs: Vec<u32> = Vec::new();
    for (_, p) in &posts {
        if p.n >= heavy_min {
            pairs.extend(
                by_partition(&p.ids(), bits)
                    .iter()
                    .map(|(_, s)| s.len() as u32),
            );
        } else if p.n > INLINE_MAX {
            medium_ids += u64::from(p.n);
        }
    }
    let mut solo_min = tuning.solo_min.max(1);
    while pairs.iter().filter(|&&c| c >= solo_min).count() > MAX_SOLO_FILES {
        solo_min *= 2;
    }
    let heavy_ids: u64 = pairs
        .iter()
        .filter(|&&c| c < solo_min)
        .map(|&c| u64::from(c))
        .sum();
    let medium_shards = shards_for(medium_ids * 13 / 10, MEDIUM_BYTES, MAX_MEDIUM_SHARDS);
    let dict_shards = pow2_at_most(
        (posts.len() / DICT_TOKENS).max(medium_shards),
        MAX_DICT_SHARDS,
    );
    let medium_shards = medium_shards.min(dict_shards);
    let heavy_shards = shards_for(
        heavy_ids * 13 / 10,
        HEAVY_BYTES * partitions.max(1) as u64,
        (MAX_HEAVY_FILES / partitions.max(1)).min(dict_shards),
    );
    fs::create_dir_all(dir.join("m"))?;
    for p in 0..partitions {
        fs::create_dir_all(dir.join(format!("p/{p}")))?;
    }

    // Tokens by dictionary shard, then by bytes.
    let shard_of = |t: &str| fnv1a32(t) as usize & (dict_shards - 1);
    posts.sort_unstable_by(|a, b| {
        shard_of(&a.0)
            .cmp(&shard_of(&b.0))
            .then_with(|| a.0.as_bytes().cmp(b.0.as_bytes()))
    });

    // Lists, in memory until every dictionary shard has been seen: (raw bytes, ids).
    let mut medium: Vec<(Vec<u8>, u64)> = vec![(Vec::new(), 0); medium_shards];
    let mut heavy: Vec<Vec<(Vec<u8>, u64)>> = vec![vec![(Vec::new(), 0); partitions]; heavy_shards];
    // Per dictionary shard: ids before its lists in its medium file and shared heavy files.
    let mut dicts: Vec<(u64, Vec<u64>, Vec<u8>)> = Vec::with_capacity(dict_shards);
    let mut rest: &[(Box<str>, Post)] = &posts;
    for d in 0..dict_shards {
        let end = rest.partition_point(|(t, _)| shard_of(t) == d);
        let (tokens, after) = rest.split_at(end);
        rest = after;
        let (m, h) = (d & (medium_shards - 1), d & (heavy_shards - 1));
        let medium_skip = medium[m].1;
        let heavy_skips: Vec<u64> = heavy[h].iter().map(|x| x.1).collect();
        let mut solo_k = vec![0usize; partitions];
        let mut body = Vec::new();
        put_varint(&mut body, tokens.len() as u64);
        for (tok, post) in tokens {
            put_varint(&mut body, tok.len() as u64);
            body.extend_from_slice(tok.as_bytes());
            put_varint(&mut body, u64::from(post.n));
            let ids = post.ids();
            if post.n <= INLINE_MAX {
                put_gaps(&mut body, &ids, 0);
                continue;
            }
            let parts = by_partition(&ids, bits);
            put_varint(&mut body, parts.len() as u64);
            let mut next_p = 0usize;
            for (p, slice) in parts {
                put_varint(&mut body, (p - next_p) as u64);
                next_p = p + 1;
                put_varint(&mut body, slice.len() as u64);
                if post.n < heavy_min {
                    continue;
                }
                let base = (p as u32) << bits;
                if slice.len() as u32 >= solo_min {
                    let mut raw = Vec::new();
                    put_gaps(&mut raw, slice, base);
                    let gz = gzip(&raw)?;
                    fs::write(dir.join(format!("p/{p}/t{d}-{}.bin", solo_k[p])), &gz)?;
                    stats.add_file(gz.len());
                    solo_k[p] += 1;
                    put_varint(&mut body, gz.len() as u64);
                } else {
                    let x = &mut heavy[h][p];
                    put_gaps(&mut x.0, slice, base);
                    x.1 += slice.len() as u64;
                }
            }
            if post.n < heavy_min {
                let x = &mut medium[m];
                put_gaps(&mut x.0, &ids, 0);
                x.1 += u64::from(post.n);
            }
        }
        dicts.push((medium_skip, heavy_skips, body));
    }

    let mut medium_sizes = vec![0usize; medium_shards];
    for (m, (raw, _)) in medium.iter().enumerate() {
        if !raw.is_empty() {
            let gz = gzip(raw)?;
            fs::write(dir.join(format!("m/{m}.bin")), &gz)?;
            stats.add_file(gz.len());
            medium_sizes[m] = gz.len();
        }
    }
    let mut heavy_sizes = vec![vec![0usize; partitions]; heavy_shards];
    for (h, files) in heavy.iter().enumerate() {
        for (p, (raw, _)) in files.iter().enumerate() {
            if !raw.is_empty() {
                let gz = gzip(raw)?;
                fs::write(dir.join(format!("p/{p}/{h}.bin")), &gz)?;
                stats.add_file(gz.len());
                heavy_sizes[h][p] = gz.len();
            }
        }
    }
    for (d, (medium_skip, heavy_skips, body)) in dicts.into_iter().enumerate() {
        let (m, h) = (d & (medium_shards - 1), d & (heavy_shards - 1));
        let mut raw = Vec::with_capacity(body.len() + 8 + 6 * partitions);
        put_varint(&mut raw, medium_sizes[m] as u64);
        put_varint(&mut raw, medium_skip);
        for p in 0..partitions {
            put_varint(&mut raw, heavy_sizes[h][p] as u64);
            put_varint(&mut raw, heavy_skips[p]);
        }
        raw.extend_from_slice(&body);
        let gz = gzip(&raw)?;
        fs::write(dir.join(format!("d/{d}.bin")), &gz)?;
        stats.add_file(gz.len());
    }
    Ok(Params {
        partitions,
        dict_shards,
        medium_shards,
        heavy_shards,
        heavy_min,
        solo_min,
    })
}

#[cfg(test)]
mod tests {
    //! The index is read back by a reader that follows `static/search.js` and by `search.js`
    //! itself under Node, and both are compared with `schema::search` applied to every entry.

    use std::collections::BTreeSet;
    use std::io::Read as _;
    use std::path::{Path, PathBuf};
    use std::process::Command;

    use schema::search::{organization_matches, query_terms, texts_match, uscc_prefix};
    use serde::Deserialize;

    use super::*;

    fn repo_root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    }

    fn say(msg: &str) {
        let _ = writeln!(std::io::stderr().lock(), "{msg}");
    }

    /// A tiny CSV reader (quoted fields, doubled quotes, newlines inside quotes): `f` sees
    /// every row.
    fn csv_rows(text: &str, mut f: impl FnMut(&[String])) {
        let mut row: Vec<String> = Vec::new();
        let mut field = String::new();
        let mut quoted = false;
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match (quoted, c) {
                (true, '"') if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                (true, '"') => quoted = false,
                (true, c) => field.push(c),
                (false, '"') => quoted = true,
                (false, ',') => row.push(std::mem::take(&mut field)),
                (false, '\n') => {
                    row.push(std::mem::take(&mut field));
                    f(&row);
                    row.clear();
                }
                (false, '\r') => {}
                (false, c) => field.push(c),
            }
        }
        if !field.is_empty() || !row.is_empty() {
            row.push(field);
            f(&row);
        }
    }

    /// (code, name) of a CSV with a header naming them.
    fn csv_orgs(text: &str) -> Vec<(String, String)> {
        let mut cols: Option<(usize, usize)> = None;
        let mut out = Vec::new();
        csv_rows(text.trim_start_matches('\u{feff}'), |row| match cols {
            None => {
                let col = |names: &[&str]| {
                    row.iter()
                        .position(|h| names.contains(&h.as_str()))
                        .expect("a column")
                };
                cols = Some((col(&["统一社会信用代码"]), col(&["社会组织名称", "名称"])));
            }
            Some((u, n)) if row.len() > u.max(n) => out.push((row[u].clone(), row[n].clone())),
            Some(_) => {}
        });
        out
    }

    /// The judged fixture of the server search (names with traps), then synthetic organizations
    /// made of a few dozen words, with valid credit codes; every 50th has a link of its own.
    fn entries(n: usize) -> Vec<OrgEntry> {
        let fixture =
            std::fs::read_to_string(repo_root().join("tests/fixtures/search/organizations.csv"))
                .expect("the search fixture");
        let mut out: Vec<OrgEntry> = csv_orgs(&fixture)
            .into_iter()
            .map(|(uscc, name)| OrgEntry {
                href: crate::org_href(&uscc),
                uscc,
                name,
            })
            .collect();
        let regions = [
            ("110000", "北京市"),
            ("430700", "常德市"),
            ("430702", "常德市武陵区"),
            ("510100", "成都市"),
            ("440304", "深圳市福田区"),
            ("320500", "苏州市"),
            ("530100", "昆明市"),
            ("610100", "西安市"),
            ("100000", "中国"),
        ];
        let words = [
            "阳光",
            "夕阳",
            "红",
            "爱心",
            "慈善",
            "康复",
            "养老",
            "儿童",
            "青少年",
            "志愿",
            "社会",
            "工作",
            "服务",
            "文化",
            "体育",
            "书法",
            "老年",
            "妇女",
            "残疾人",
            "教育",
            "科技",
            "环保",
            "救助",
            "扶贫",
            "乡村",
            "民俗",
            "音乐",
            "舞蹈",
            "美术",
            "棋类",
            "摄影",
            "钓鱼",
            "茶",
            "医学",
            "健康",
            "心理",
            "法律",
            "家政",
            "商贸",
            "电子",
        ];
        let odd = [
            "NGO",
            "ＮＧＯ",
            "5A级",
            "IT",
            "Bingo",
            "android",
            "慈、善",
            "abcdefghijklmnopq",
            "社会组织联合会工作站",
            "12349",
            "3D打印",
            "（筹）",
            "𠀋𠀌",
            "〇",
        ];
        let suffixes = [
            ("51", "协会"),
            ("51", "促进会"),
            ("51", "研究会"),
            ("52", "服务中心"),
            ("52", "幼儿园"),
            ("53", "基金会"),
        ];
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |m: usize| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % m as u64) as usize
        };
        let mut seen: BTreeSet<String> = out.iter().map(|e| e.name.clone()).collect();
        let mut i = 0u32;
        while out.len() < n {
            i += 1;
            let (code, place) = regions[next(regions.len())];
            let (prefix, suffix) = suffixes[next(suffixes.len())];
            let mut name = place.to_string();
            for _ in 0..1 + next(3) {
                name.push_str(words[next(words.len())]);
            }
            if next(40) == 0 {
                name.push_str(odd[next(odd.len())]);
            }
            name.push_str(suffix);
            if !seen.insert(name.clone()) {
                continue;
            }
            let body = format!("MX{:06}", i);
            let uscc = schema::uscc::compose(prefix, code, &body).expect("a valid code");
            let href = if i.is_multiple_of(50) {
                format!("org/special-{i}.html")
            } else {
                crate::org_href(&uscc)
            };
            out.push(OrgEntry { uscc, name, href });
        }
        out.sort_by(|a, b| a.uscc.cmp(&b.uscc));
        out
    }

    /// Queries: the judged set of the server search, and more of every kind.
    fn queries(orgs: &[OrgEntry]) -> Vec<String> {
        let text = std::fs::read_to_string(repo_root().join("tests/fixtures/search/queries.json"))
            .expect("queries.json");
        let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        let mut out: Vec<String> = v
            .as_array()
            .expect("an array")
            .iter()
            .filter_map(|q| q["q"].as_str().map(str::to_string))
            .collect();
        let mid = &orgs[orgs.len() / 2];
        out.extend(
            [
                "阳光",
                "夕阳红",
                "北京市 协会",
                "常德 养老",
                "服务中心",
                "书法 钓鱼",
                "abcdefghijklmnopq",
                "abcdefghijklmn",
                "abc",
                "3d",
                "5A 级",
                "慈 善",
                "慈",
                "a",
                "5111",
                "社会 协会 服务",
                "𠀋𠀌",
                "𠀌协会",
                "基金会",
                "协会",
                "会",
            ]
            .map(str::to_string),
        );
        out.push(mid.name.clone());
        out.push(mid.uscc.clone());
        out.push(mid.uscc[..8].to_string());
        out.push(mid.uscc[..10].to_lowercase());
        out.push(format!("{} {}", &mid.uscc[..6], "协会"));
        out
    }

    fn brute(orgs: &[OrgEntry], q: &str) -> Vec<usize> {
        if query_terms(q).is_empty() {
            return Vec::new();
        }
        (0..orgs.len())
            .filter(|&i| organization_matches(&orgs[i].uscc, &orgs[i].name, None, q))
            .collect()
    }

    /// Whether the static search refuses q (as the server does).
    fn refused(q: &str) -> bool {
        let terms = query_terms(q);
        let mut toks = Vec::new();
        lookup_tokens(q, &mut toks);
        !terms.is_empty() && toks.is_empty() && uscc_prefix(q).is_none()
    }

    // ---- a reader that follows search.js ------------------------------------------------------

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct MetaR {
        format: u32,
        records: u64,
        chunk_bits: u32,
        partition_bits: u32,
        partitions: usize,
        dict_shards: usize,
        medium_shards: usize,
        heavy_shards: usize,
        inline_max: u64,
        heavy_min: u64,
        solo_min: u64,
        alnum_prefix_max: usize,
        dir_page: usize,
        dir: Vec<String>,
    }

    struct Bytes<'a> {
        b: &'a [u8],
        i: usize,
    }

    impl Bytes<'_> {
        fn v(&mut self) -> u64 {
            let (mut x, mut shift) = (0u64, 0);
            loop {
                let c = self.b[self.i];
                self.i += 1;
                x |= u64::from(c & 0x7f) << shift;
                if c < 0x80 {
                    return x;
                }
                shift += 7;
            }
        }

        fn gaps(&mut self, n: u64, base: u32) -> Vec<u32> {
            let mut next = base;
            (0..n)
                .map(|_| {
                    let id = next + self.v() as u32;
                    next = id + 1;
                    id
                })
                .collect()
        }
    }

    struct PartR {
        p: usize,
        df: u64,
        /// (k, stored size) of a file of its own, or the ids to skip in the shared file.
        solo: Option<(usize, u64)>,
        skip: u64,
    }

    struct EntryR {
        tok: String,
        df: u64,
        ids: Option<Vec<u32>>,
        /// Ids before this token's list in its medium file.
        medium: Option<u64>,
        parts: Vec<PartR>,
        shard: usize,
    }

    struct Ix {
        dir: PathBuf,
        meta: MetaR,
    }

    fn gunzip(path: &Path) -> Vec<u8> {
        let raw = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(&raw[..2], &[0x1f, 0x8b], "{} is gzip", path.display());
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .expect("inflate");
        out
    }

    impl Ix {
        fn open(dir: &Path) -> Ix {
            let meta: MetaR =
                serde_json::from_slice(&std::fs::read(dir.join("meta.json")).expect("meta"))
                    .expect("meta.json");
            assert_eq!(meta.format, FORMAT);
            Ix {
                dir: dir.to_path_buf(),
                meta,
            }
        }

        fn dict(&self, d: usize) -> Vec<EntryR> {
            let raw = gunzip(&self.dir.join(format!("d/{d}.bin")));
            let mut r = Bytes { b: &raw, i: 0 };
            let m = &self.meta;
            let (_, mut medium_at) = (r.v(), r.v());
            let files: Vec<(u64, u64)> = (0..m.partitions).map(|_| (r.v(), r.v())).collect();
            let mut offset = vec![0u64; m.partitions];
            let mut solo = vec![0usize; m.partitions];
            let mut out = Vec::new();
            for _ in 0..r.v() {
                let len = r.v() as usize;
                let tok = String::from_utf8(r.b[r.i..r.i + len].to_vec()).expect("UTF-8");
                r.i += len;
                let df = r.v();
                let mut e = EntryR {
                    tok,
                    df,
                    ids: None,
                    medium: None,
                    parts: Vec::new(),
                    shard: d,
                };
                if df <= m.inline_max {
                    e.ids = Some(r.gaps(df, 0));
                } else if df < m.heavy_min {
                    e.medium = Some(medium_at);
                    medium_at += df;
                    let mut p = 0usize;
                    for _ in 0..r.v() {
                        p += r.v() as usize;
                        e.parts.push(PartR {
                            p,
                            df: r.v(),
                            solo: None,
                            skip: 0,
                        });
                        p += 1;
                    }
                } else {
                    let mut p = 0usize;
                    for _ in 0..r.v() {
                        p += r.v() as usize;
                        let c = r.v();
                        if c >= m.solo_min {
                            e.parts.push(PartR {
                                p,
                                df: c,
                                solo: Some((solo[p], r.v())),
                                skip: 0,
                            });
                            solo[p] += 1;
                        } else {
                            e.parts.push(PartR {
                                p,
                                df: c,
                                solo: None,
                                skip: files[p].1 + offset[p],
                            });
                            offset[p] += c;
                        }
                        p += 1;
                    }
                }
                out.push(e);
            }
            assert_eq!(r.i, raw.len(), "dictionary {d} read to its end");
            out
        }

        fn lookup(&self, tok: &str) -> Option<EntryR> {
            let d = fnv1a32(tok) as usize & (self.meta.dict_shards - 1);
            self.dict(d).into_iter().find(|e| e.tok == tok)
        }

        fn ids_in(&self, e: &EntryR, p: usize) -> Vec<u32> {
            if let Some(ids) = &e.ids {
                return ids
                    .iter()
                    .copied()
                    .filter(|&id| (id >> self.meta.partition_bits) as usize == p)
                    .collect();
            }
            let Some(x) = e.parts.iter().find(|x| x.p == p) else {
                return Vec::new();
            };
            if let Some(skip) = e.medium {
                let m = e.shard & (self.meta.medium_shards - 1);
                let raw = gunzip(&self.dir.join(format!("m/{m}.bin")));
                let mut r = Bytes { b: &raw, i: 0 };
                for _ in 0..skip {
                    r.v();
                }
                let all = r.gaps(e.df, 0);
                assert_eq!(
                    all.iter()
                        .filter(|&&id| (id >> self.meta.partition_bits) as usize == p)
                        .count() as u64,
                    x.df
                );
                return all
                    .into_iter()
                    .filter(|&id| (id >> self.meta.partition_bits) as usize == p)
                    .collect();
            }
            let base = (p as u32) << self.meta.partition_bits;
            match x.solo {
                Some((k, size)) => {
                    let path = self.dir.join(format!("p/{p}/t{}-{k}.bin", e.shard));
                    assert_eq!(std::fs::metadata(&path).expect("solo file").len(), size);
                    let raw = gunzip(&path);
                    let mut r = Bytes { b: &raw, i: 0 };
                    let ids = r.gaps(x.df, base);
                    assert_eq!(r.i, raw.len());
                    ids
                }
                None => {
                    let s = e.shard & (self.meta.heavy_shards - 1);
                    let raw = gunzip(&self.dir.join(format!("p/{p}/{s}.bin")));
                    let mut r = Bytes { b: &raw, i: 0 };
                    for _ in 0..x.skip {
                        r.v();
                    }
                    r.gaps(x.df, base)
                }
            }
        }

        fn records(&self, c: usize) -> Vec<Vec<String>> {
            serde_json::from_slice(&gunzip(&self.dir.join(format!("r/{c}.bin")))).expect("JSON")
        }

        fn record(&self, id: u32) -> (String, String) {
            let c = (id >> self.meta.chunk_bits) as usize;
            let row = &self.records(c)[id as usize & ((1 << self.meta.chunk_bits) - 1)];
            (row[0].clone(), row[1].clone())
        }

        /// Documents whose code is below `key`, through the directory.
        fn locate(&self, key: &str) -> u32 {
            let below = |list: &[String]| list.partition_point(|x| x.as_str() < key);
            let page = below(&self.meta.dir);
            if page == 0 {
                return 0;
            }
            let page = page - 1;
            let text =
                String::from_utf8(gunzip(&self.dir.join(format!("u/{page}.bin")))).expect("UTF-8");
            let firsts: Vec<String> = text.split('\n').map(str::to_string).collect();
            let c = page * self.meta.dir_page + below(&firsts) - 1;
            let codes: Vec<String> = self.records(c).into_iter().map(|r| r[0].clone()).collect();
            ((c << self.meta.chunk_bits) + below(&codes)) as u32
        }

        /// Every match of q (all partitions), as search.js finds them when it pages to the end,
        /// but with every token of the query (search.js may look up fewer).
        fn search(&self, q: &str) -> Vec<u32> {
            let terms = query_terms(q);
            if terms.is_empty() || self.meta.records == 0 {
                return Vec::new();
            }
            let mut toks: Vec<String> = Vec::new();
            for t in &terms {
                match t.kind {
                    RunKind::Han => toks.extend(t.bigrams()),
                    RunKind::Alnum => toks
                        .push(t.text[..t.text.len().min(self.meta.alnum_prefix_max)].to_string()),
                }
            }
            let entries: Vec<Option<EntryR>> = toks.iter().map(|t| self.lookup(t)).collect();
            let name_ok = !entries.is_empty() && entries.iter().all(Option::is_some);
            let entries: Vec<EntryR> = entries.into_iter().flatten().collect();
            let range = uscc_prefix(q).map(|p| (self.locate(&p), self.locate(&format!("{p}~"))));
            let mut out = Vec::new();
            for p in 0..self.meta.partitions {
                let mut cands: BTreeSet<u32> = BTreeSet::new();
                if name_ok {
                    let mut it = entries.iter();
                    if let Some(first) = it.next() {
                        cands = self.ids_in(first, p).into_iter().collect();
                        for e in it {
                            let ids: BTreeSet<u32> = self.ids_in(e, p).into_iter().collect();
                            cands = cands.intersection(&ids).copied().collect();
                        }
                    }
                }
                if let Some((lo, hi)) = range {
                    let base = (p as u32) << self.meta.partition_bits;
                    let end = base + (1 << self.meta.partition_bits);
                    cands.extend(lo.max(base)..hi.min(end));
                }
                for id in cands {
                    let (uscc, name) = self.record(id);
                    if organization_matches(&uscc, &name, None, q) {
                        out.push(id);
                    }
                }
            }
            out
        }
    }

    /// Small partitions, directory pages and solo threshold, so that a few thousand
    /// organizations exercise every kind of file.
    const SMALL: Tuning = Tuning {
        partition_bits: 9,
        dir_page: 4,
        heavy_min: 200,
        solo_min: 64,
    };

    fn build_tuned(orgs: &[OrgEntry], dir: &Path, tuning: Tuning) -> IndexStats {
        let mut ix = RegistryIndex::new();
        ix.tuning = tuning;
        for e in orgs {
            ix.add(e.clone());
        }
        ix.write(dir).expect("write the index")
    }

    /// Every file under dir, with its bytes, by relative path.
    fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
        fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
            for e in std::fs::read_dir(dir).expect("read_dir") {
                let path = e.expect("entry").path();
                if path.is_dir() {
                    walk(root, &path, out);
                } else {
                    let rel = path
                        .strip_prefix(root)
                        .expect("under root")
                        .to_string_lossy()
                        .into_owned();
                    out.insert(rel, std::fs::read(&path).expect("read"));
                }
            }
        }
        let mut out = BTreeMap::new();
        walk(dir, dir, &mut out);
        out
    }

    #[test]
    fn lookup_tokens_are_bigrams_and_ascii_prefixes() {
        let mut t = Vec::new();
        lookup_tokens("ＮＧＯ发展中心、慈", &mut t);
        assert_eq!(t, ["n", "ng", "ngo", "中心", "发展", "展中"]);
        lookup_tokens("abcdefghijklmnopq", &mut t);
        assert_eq!(t.len(), ALNUM_PREFIX_MAX);
        assert_eq!(t.last().map(String::as_str), Some("abcdefghijkl"));
    }

    #[test]
    fn every_token_of_every_name_is_in_the_index() {
        every_token_is_indexed(Tuning::default());
        every_token_is_indexed(SMALL);
    }

    fn every_token_is_indexed(tuning: Tuning) {
        let orgs = entries(3000);
        let tmp = tempfile::tempdir().expect("tempdir");
        let stats = build_tuned(&orgs, tmp.path(), tuning);
        assert_eq!(stats.records, orgs.len() as u64);
        let on_disk = files(tmp.path());
        assert_eq!(stats.files, on_disk.len() as u64);
        assert_eq!(
            stats.bytes,
            on_disk.values().map(|b| b.len() as u64).sum::<u64>()
        );
        let ix = Ix::open(tmp.path());
        let mut expected: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        let mut toks = Vec::new();
        for (i, e) in orgs.iter().enumerate() {
            lookup_tokens(&e.name, &mut toks);
            for t in &toks {
                expected.entry(t.clone()).or_default().push(i as u32);
            }
        }
        let mut seen = 0;
        for d in 0..ix.meta.dict_shards {
            for e in ix.dict(d) {
                assert_eq!(fnv1a32(&e.tok) as usize & (ix.meta.dict_shards - 1), d);
                let mut ids = Vec::new();
                for p in 0..ix.meta.partitions {
                    ids.extend(ix.ids_in(&e, p));
                }
                assert_eq!(e.df, ids.len() as u64, "{}", e.tok);
                assert_eq!(Some(&ids), expected.get(&e.tok), "postings of {}", e.tok);
                seen += 1;
            }
        }
        assert_eq!(seen, expected.len());
        // Records in order, with the links that differ from the default.
        for (i, e) in orgs.iter().enumerate() {
            let row = &ix.records(i >> CHUNK_BITS)[i & ((1 << CHUNK_BITS) - 1)];
            assert_eq!((&row[0], &row[1]), (&e.uscc, &e.name));
            let href = row
                .get(2)
                .cloned()
                .unwrap_or_else(|| crate::org_href(&row[0]));
            assert_eq!(href, e.href);
        }
    }

    #[test]
    fn the_reader_finds_what_schema_search_finds() {
        reader_finds_what_schema_finds(Tuning::default());
        reader_finds_what_schema_finds(SMALL);
    }

    fn reader_finds_what_schema_finds(tuning: Tuning) {
        let orgs = entries(4000);
        let tmp = tempfile::tempdir().expect("tempdir");
        let stats = build_tuned(&orgs, tmp.path(), tuning);
        let ix = Ix::open(tmp.path());
        if tuning.partition_bits < PARTITION_BITS {
            assert!(ix.meta.partitions >= 8 && ix.meta.dir.len() >= 8);
            let all = files(tmp.path());
            let count = |f: &dyn Fn(&str) -> bool| all.keys().filter(|k| f(k)).count();
            let solo = count(&|k| k.starts_with("p/") && k.contains("/t"));
            let shared = count(&|k| k.starts_with("p/") && !k.contains("/t"));
            let medium = count(&|k| k.starts_with("m/"));
            assert!(
                solo > 10 && shared >= 4 && medium > 1,
                "files of every kind: {solo} solo, {shared} shared heavy, {medium} medium"
            );
        }
        say(&format!("{tuning:?}: {stats:?}"));
        let mut nonempty = 0;
        for q in queries(&orgs) {
            if refused(&q) {
                continue;
            }
            let want: Vec<u32> = brute(&orgs, &q).into_iter().map(|i| i as u32).collect();
            nonempty += usize::from(!want.is_empty());
            assert_eq!(ix.search(&q), want, "query {q:?}");
        }
        assert!(nonempty >= 30, "{nonempty} queries with matches");
    }

    #[test]
    fn the_bytes_depend_on_the_entries_only() {
        let orgs = entries(1500);
        let (a, b) = (
            tempfile::tempdir().expect("tempdir"),
            tempfile::tempdir().expect("tempdir"),
        );
        build_tuned(&orgs, a.path(), SMALL);
        // Added in another order: sorted by the writer.
        let mut shuffled = orgs.clone();
        shuffled.reverse();
        shuffled.swap(3, 700);
        build_tuned(&shuffled, b.path(), SMALL);
        let (fa, fb) = (files(a.path()), files(b.path()));
        assert_eq!(fa.keys().collect::<Vec<_>>(), fb.keys().collect::<Vec<_>>());
        for (k, v) in &fa {
            assert!(
                fb.get(k) == Some(v),
                "{k}: the same entries give the same bytes"
            );
        }
        // Written twice into the same folder: the same files.
        build_tuned(&orgs, a.path(), SMALL);
        assert!(files(a.path()) == fa);
    }

    #[test]
    fn an_empty_registry_has_an_index_too() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let stats = build_tuned(&[], tmp.path(), Tuning::default());
        assert_eq!(stats.records, 0);
        let ix = Ix::open(tmp.path());
        assert!(ix.search("协会").is_empty());
    }

    #[test]
    fn dataset_index_has_one_file_per_language() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let e = |lang: &str, title: &str| DatasetEntry {
            lang: lang.into(),
            href: format!("{lang}/datasets/x/index.html"),
            title: title.into(),
            description: String::new(),
            fields: vec!["名称".into()],
            keywords: vec![],
        };
        let stats = write_dataset_index(&[e("zh-Hans", "救助"), e("en", "Relief")], tmp.path())
            .expect("write");
        assert_eq!((stats.files, stats.records), (2, 2));
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(tmp.path().join("en.json")).expect("en.json"))
                .expect("JSON");
        assert_eq!(v[0]["title"], "Relief");
        assert!(write_dataset_index(&[e("../x", "t")], tmp.path()).is_err());
    }

    // ---- search.js under Node --------------------------------------------------------------------

    /// Runs `search.js` over a site folder: for each query, the first page (cold cache) and
    /// then, in mode "all", every page to the end. Prints one JSON array.
    const DRIVER: &str = r#"
import { readFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";
const [module, site, queriesFile, lang, mode] = process.argv.slice(2);
const { createSearch } = await import(pathToFileURL(module).href);
const get = async (url) => {
  try { return new Response(await readFile(url)); }
  catch { return new Response(null, { status: 404 }); }
};
const s = createSearch({ root: site + "/", lang, fetch: get });
const out = [];
for (const q of JSON.parse(await readFile(queriesFile, "utf8"))) {
  s.reset();
  const t0 = performance.now();
  const first = await s.query(q);
  const ms = performance.now() - t0;
  const all = first.registry.slice();
  let last = first;
  const pages = [{ bytes: first.bytes, requests: first.requests }];
  while (mode === "all" && last.more) {
    last = await s.more();
    all.push(...last.registry);
    pages.push({ bytes: last.bytes, requests: last.requests });
  }
  out.push({
    q, error: first.error, datasets: first.datasets.map((d) => d.href),
    first: { n: first.registry.length, total: first.total, exact: first.exact, more: first.more,
             bytes: first.bytes, requests: first.requests, ms },
    last: { total: last.total, exact: last.exact, more: last.more },
    pages, all: all.map((o) => [o.uscc, o.name, o.href]),
  });
}
process.stdout.write(JSON.stringify(out));
"#;

    #[derive(Deserialize, Debug)]
    struct FirstPage {
        n: usize,
        total: u64,
        exact: bool,
        more: bool,
        bytes: u64,
        requests: u64,
        ms: f64,
    }

    #[derive(Deserialize, Debug)]
    struct LastPage {
        total: u64,
        exact: bool,
        more: bool,
    }

    #[derive(Deserialize, Debug)]
    struct NodeResult {
        q: String,
        error: Option<String>,
        datasets: Vec<String>,
        first: FirstPage,
        last: LastPage,
        pages: Vec<serde_json::Value>,
        all: Vec<(String, String, String)>,
    }

    /// `search.js` run by Node over `site` for `queries`, or None without Node.
    fn node(site: &Path, queries: &[String], lang: &str, mode: &str) -> Option<Vec<NodeResult>> {
        let tmp = tempfile::tempdir().expect("tempdir");
        let driver = tmp.path().join("driver.mjs");
        std::fs::write(&driver, DRIVER).expect("driver");
        let qfile = tmp.path().join("queries.json");
        std::fs::write(&qfile, serde_json::to_vec(queries).expect("JSON")).expect("queries");
        let module = Path::new(env!("CARGO_MANIFEST_DIR")).join("static/search.js");
        let out = match Command::new("node")
            .arg(&driver)
            .arg(&module)
            .arg(site)
            .arg(&qfile)
            .arg(lang)
            .arg(mode)
            .output()
        {
            Ok(out) => out,
            Err(_) => {
                say("SKIPPED (node not found): search.js was not run");
                return None;
            }
        };
        assert!(
            out.status.success(),
            "node failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        Some(serde_json::from_slice(&out.stdout).expect("the driver's JSON"))
    }

    #[test]
    fn search_js_carries_the_reference_verbatim() {
        let doc = std::fs::read_to_string(repo_root().join("docs/search.md")).expect("search.md");
        let start = doc.find("```js\n").expect("the reference block") + 6;
        let end = start + doc[start..].find("```").expect("its end");
        let js =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("static/search.js"))
                .expect("search.js");
        assert!(
            js.contains(&doc[start..end]),
            "search.js must copy docs/search.md verbatim"
        );
    }

    #[test]
    fn search_js_finds_what_schema_search_finds() {
        search_js_finds(Tuning::default());
        search_js_finds(SMALL);
    }

    fn search_js_finds(tuning: Tuning) {
        let orgs = entries(4000);
        let site = tempfile::tempdir().expect("tempdir");
        build_tuned(&orgs, &site.path().join("search/registry"), tuning);
        let datasets = [
            DatasetEntry {
                lang: "zh-Hans".into(),
                href: "datasets/registry/index.html".into(),
                title: "社会组织登记信息".into(),
                description: "全国社会组织的登记、年检、评估与处罚".into(),
                fields: vec![
                    "统一社会信用代码".into(),
                    "uscc".into(),
                    "社会组织名称".into(),
                ],
                keywords: vec!["社会组织".into(), "慈善".into()],
            },
            DatasetEntry {
                lang: "zh-Hans".into(),
                href: "datasets/relief/index.html".into(),
                title: "社会救助统计".into(),
                description: "城乡低保、特困供养、临时救助".into(),
                fields: vec!["地区代码".into()],
                keywords: vec!["低保".into()],
            },
        ];
        write_dataset_index(&datasets, &site.path().join("search/datasets")).expect("datasets");
        let qs = queries(&orgs);
        let Some(results) = node(site.path(), &qs, "zh-Hans", "all") else {
            return;
        };
        assert_eq!(results.len(), qs.len());
        for r in &results {
            let q = r.q.as_str();
            let want_ds: Vec<String> = datasets
                .iter()
                .filter(|d| {
                    let mut texts = vec![d.title.as_str(), d.description.as_str()];
                    texts.extend(d.fields.iter().map(String::as_str));
                    texts.extend(d.keywords.iter().map(String::as_str));
                    !query_terms(q).is_empty() && texts_match(&texts, q)
                })
                .map(|d| d.href.clone())
                .collect();
            assert_eq!(r.datasets, want_ds, "datasets for {q:?}");
            if refused(q) {
                assert_eq!(r.error.as_deref(), Some("tooShort"), "{q:?}");
                continue;
            }
            assert_eq!(r.error, None, "{q:?}");
            let want = brute(&orgs, q);
            let got: Vec<(String, String, String)> = want
                .iter()
                .map(|&i| {
                    (
                        orgs[i].uscc.clone(),
                        orgs[i].name.clone(),
                        orgs[i].href.clone(),
                    )
                })
                .collect();
            assert_eq!(r.all, got, "registry matches of {q:?}");
            assert_eq!(r.first.n, want.len().min(10), "{q:?}");
            assert!(r.first.bytes > 0 && r.first.requests > 0, "{q:?}");
            if r.first.exact {
                assert_eq!(
                    r.first.total,
                    want.len() as u64,
                    "exact first total of {q:?}"
                );
            } else {
                assert!(r.first.total <= want.len() as u64, "at least, for {q:?}");
                assert!(r.first.more, "{q:?}: not exact, so more");
            }
            assert!(r.last.exact && !r.last.more, "{q:?} paged to its end");
            assert_eq!(r.last.total, want.len() as u64, "final total of {q:?}");
            let _ = &r.pages;
            let _ = r.first.ms;
        }
    }

    /// The figures of `docs/search.md` ("In the static catalog"): the index of the national
    /// synthetic registry (or of `GONGKAI_ORGS_CSV`, an `organizations.csv`), its files, bytes and
    /// writing time, and what typical queries fetch with a cold cache. Run it optimized:
    /// `cargo test --workspace --lib --config 'profile.dev.package.catalog.opt-level=3'
    /// --config 'profile.dev.package.schema.opt-level=3' -- --ignored national --nocapture`.
    #[test]
    #[ignore = "national scale: 1,000,000 organizations, a few minutes"]
    fn national_scale_figures() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let csv = match std::env::var_os("GONGKAI_ORGS_CSV") {
            Some(p) => PathBuf::from(p),
            None => {
                let t = std::time::Instant::now();
                schema::synthetic::generate(
                    schema::synthetic::Scale::National,
                    1,
                    tmp.path(),
                    &|_, _| {},
                )
                .expect("generate");
                say(&format!("generated in {:.1} s", t.elapsed().as_secs_f64()));
                tmp.path().join("registry/organizations.csv")
            }
        };
        let text = std::fs::read_to_string(&csv).expect("organizations.csv");
        let mut orgs: Vec<OrgEntry> = csv_orgs(&text)
            .into_iter()
            .map(|(uscc, name)| OrgEntry {
                href: crate::org_href(&uscc),
                uscc,
                name,
            })
            .collect();
        drop(text);
        orgs.sort_by(|a, b| a.uscc.cmp(&b.uscc));
        let n = orgs.len();
        // GONGKAI_SEARCH_SITE keeps the index there (e.g. for a browser benchmark).
        let site = std::env::var_os("GONGKAI_SEARCH_SITE")
            .map(PathBuf::from)
            .unwrap_or_else(|| tmp.path().join("site"));
        let dir = site.join("search/registry");
        let entries = orgs.clone();
        let t = std::time::Instant::now();
        let mut ix = RegistryIndex::new();
        for e in entries {
            ix.add(e);
        }
        let stats = ix.write(&dir).expect("write");
        let secs = t.elapsed().as_secs_f64();
        let meta: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("meta.json")).expect("meta"))
                .expect("JSON");
        say(&format!(
            "{n} organizations: {} files, {:.1} MB, written in {secs:.1} s\nmeta: {meta}",
            stats.files,
            stats.bytes as f64 / 1e6
        ));
        let all = files(&dir);
        let mut kinds: BTreeMap<&str, (u64, u64, usize)> = BTreeMap::new();
        for (path, bytes) in &all {
            let kind = match path.split('/').next() {
                Some("p") if path.rsplit('/').next().is_some_and(|f| f.starts_with('t')) => {
                    "p (frequent tokens)"
                }
                Some("p") => "p (shared)",
                Some(k) => k,
                None => "?",
            };
            let e = kinds.entry(kind).or_default();
            e.0 += 1;
            e.1 += bytes.len() as u64;
            e.2 = e.2.max(bytes.len());
        }
        for (kind, (files, bytes, max)) in &kinds {
            say(&format!(
                "  {kind}: {files} files, {:.2} MB, mean {} B, largest {max} B",
                *bytes as f64 / 1e6,
                bytes / files
            ));
        }

        let pick = |k: usize| &orgs[k.min(n - 1)];
        let kinds: Vec<(&str, String)> = vec![
            ("full name", pick(n / 2).name.clone()),
            ("full name", pick(n / 7).name.clone()),
            ("partial name (2)", "嘉心".into()),
            ("partial name (3)", "夕阳红".into()),
            ("partial name (4)", "长青艺术".into()),
            ("common word", "养老".into()),
            ("common word", "阳光".into()),
            ("common word", "协会".into()),
            ("common word", "服务".into()),
            ("common word", "幼儿园".into()),
            ("common phrase", "社会工作服务中心".into()),
            ("region + type", "常德 协会".into()),
            ("region + type", "北京市 协会".into()),
            ("region + type", "鸡西市 幼儿园".into()),
            ("region + word", "常德 慈善".into()),
            ("two words", "老年 协会".into()),
            ("two words", "体育 俱乐部".into()),
            ("two common words, rare together", "协会 中心".into()),
            ("credit-code prefix (8)", pick(n / 3).uscc[..8].to_string()),
            ("credit code", pick(n / 3).uscc.clone()),
            (
                "credit-code prefix (12), lower case",
                orgs[n / 5..]
                    .iter()
                    .map(|o| o.uscc[..12].to_lowercase())
                    .find(|p| p.bytes().any(|b| b.is_ascii_lowercase()))
                    .unwrap_or_default(),
            ),
            ("no match", "区块链".into()),
            ("no match", "xyz123".into()),
            ("traditional characters", "慈善總會".into()),
        ];
        let qs: Vec<String> = kinds.iter().map(|k| k.1.clone()).collect();
        let Some(results) = node(&site, &qs, "zh-Hans", "first") else {
            return;
        };
        say("| query | kind | shown | total | bytes | requests |");
        say("| --- | --- | ---: | ---: | ---: | ---: |");
        let mut worst = 0;
        for (r, (kind, _)) in results.iter().zip(&kinds) {
            let want = brute(&orgs, &r.q);
            let f = &r.first;
            say(&format!(
                "| `{}` | {kind} | {} | {}{} | {} | {} |",
                r.q,
                f.n,
                if f.exact { "" } else { "≥ " },
                f.total,
                f.bytes,
                f.requests,
            ));
            let got: Vec<&str> = r.all.iter().map(|o| o.0.as_str()).collect();
            let first: Vec<&str> = want
                .iter()
                .take(10)
                .map(|&i| orgs[i].uscc.as_str())
                .collect();
            assert_eq!(got, first, "first page of {:?}", r.q);
            if f.exact {
                assert_eq!(f.total, want.len() as u64, "total of {:?}", r.q);
            } else {
                assert!(f.total <= want.len() as u64 && f.more, "{:?}", r.q);
            }
            worst = worst.max(f.bytes);
        }
        assert!(worst <= 200_000, "a query fetched {worst} bytes");
    }
}
