//! Checksums and signatures for a built catalog.
//!
//! A catalog folder carries two files at its top level:
//!
//! * `SHA256SUMS`: one line per regular file in the folder (every sub-folder included, these
//!   two files excluded), in exactly the text format GNU `sha256sum` writes and reads:
//!   64 lowercase hex digits, two spaces, the path relative to the folder with `/` between
//!   components, `\n`. Lines are sorted by the bytes of the path. `cd DIR && sha256sum -c
//!   SHA256SUMS` checks the folder without gongkai.
//! * `SHA256SUMS.sig`: the raw 64-byte Ed25519 signature over the exact bytes of `SHA256SUMS`
//!   (no encoding, no header). `openssl pkeyutl -verify -pubin -inkey PUB.pem -rawin -in
//!   SHA256SUMS -sigfile SHA256SUMS.sig` checks it without gongkai.
//!
//! Keys are stored as PEM (RFC 8410): the secret key as unencrypted PKCS#8 v1
//! (`-----BEGIN PRIVATE KEY-----`, file mode 0600), the public key as SubjectPublicKeyInfo
//! (`-----BEGIN PUBLIC KEY-----`), the formats `openssl pkey` reads and writes.
//!
//! [`write_sums`] and [`sign`] run at the end of `gongkai catalog build`; [`keygen`] backs
//! `gongkai catalog keygen`; [`verify`] backs `gongkai catalog verify DIR --key PUB`, which
//! reports every changed, missing or extra file and whether the signature holds.
//!
//! Everything here is deterministic: the same folder gives a byte-identical `SHA256SUMS`, and
//! the same key gives a byte-identical `SHA256SUMS.sig` (Ed25519 signatures are deterministic).

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::spki::der::zeroize::Zeroizing;
use ed25519_dalek::pkcs8::{
    DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, KeypairBytes,
};
use ed25519_dalek::{SIGNATURE_LENGTH, Signature, Signer, SigningKey, VerifyingKey};
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Name of the checksum list at the top of a catalog folder.
pub const SUMS_FILE: &str = "SHA256SUMS";

/// Name of the detached signature of [`SUMS_FILE`], next to it.
pub const SIG_FILE: &str = "SHA256SUMS.sig";

/// Size of the read buffer each hashing worker reuses.
const HASH_BUFFER: usize = 256 * 1024;

/// Most threads that hash at once (the work is a mix of disk reads and SHA-256).
const MAX_WORKERS: usize = 4;

/// What can go wrong while writing, signing or verifying checksums, or handling keys.
///
/// Every variant names the file concerned; a *difference* between the folder and its
/// `SHA256SUMS` is not an error but part of the [`VerifyReport`].
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// Reading or writing a file or folder failed.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What was being done, e.g. "read" or "create".
        action: &'static str,
        /// The file or folder concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// The path given as the catalog folder is not a folder.
    #[error("{} is not a directory", path.display())]
    NotADirectory {
        /// The path given.
        path: PathBuf,
    },
    /// A symbolic link inside the folder: `SHA256SUMS` lists regular files only, and
    /// following the link could leave the folder or loop.
    #[error(
        "{} is a symbolic link; a catalog may hold only regular files and folders \
         (replace the link with a copy of what it points to)",
        path.display()
    )]
    Symlink {
        /// The link.
        path: PathBuf,
    },
    /// Something inside the folder that is neither a regular file, a folder nor a link
    /// (a FIFO, socket or device).
    #[error("{} is not a regular file or directory; a catalog may hold only those", path.display())]
    NotRegular {
        /// The odd entry.
        path: PathBuf,
    },
    /// A file name that `SHA256SUMS` cannot carry unescaped.
    #[error("{path:?}: a name in this path {reason}, which SHA256SUMS cannot list; rename it")]
    UnsupportedName {
        /// The file or folder with that name.
        path: PathBuf,
        /// What is wrong with the name, e.g. "contains a backslash".
        reason: &'static str,
    },
    /// A `SHA256SUMS` line that is not `<64 lowercase hex>  <relative path>`.
    #[error("{} line {line}: {reason}", path.display())]
    MalformedSums {
        /// The `SHA256SUMS` file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong with the line.
        reason: String,
    },
    /// `keygen` would overwrite an existing file.
    #[error("{} already exists; refusing to overwrite it (move it away first)", path.display())]
    KeyExists {
        /// The existing file.
        path: PathBuf,
    },
    /// A key file that could not be read as the expected kind of key, or a key that could not
    /// be encoded.
    #[error("{}: {reason}", path.display())]
    Key {
        /// The key file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

impl VerifyError {
    fn io(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        Self::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

/// What [`write_sums`] listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SumsSummary {
    /// Number of files (lines) in `SHA256SUMS`.
    pub files: u64,
    /// Total size of those files in bytes.
    pub bytes: u64,
}

/// The outcome of [`verify`]: whether the signature holds, and every file that differs from
/// `SHA256SUMS`.
///
/// Paths are relative to the folder, with `/` between components, each list sorted. When the
/// signature is not valid the listed hashes cannot be trusted (anyone could have rewritten
/// them), so the differences are still reported but [`VerifyReport::is_ok`] is false.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// Whether `SHA256SUMS.sig` is a valid signature of `SHA256SUMS` under the given key.
    pub signature_valid: bool,
    /// Why the signature is not valid (a missing file, a wrong length, a mismatch); `None`
    /// when it is valid.
    pub signature_problem: Option<String>,
    /// Number of files listed in `SHA256SUMS` (each one was hashed or found missing).
    pub files_checked: u64,
    /// Listed files whose content no longer matches their hash (or that are no longer a
    /// regular file).
    pub changed: Vec<String>,
    /// Listed files that are not in the folder.
    pub missing: Vec<String>,
    /// Files (or links and other entries) in the folder that `SHA256SUMS` does not list.
    pub extra: Vec<String>,
}

impl VerifyReport {
    /// True when the signature is valid and the folder matches `SHA256SUMS` exactly.
    pub fn is_ok(&self) -> bool {
        self.signature_valid
            && self.changed.is_empty()
            && self.missing.is_empty()
            && self.extra.is_empty()
    }
}

impl fmt::Display for VerifyReport {
    /// One line per problem (`signature: …`, `changed: PATH`, `missing: PATH`, `extra: PATH`),
    /// then a one-line verdict starting with `OK:` or `FAILED:`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.signature_valid {
            let why = self
                .signature_problem
                .as_deref()
                .unwrap_or("the signature is not valid");
            writeln!(f, "signature: {why}")?;
        }
        for (label, paths) in [
            ("changed", &self.changed),
            ("missing", &self.missing),
            ("extra", &self.extra),
        ] {
            for path in paths {
                writeln!(f, "{label}: {}", printable(path))?;
            }
        }
        let files = plural(self.files_checked, "file", "files");
        if self.is_ok() {
            return write!(
                f,
                "OK: signature valid, all {files} listed in {SUMS_FILE} match, nothing extra"
            );
        }
        let mut problems = Vec::new();
        if !self.signature_valid {
            problems.push(format!(
                "signature invalid, so the hashes in {SUMS_FILE} cannot be trusted"
            ));
        }
        for (label, paths) in [
            ("changed", &self.changed),
            ("missing", &self.missing),
            ("extra", &self.extra),
        ] {
            if !paths.is_empty() {
                problems.push(format!("{} {label}", paths.len()));
            }
        }
        write!(f, "FAILED: {} ({files} listed)", problems.join(", "))
    }
}

/// `1 file`, `2 files`.
fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A path as one printable line: control characters (which only unlisted extra files can
/// carry) are escaped.
fn printable(path: &str) -> String {
    if path.chars().any(char::is_control) {
        path.chars()
            .flat_map(|c| {
                let escaped: Vec<char> = if c.is_control() {
                    c.escape_default().collect()
                } else {
                    vec![c]
                };
                escaped
            })
            .collect()
    } else {
        path.to_owned()
    }
}

// ---------------------------------------------------------------------------------------------
// Walking the folder
// ---------------------------------------------------------------------------------------------

/// What an entry found by [`walk`] is (folders are descended, not recorded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A regular file.
    File,
    /// A symbolic link (never followed).
    Symlink,
    /// A FIFO, socket or device.
    Other,
}

/// One entry found by [`walk`].
#[derive(Debug)]
struct Found {
    /// Path relative to the folder, `/` between components (lossy if a name is not UTF-8).
    rel: String,
    /// Full path, for error messages and reading.
    path: PathBuf,
    /// Why `rel` cannot appear in `SHA256SUMS`, if it cannot.
    name_problem: Option<NameProblem>,
    kind: Kind,
}

#[derive(Debug, Clone, Copy)]
enum NameProblem {
    NotUtf8,
    Unsupported(&'static str),
}

/// Why a single path component cannot be written into `SHA256SUMS` unescaped, if it cannot.
///
/// GNU `sha256sum` escapes names holding a backslash, a newline or (since coreutils 9) a
/// carriage return, and a checker may strip a trailing `\r`; refusing every control character
/// keeps one line per file and the file `sha256sum -c` compatible.
fn component_problem(name: &str) -> Option<&'static str> {
    if name.contains('\n') {
        Some("contains a newline")
    } else if name.contains('\\') {
        Some("contains a backslash")
    } else if name.chars().any(char::is_control) {
        Some("contains a control character")
    } else {
        None
    }
}

/// Every non-folder entry under `dir`, recursively, without following symbolic links, sorted
/// by the bytes of the relative path. The top-level [`SUMS_FILE`] and [`SIG_FILE`] are left out.
fn walk(dir: &Path) -> Result<Vec<Found>, VerifyError> {
    let meta = fs::metadata(dir).map_err(|e| VerifyError::io("read", dir, e))?;
    if !meta.is_dir() {
        return Err(VerifyError::NotADirectory {
            path: dir.to_path_buf(),
        });
    }
    let mut found = Vec::new();
    // (folder, its relative path prefix ending in '/' or empty, a problem of the prefix).
    let mut stack: Vec<(PathBuf, String, Option<NameProblem>)> =
        vec![(dir.to_path_buf(), String::new(), None)];
    while let Some((folder, prefix, prefix_problem)) = stack.pop() {
        let entries = fs::read_dir(&folder).map_err(|e| VerifyError::io("list", &folder, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| VerifyError::io("list", &folder, e))?;
            let path = entry.path();
            let file_type = entry
                .file_type()
                .map_err(|e| VerifyError::io("inspect", &path, e))?;
            let os_name = entry.file_name();
            let (name, own_problem) = match os_name.to_str() {
                Some(name) => (
                    name.to_owned(),
                    component_problem(name).map(NameProblem::Unsupported),
                ),
                None => (
                    os_name.to_string_lossy().into_owned(),
                    Some(NameProblem::NotUtf8),
                ),
            };
            let problem = prefix_problem.or(own_problem);
            if prefix.is_empty() && (name == SUMS_FILE || name == SIG_FILE) {
                continue;
            }
            let rel = format!("{prefix}{name}");
            if file_type.is_dir() {
                stack.push((path, format!("{rel}/"), problem));
                continue;
            }
            let kind = if file_type.is_file() {
                Kind::File
            } else if file_type.is_symlink() {
                Kind::Symlink
            } else {
                Kind::Other
            };
            found.push(Found {
                rel,
                path,
                name_problem: problem,
                kind,
            });
        }
    }
    found.sort_by(|a, b| a.rel.as_bytes().cmp(b.rel.as_bytes()));
    Ok(found)
}

// ---------------------------------------------------------------------------------------------
// Hashing
// ---------------------------------------------------------------------------------------------

/// SHA-256 and length of one file.
type FileHash = ([u8; 32], u64);

/// SHA-256 of one file, streamed through `buf`.
fn hash_file(path: &Path, buf: &mut [u8]) -> io::Result<FileHash> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut len = 0u64;
    loop {
        let n = match file.read(buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
        len += n as u64;
    }
    let mut digest = [0u8; 32];
    digest.copy_from_slice(&hasher.finalize());
    Ok((digest, len))
}

/// Size and SHA-256 (hex) of one file, as `SHA256SUMS` lists it.
pub fn file_digest(path: &Path) -> io::Result<(u64, String)> {
    let mut buf = vec![0u8; 256 * 1024];
    let (digest, len) = hash_file(path, &mut buf)?;
    Ok((len, hex::encode(digest)))
}

/// Hashes `paths` on a few threads; result `i` belongs to `paths[i]`, so the outcome does not
/// depend on scheduling. When `stop_on_error` is set, the first failure makes the workers stop
/// picking up new files, and the results of files never hashed are `None`.
fn hash_all(paths: &[&Path], stop_on_error: bool) -> Vec<Option<io::Result<FileHash>>> {
    let workers = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .clamp(1, MAX_WORKERS)
        .min(paths.len())
        .max(1);
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let collected: Mutex<Vec<(usize, io::Result<FileHash>)>> =
        Mutex::new(Vec::with_capacity(paths.len()));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                let mut buf = vec![0u8; HASH_BUFFER];
                let mut local = Vec::new();
                loop {
                    if stop_on_error && failed.load(Ordering::Relaxed) {
                        break;
                    }
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(path) = paths.get(i) else { break };
                    let result = hash_file(path, &mut buf);
                    if result.is_err() {
                        failed.store(true, Ordering::Relaxed);
                    }
                    local.push((i, result));
                }
                // A poisoned lock only means another worker panicked; the scope re-raises that
                // panic, so keep whatever is there.
                let mut all = collected
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                all.extend(local);
            });
        }
    });
    let mut results: Vec<Option<io::Result<FileHash>>> = (0..paths.len()).map(|_| None).collect();
    let collected = collected
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for (i, result) in collected {
        results[i] = Some(result);
    }
    results
}

// ---------------------------------------------------------------------------------------------
// Writing SHA256SUMS
// ---------------------------------------------------------------------------------------------

/// Refuses to write over `path` unless it is absent or a regular file (writing through a
/// symbolic link would change whatever it points to).
fn check_writable_target(path: &Path) -> Result<(), VerifyError> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => Err(VerifyError::Symlink {
            path: path.to_path_buf(),
        }),
        Ok(meta) if !meta.is_file() => Err(VerifyError::NotRegular {
            path: path.to_path_buf(),
        }),
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(VerifyError::io("inspect", path, e)),
    }
}

/// Writes `dir/SHA256SUMS` listing the SHA-256 of every regular file under `dir`.
///
/// Folders are descended recursively; symbolic links are never followed. The top-level
/// `SHA256SUMS` and `SHA256SUMS.sig` are left out (a `SHA256SUMS` deeper down is listed like any
/// file). The format is GNU `sha256sum`'s text format, sorted by the bytes of the path, so
/// `cd dir && sha256sum -c SHA256SUMS` passes. Files are hashed on several threads; the output
/// does not depend on their timing.
///
/// An existing `SHA256SUMS.sig` is not touched; it no longer matches until [`sign`] runs again.
///
/// # Errors
///
/// A symbolic link, FIFO, socket or device anywhere in the folder; a file or folder name that
/// is not UTF-8 or that holds a newline, backslash or other control character; any failure to
/// read the folder or a file or to write `SHA256SUMS`. Each names the path concerned; the
/// first offending path in sorted order is reported.
pub fn write_sums(dir: &Path) -> Result<SumsSummary, VerifyError> {
    let found = walk(dir)?;
    for entry in &found {
        match entry.name_problem {
            Some(NameProblem::NotUtf8) => {
                return Err(VerifyError::UnsupportedName {
                    path: entry.path.clone(),
                    reason: "is not valid UTF-8",
                });
            }
            Some(NameProblem::Unsupported(reason)) => {
                return Err(VerifyError::UnsupportedName {
                    path: entry.path.clone(),
                    reason,
                });
            }
            None => {}
        }
        match entry.kind {
            Kind::File => {}
            Kind::Symlink => {
                return Err(VerifyError::Symlink {
                    path: entry.path.clone(),
                });
            }
            Kind::Other => {
                return Err(VerifyError::NotRegular {
                    path: entry.path.clone(),
                });
            }
        }
    }

    let paths: Vec<&Path> = found.iter().map(|entry| entry.path.as_path()).collect();
    let mut hashes = hash_all(&paths, true);

    // Report the first failure in path order (stopping early leaves later results `None`).
    if let Some(i) = hashes.iter().position(|r| matches!(r, Some(Err(_))))
        && let Some(Err(error)) = hashes.swap_remove(i)
    {
        return Err(VerifyError::io("read", &found[i].path, error));
    }

    let mut text = String::with_capacity(found.len() * 100);
    let mut summary = SumsSummary { files: 0, bytes: 0 };
    for (entry, result) in found.iter().zip(hashes) {
        let Some(Ok((digest, len))) = result else {
            // Unreachable: with no error every file was hashed. Fail rather than write a
            // partial list.
            return Err(VerifyError::io(
                "read",
                &entry.path,
                io::Error::other("file was not hashed"),
            ));
        };
        text.push_str(&hex::encode(digest));
        text.push_str("  ");
        text.push_str(&entry.rel);
        text.push('\n');
        summary.files += 1;
        summary.bytes += len;
    }

    let sums_path = dir.join(SUMS_FILE);
    check_writable_target(&sums_path)?;
    fs::write(&sums_path, text).map_err(|e| VerifyError::io("write", &sums_path, e))?;
    Ok(summary)
}

// ---------------------------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------------------------

/// Creates a new Ed25519 key pair: the secret key at `secret` as PKCS#8 v1 PEM
/// (`-----BEGIN PRIVATE KEY-----`, mode 0600 on Unix) and the public key at `public` as
/// SubjectPublicKeyInfo PEM (`-----BEGIN PUBLIC KEY-----`).
///
/// Both are byte for byte what `openssl genpkey -algorithm ed25519` and `openssl pkey -pubout`
/// write (RFC 8410). The 32-byte seed comes from the operating
/// system's random source (through `rand`'s thread generator).
///
/// # Errors
///
/// Either file already exists (nothing is written then), both paths are the same, or a file
/// cannot be created or written. If writing the public key fails, the freshly written secret
/// key is removed again.
pub fn keygen(secret: &Path, public: &Path) -> Result<(), VerifyError> {
    if secret == public {
        return Err(VerifyError::Key {
            path: secret.to_path_buf(),
            reason: "the secret and the public key cannot go to the same file".to_owned(),
        });
    }
    for path in [secret, public] {
        match fs::symlink_metadata(path) {
            Ok(_) => {
                return Err(VerifyError::KeyExists {
                    path: path.to_path_buf(),
                });
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(VerifyError::io("inspect", path, e)),
        }
    }

    let mut seed = Zeroizing::new([0u8; 32]);
    rand::rng().fill_bytes(&mut *seed);
    let key = SigningKey::from_bytes(&seed);

    // PKCS#8 v1 (RFC 8410: the seed alone). `SigningKey::to_pkcs8_pem` writes v2, which
    // embeds the public key too, and OpenSSL 3.0 cannot read that ("unsupported").
    let keypair = KeypairBytes {
        secret_key: key.to_bytes(),
        public_key: None,
    };
    let secret_pem = keypair
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| VerifyError::Key {
            path: secret.to_path_buf(),
            reason: format!("cannot encode the secret key as PKCS#8: {e}"),
        })?;
    let public_pem = key
        .verifying_key()
        .to_public_key_pem(LineEnding::LF)
        .map_err(|e| VerifyError::Key {
            path: public.to_path_buf(),
            reason: format!("cannot encode the public key as SubjectPublicKeyInfo: {e}"),
        })?;

    write_new_file(secret, secret_pem.as_bytes(), true)?;
    if let Err(e) = write_new_file(public, public_pem.as_bytes(), false) {
        // Best effort: do not leave half a key pair behind.
        let _ = fs::remove_file(secret);
        return Err(e);
    }
    Ok(())
}

/// Creates `path` (failing if it exists) and writes `bytes`, with mode 0600 on Unix when
/// `private` is set.
fn write_new_file(path: &Path, bytes: &[u8], private: bool) -> Result<(), VerifyError> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        if private {
            options.mode(0o600);
        }
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == io::ErrorKind::AlreadyExists {
            VerifyError::KeyExists {
                path: path.to_path_buf(),
            }
        } else {
            VerifyError::io("create", path, e)
        }
    })?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| VerifyError::io("write", path, e))
}

/// Reads a key file as text, failing with a message naming the file.
fn read_key_text(path: &Path) -> Result<Zeroizing<String>, VerifyError> {
    let bytes = Zeroizing::new(fs::read(path).map_err(|e| VerifyError::io("read", path, e))?);
    match std::str::from_utf8(&bytes) {
        Ok(text) => Ok(Zeroizing::new(text.to_owned())),
        Err(_) => Err(VerifyError::Key {
            path: path.to_path_buf(),
            reason: "not a PEM file (it is not text)".to_owned(),
        }),
    }
}

/// Reads an Ed25519 secret key written by [`keygen`] (or by `openssl genpkey -algorithm
/// ed25519`): unencrypted PKCS#8 PEM, `-----BEGIN PRIVATE KEY-----`.
///
/// # Errors
///
/// The file cannot be read, holds a public key instead, is encrypted, or is not an Ed25519
/// PKCS#8 PEM key; the message names the file and says which.
pub fn load_signing_key(path: &Path) -> Result<SigningKey, VerifyError> {
    let text = read_key_text(path)?;
    SigningKey::from_pkcs8_pem(text.trim()).map_err(|e| {
        let reason = if text.contains("-----BEGIN PUBLIC KEY-----") {
            "this is a public key; signing needs the secret key (-----BEGIN PRIVATE KEY-----)"
                .to_owned()
        } else if text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
            "this secret key is encrypted; gongkai needs an unencrypted PKCS#8 key \
             (openssl pkey -in KEY -out PLAIN)"
                .to_owned()
        } else if !text.contains("-----BEGIN PRIVATE KEY-----") {
            "not a PKCS#8 PEM secret key (expected -----BEGIN PRIVATE KEY-----)".to_owned()
        } else {
            format!("not a valid Ed25519 PKCS#8 secret key: {e}")
        };
        VerifyError::Key {
            path: path.to_path_buf(),
            reason,
        }
    })
}

/// Reads an Ed25519 public key written by [`keygen`] (or by `openssl pkey -pubout`):
/// SubjectPublicKeyInfo PEM, `-----BEGIN PUBLIC KEY-----`.
///
/// # Errors
///
/// The file cannot be read, holds a secret key instead, or is not an Ed25519 public key in
/// PEM; the message names the file and says which.
pub fn load_verifying_key(path: &Path) -> Result<VerifyingKey, VerifyError> {
    let text = read_key_text(path)?;
    VerifyingKey::from_public_key_pem(text.trim()).map_err(|e| {
        let reason = if text.contains("PRIVATE KEY-----") {
            "this is a secret key; verifying needs the public key (-----BEGIN PUBLIC KEY-----), \
             and the secret key should not be handed around"
                .to_owned()
        } else if !text.contains("-----BEGIN PUBLIC KEY-----") {
            "not a PEM public key (expected -----BEGIN PUBLIC KEY-----)".to_owned()
        } else {
            format!("not a valid Ed25519 public key: {e}")
        };
        VerifyError::Key {
            path: path.to_path_buf(),
            reason,
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Signing
// ---------------------------------------------------------------------------------------------

/// Writes `dir/SHA256SUMS.sig`: the raw 64-byte Ed25519 signature over the exact bytes of
/// `dir/SHA256SUMS`, replacing any earlier signature.
///
/// # Errors
///
/// `SHA256SUMS` cannot be read (run [`write_sums`] first), or the signature cannot be written.
pub fn sign(dir: &Path, key: &SigningKey) -> Result<(), VerifyError> {
    let sums_path = dir.join(SUMS_FILE);
    let sums = fs::read(&sums_path).map_err(|e| VerifyError::io("read", &sums_path, e))?;
    let signature: Signature = key.sign(&sums);
    let sig_path = dir.join(SIG_FILE);
    check_writable_target(&sig_path)?;
    fs::write(&sig_path, signature.to_bytes()).map_err(|e| VerifyError::io("write", &sig_path, e))
}

// ---------------------------------------------------------------------------------------------
// Verifying
// ---------------------------------------------------------------------------------------------

/// Reads a file that may legitimately be absent.
fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, VerifyError> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(VerifyError::io("read", path, e)),
    }
}

/// Why the signature does not hold, or `None` when it does.
fn signature_problem(
    sums: Option<&[u8]>,
    sig: Option<&[u8]>,
    key: &VerifyingKey,
) -> Option<String> {
    let (sums, sig) = match (sums, sig) {
        (None, None) => return Some(format!("{SUMS_FILE} and {SIG_FILE} are missing")),
        (None, Some(_)) => return Some(format!("{SUMS_FILE} is missing")),
        (Some(_), None) => return Some(format!("{SIG_FILE} is missing")),
        (Some(sums), Some(sig)) => (sums, sig),
    };
    let Ok(bytes) = <[u8; SIGNATURE_LENGTH]>::try_from(sig) else {
        return Some(format!(
            "{SIG_FILE} is {} bytes long; an Ed25519 signature is {SIGNATURE_LENGTH}",
            sig.len()
        ));
    };
    let signature = Signature::from_bytes(&bytes);
    match key.verify_strict(sums, &signature) {
        Ok(()) => None,
        Err(_) => Some(format!(
            "{SIG_FILE} is not a valid signature of {SUMS_FILE} under this public key \
             ({SUMS_FILE} was altered, or it was signed with another key)"
        )),
    }
}

/// Why `path` (from a `SHA256SUMS` line) is not a plain relative path inside the folder.
fn listed_path_problem(path: &str) -> Option<String> {
    if path.is_empty() {
        return Some("the path is empty".to_owned());
    }
    if path.starts_with('/') {
        return Some(format!("the path {path:?} is absolute"));
    }
    if path == SUMS_FILE || path == SIG_FILE {
        return Some(format!("{path} cannot list itself or its signature"));
    }
    if path.contains('\r') {
        return Some("the line ends in a carriage return (Windows line endings?)".to_owned());
    }
    for component in path.split('/') {
        match component {
            "" => return Some(format!("the path {path:?} has an empty component")),
            "." | ".." => {
                return Some(format!("the path {path:?} has a {component:?} component"));
            }
            _ => {}
        }
        if let Some(reason) = component_problem(component) {
            return Some(format!("the path {path:?} {reason}"));
        }
    }
    None
}

/// Parses `SHA256SUMS` strictly: every line `<64 lowercase hex>  <relative path>\n`, no blank
/// lines, no duplicates. Returns the entries in file order.
fn parse_sums(path: &Path, bytes: &[u8]) -> Result<Vec<(String, [u8; 32])>, VerifyError> {
    let malformed = |line: usize, reason: String| VerifyError::MalformedSums {
        path: path.to_path_buf(),
        line,
        reason,
    };
    let mut entries = Vec::new();
    if bytes.is_empty() {
        return Ok(entries);
    }
    let Some(body) = bytes.strip_suffix(b"\n") else {
        let last = bytes.split(|&b| b == b'\n').count();
        return Err(malformed(
            last,
            "the last line does not end with a newline".to_owned(),
        ));
    };
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for (index, raw) in body.split(|&b| b == b'\n').enumerate() {
        let line_no = index + 1;
        let line = std::str::from_utf8(raw)
            .map_err(|_| malformed(line_no, "the line is not valid UTF-8".to_owned()))?;
        if line.is_empty() {
            return Err(malformed(line_no, "the line is empty".to_owned()));
        }
        let (Some(hash), Some(rest)) = (line.get(..64), line.get(64..)) else {
            return Err(malformed(
                line_no,
                "expected 64 lowercase hex digits, two spaces and a path".to_owned(),
            ));
        };
        if !hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(malformed(
                line_no,
                "the line does not start with 64 lowercase hex digits".to_owned(),
            ));
        }
        let Some(file) = rest.strip_prefix("  ") else {
            return Err(malformed(
                line_no,
                "expected two spaces between the hash and the path".to_owned(),
            ));
        };
        if let Some(reason) = listed_path_problem(file) {
            return Err(malformed(line_no, reason));
        }
        if let Some(first) = seen.insert(file, line_no) {
            return Err(malformed(
                line_no,
                format!("{file} is listed twice (first on line {first})"),
            ));
        }
        let mut digest = [0u8; 32];
        hex::decode_to_slice(hash, &mut digest)
            .map_err(|e| malformed(line_no, format!("bad hash: {e}")))?;
        entries.push((file.to_owned(), digest));
    }
    Ok(entries)
}

/// Checks `dir` against its `SHA256SUMS` and that file against `SHA256SUMS.sig` under `key`.
///
/// The signature is checked first; a missing `SHA256SUMS` or `SHA256SUMS.sig`, a signature of
/// the wrong length or one that does not match is reported in the result
/// ([`VerifyReport::signature_valid`], [`VerifyReport::signature_problem`]), not returned as
/// an error. Every listed file is then hashed and the folder walked (never following symbolic
/// links), and every listed file whose hash differs is reported `changed`, every listed file
/// not present `missing`, and every entry present but not listed `extra` (the top-level
/// `SHA256SUMS` and `SHA256SUMS.sig` excepted). A symbolic link or other non-regular entry
/// where a listed file should be counts as changed; one that is not listed counts as extra.
/// Without a `SHA256SUMS`, nothing is listed, so every file is extra.
///
/// The differences are reported even when the signature is invalid, but then
/// [`VerifyReport::is_ok`] is false, since the hashes themselves cannot be trusted.
///
/// # Errors
///
/// `dir` is not a readable folder; `SHA256SUMS` is malformed (the error names the line and
/// why); a file or folder cannot be read for a reason other than being absent.
pub fn verify(dir: &Path, key: &VerifyingKey) -> Result<VerifyReport, VerifyError> {
    let meta = fs::metadata(dir).map_err(|e| VerifyError::io("read", dir, e))?;
    if !meta.is_dir() {
        return Err(VerifyError::NotADirectory {
            path: dir.to_path_buf(),
        });
    }
    let sums_path = dir.join(SUMS_FILE);
    let sums = read_optional(&sums_path)?;
    let sig = read_optional(&dir.join(SIG_FILE))?;
    let problem = signature_problem(sums.as_deref(), sig.as_deref(), key);

    let listed = match &sums {
        Some(bytes) => parse_sums(&sums_path, bytes)?,
        None => Vec::new(),
    };
    let found = walk(dir)?;
    let by_rel: BTreeMap<&str, &Found> = found
        .iter()
        .filter(|entry| entry.name_problem.is_none())
        .map(|entry| (entry.rel.as_str(), entry))
        .collect();

    let mut changed = Vec::new();
    let mut missing = Vec::new();
    let mut to_hash: Vec<(&str, &[u8; 32], &Path)> = Vec::new();
    for (rel, digest) in &listed {
        match by_rel.get(rel.as_str()) {
            Some(entry) if entry.kind == Kind::File => {
                to_hash.push((rel, digest, &entry.path));
            }
            Some(_) => changed.push(rel.clone()),
            None => missing.push(rel.clone()),
        }
    }
    let paths: Vec<&Path> = to_hash.iter().map(|(_, _, path)| *path).collect();
    let hashes = hash_all(&paths, false);
    for ((rel, expected, path), result) in to_hash.iter().zip(hashes) {
        match result {
            Some(Ok((actual, _))) if actual == **expected => {}
            Some(Ok(_)) => changed.push((*rel).to_owned()),
            // Removed between the walk and the read.
            Some(Err(e)) if e.kind() == io::ErrorKind::NotFound => missing.push((*rel).to_owned()),
            Some(Err(e)) => return Err(VerifyError::io("read", *path, e)),
            None => {
                return Err(VerifyError::io(
                    "read",
                    *path,
                    io::Error::other("file was not hashed"),
                ));
            }
        }
    }

    let listed_set: HashSet<&str> = listed.iter().map(|(rel, _)| rel.as_str()).collect();
    let extra: Vec<String> = found
        .iter()
        .filter(|entry| entry.name_problem.is_some() || !listed_set.contains(entry.rel.as_str()))
        .map(|entry| entry.rel.clone())
        .collect();

    changed.sort();
    missing.sort();
    // `found` is sorted already, so `extra` is too.
    Ok(VerifyReport {
        signature_valid: problem.is_none(),
        signature_problem: problem,
        files_checked: listed.len() as u64,
        changed,
        missing,
        extra,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    /// Nested folders, a Chinese name, an empty file, a file larger than the hash buffer, and a
    /// `SHA256SUMS` deeper down (which must be listed like any file).
    fn make_tree(dir: &Path) -> io::Result<()> {
        fs::create_dir_all(dir.join("datasets/relief"))?;
        fs::create_dir_all(dir.join("数据"))?;
        fs::create_dir_all(dir.join("a/b/c"))?;
        fs::create_dir_all(dir.join("empty-folder"))?;
        fs::write(dir.join("index.html"), "<h1>gongkai</h1>\n")?;
        fs::write(dir.join("datasets/relief/index.html"), "<p>relief</p>\n")?;
        fs::write(dir.join("数据/说明.html"), "<p>说明</p>\n")?;
        fs::write(dir.join("empty.txt"), "")?;
        fs::write(dir.join("a/b/c/SHA256SUMS"), "not the top-level one\n")?;
        let big: Vec<u8> = (0..(HASH_BUFFER * 2 + 12345))
            .map(|i| (i % 251) as u8)
            .collect();
        fs::write(dir.join("a/big.bin"), big)?;
        Ok(())
    }

    const TREE_FILES: u64 = 6;

    fn keypair(dir: &Path, name: &str) -> Result<(SigningKey, VerifyingKey, PathBuf), VerifyError> {
        let secret = dir.join(format!("{name}.key"));
        let public = dir.join(format!("{name}.pub"));
        keygen(&secret, &public)?;
        Ok((
            load_signing_key(&secret)?,
            load_verifying_key(&public)?,
            public,
        ))
    }

    /// A built and signed tree in `site` under `keys/`.
    struct Fixture {
        _root: tempfile::TempDir,
        site: PathBuf,
        keys: PathBuf,
        signing: SigningKey,
        verifying: VerifyingKey,
        public_pem: PathBuf,
    }

    fn fixture() -> Result<Fixture, Box<dyn std::error::Error>> {
        let root = tempfile::tempdir()?;
        let site = root.path().join("site");
        let keys = root.path().join("keys");
        fs::create_dir(&site)?;
        fs::create_dir(&keys)?;
        make_tree(&site)?;
        let (signing, verifying, public_pem) = keypair(&keys, "catalog")?;
        let summary = write_sums(&site)?;
        assert_eq!(summary.files, TREE_FILES);
        assert_eq!(
            summary.bytes,
            (17 + 14 + "<p>说明</p>\n".len() + 22 + HASH_BUFFER * 2 + 12345) as u64
        );
        sign(&site, &signing)?;
        Ok(Fixture {
            _root: root,
            site,
            keys,
            signing,
            verifying,
            public_pem,
        })
    }

    fn has_command(name: &str) -> bool {
        Command::new(name)
            .arg("--version")
            .output()
            .is_ok_and(|out| out.status.success())
            || Command::new(name)
                .arg("version")
                .output()
                .is_ok_and(|out| out.status.success())
    }

    #[test]
    fn verify_ok_after_sums_and_sign() -> TestResult {
        let fx = fixture()?;
        let report = verify(&fx.site, &fx.verifying)?;
        assert!(report.signature_valid, "{report}");
        assert_eq!(report.signature_problem, None);
        assert!(report.is_ok(), "{report}");
        assert_eq!(report.files_checked, TREE_FILES);
        let text = report.to_string();
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(text.starts_with("OK: "), "{text}");
        let json = serde_json::to_value(&report)?;
        assert_eq!(json["signature_valid"], true);
        assert_eq!(json["files_checked"], TREE_FILES);
        Ok(())
    }

    #[test]
    fn sums_file_has_the_exact_gnu_format() -> TestResult {
        let fx = fixture()?;
        let text = fs::read_to_string(fx.site.join(SUMS_FILE))?;
        let paths: Vec<&str> = text
            .lines()
            .map(|line| line.get(66..).unwrap_or_default())
            .collect();
        assert_eq!(
            paths,
            [
                "a/b/c/SHA256SUMS",
                "a/big.bin",
                "datasets/relief/index.html",
                "empty.txt",
                "index.html",
                "数据/说明.html",
            ]
        );
        assert!(text.ends_with('\n'));
        assert!(!text.contains('\r'));
        assert!(text.contains(
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  empty.txt\n"
        ));
        let expected = hex::encode(Sha256::digest("<p>说明</p>\n".as_bytes()));
        assert!(text.contains(&format!("{expected}  数据/说明.html\n")));
        for line in text.lines() {
            let (hash, rest) = line.split_at(64);
            assert!(
                hash.bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
            );
            assert!(rest.starts_with("  ") && !rest[2..].starts_with(' '));
        }
        Ok(())
    }

    #[test]
    fn output_is_byte_identical_when_run_twice() -> TestResult {
        let fx = fixture()?;
        let sums1 = fs::read(fx.site.join(SUMS_FILE))?;
        let sig1 = fs::read(fx.site.join(SIG_FILE))?;
        assert_eq!(sig1.len(), 64);
        write_sums(&fx.site)?;
        sign(&fx.site, &fx.signing)?;
        assert_eq!(fs::read(fx.site.join(SUMS_FILE))?, sums1);
        assert_eq!(fs::read(fx.site.join(SIG_FILE))?, sig1);
        // The same content elsewhere gives the same list.
        let other = tempfile::tempdir()?;
        make_tree(other.path())?;
        write_sums(other.path())?;
        assert_eq!(fs::read(other.path().join(SUMS_FILE))?, sums1);
        Ok(())
    }

    #[test]
    fn reports_changed_missing_and_extra_files() -> TestResult {
        let fx = fixture()?;
        fs::write(
            fx.site.join("datasets/relief/index.html"),
            "<p>edited</p>\n",
        )?;
        fs::remove_file(fx.site.join("数据/说明.html"))?;
        fs::write(fx.site.join("datasets/new.csv"), "a,b\n")?;
        fs::create_dir(fx.site.join("新"))?;
        fs::write(fx.site.join("新/页.html"), "x")?;
        // Same size, different content: caught by the hash, not the length.
        fs::write(fx.site.join("empty.txt"), "")?;
        let report = verify(&fx.site, &fx.verifying)?;
        assert!(report.signature_valid);
        assert!(!report.is_ok());
        assert_eq!(report.files_checked, TREE_FILES);
        assert_eq!(report.changed, ["datasets/relief/index.html"]);
        assert_eq!(report.missing, ["数据/说明.html"]);
        assert_eq!(report.extra, ["datasets/new.csv", "新/页.html"]);
        let text = report.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[..4],
            [
                "changed: datasets/relief/index.html",
                "missing: 数据/说明.html",
                "extra: datasets/new.csv",
                "extra: 新/页.html",
            ]
        );
        assert_eq!(lines.len(), 5, "{text}");
        assert!(lines[4].starts_with("FAILED: "), "{text}");
        assert!(lines[4].contains("1 changed, 1 missing, 2 extra"), "{text}");
        Ok(())
    }

    #[test]
    fn tampered_sums_invalidate_the_signature() -> TestResult {
        let fx = fixture()?;
        // An attacker edits a file and updates its hash in SHA256SUMS: the files match the
        // list, but the list no longer matches the signature.
        let edited = "<p>forged</p>\n";
        fs::write(fx.site.join("index.html"), edited)?;
        let sums_path = fx.site.join(SUMS_FILE);
        let old = hex::encode(Sha256::digest(b"<h1>gongkai</h1>\n"));
        let new = hex::encode(Sha256::digest(edited.as_bytes()));
        let text = fs::read_to_string(&sums_path)?;
        assert!(text.contains(&old));
        fs::write(&sums_path, text.replace(&old, &new))?;
        let report = verify(&fx.site, &fx.verifying)?;
        assert!(!report.signature_valid);
        assert!(report.changed.is_empty() && report.missing.is_empty() && report.extra.is_empty());
        assert!(!report.is_ok());
        let shown = report.to_string();
        assert!(shown.starts_with("signature: "), "{shown}");
        assert!(shown.contains("cannot be trusted"), "{shown}");

        // Differences are still listed when the signature is bad.
        fs::remove_file(fx.site.join("empty.txt"))?;
        let report = verify(&fx.site, &fx.verifying)?;
        assert!(!report.signature_valid);
        assert_eq!(report.missing, ["empty.txt"]);
        Ok(())
    }

    #[test]
    fn wrong_key_is_invalid() -> TestResult {
        let fx = fixture()?;
        let (_, other, _) = keypair(&fx.keys, "other")?;
        let report = verify(&fx.site, &other)?;
        assert!(!report.signature_valid);
        assert!(!report.is_ok());
        assert!(report.changed.is_empty() && report.missing.is_empty() && report.extra.is_empty());
        assert!(
            report
                .signature_problem
                .as_deref()
                .is_some_and(|p| p.contains("not a valid signature")),
            "{report}"
        );
        Ok(())
    }

    #[test]
    fn missing_or_truncated_signature_is_reported() -> TestResult {
        let fx = fixture()?;
        let sig_path = fx.site.join(SIG_FILE);
        let sig = fs::read(&sig_path)?;

        fs::write(&sig_path, &sig[..63])?;
        let report = verify(&fx.site, &fx.verifying)?;
        assert!(!report.signature_valid);
        assert!(
            report
                .signature_problem
                .as_deref()
                .is_some_and(|p| p.contains("63 bytes"))
        );

        fs::write(&sig_path, [0u8; 64])?;
        assert!(!verify(&fx.site, &fx.verifying)?.signature_valid);

        fs::remove_file(&sig_path)?;
        let report = verify(&fx.site, &fx.verifying)?;
        assert!(!report.signature_valid);
        assert_eq!(
            report.signature_problem.as_deref(),
            Some("SHA256SUMS.sig is missing")
        );
        assert!(report.changed.is_empty() && report.missing.is_empty() && report.extra.is_empty());

        // Without SHA256SUMS nothing is listed: every file is extra.
        fs::remove_file(fx.site.join(SUMS_FILE))?;
        let report = verify(&fx.site, &fx.verifying)?;
        assert!(!report.signature_valid);
        assert_eq!(report.files_checked, 0);
        assert_eq!(report.extra.len() as u64, TREE_FILES);
        assert!(
            report
                .to_string()
                .contains("SHA256SUMS and SHA256SUMS.sig are missing")
        );
        Ok(())
    }

    #[test]
    fn malformed_sums_name_the_line() -> TestResult {
        let fx = fixture()?;
        let sums_path = fx.site.join(SUMS_FILE);
        let good = fs::read_to_string(&sums_path)?;
        let hash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let cases: Vec<(String, usize, &str)> = vec![
            (format!("{good}garbage\n"), 7, "64 lowercase hex"),
            (
                format!("{good}{}  x\n", hash.to_uppercase()),
                7,
                "lowercase",
            ),
            (format!("{good}{hash} *empty.txt\n"), 7, "two spaces"),
            (format!("{good}{hash}  ../etc/passwd\n"), 7, "\"..\""),
            (format!("{good}{hash}  /etc/passwd\n"), 7, "absolute"),
            (format!("{good}{hash}  a//b\n"), 7, "empty component"),
            (format!("{good}{hash}  empty.txt\n"), 7, "line 4"),
            (format!("{good}{hash}  SHA256SUMS\n"), 7, "itself"),
            (format!("{good}\n"), 7, "empty"),
            (good.replace('\n', "\r\n"), 1, "carriage return"),
            (good.trim_end().to_owned(), 6, "newline"),
        ];
        for (content, line, needle) in cases {
            fs::write(&sums_path, &content)?;
            let err = verify(&fx.site, &fx.verifying).expect_err("malformed SHA256SUMS accepted");
            let message = err.to_string();
            assert!(
                matches!(err, VerifyError::MalformedSums { line: l, .. } if l == line),
                "{message} (expected line {line})"
            );
            assert!(message.contains(needle), "{message:?} lacks {needle:?}");
            assert!(message.contains("SHA256SUMS line"), "{message}");
        }
        // An empty list is well formed (an empty folder).
        fs::write(&sums_path, "")?;
        let report = verify(&fx.site, &fx.verifying)?;
        assert_eq!(report.extra.len() as u64, TREE_FILES);
        Ok(())
    }

    #[test]
    fn empty_folder_round_trips() -> TestResult {
        let fx = fixture()?;
        let dir = tempfile::tempdir()?;
        assert_eq!(write_sums(dir.path())?, SumsSummary { files: 0, bytes: 0 });
        assert_eq!(fs::read(dir.path().join(SUMS_FILE))?, b"");
        sign(dir.path(), &fx.signing)?;
        assert!(verify(dir.path(), &fx.verifying)?.is_ok());
        Ok(())
    }

    #[test]
    fn not_a_directory_is_an_error() -> TestResult {
        let fx = fixture()?;
        let file = fx.site.join("index.html");
        assert!(matches!(
            write_sums(&file),
            Err(VerifyError::NotADirectory { .. })
        ));
        assert!(matches!(
            verify(&file, &fx.verifying),
            Err(VerifyError::NotADirectory { .. })
        ));
        let absent = fx.site.join("nope");
        let err = verify(&absent, &fx.verifying).expect_err("absent folder verified");
        assert!(err.to_string().contains("nope"), "{err}");
        let err = sign(&absent, &fx.signing).expect_err("signed an absent folder");
        assert!(err.to_string().contains("SHA256SUMS"), "{err}");
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_are_refused_when_writing_and_extra_when_verifying() -> TestResult {
        let fx = fixture()?;
        std::os::unix::fs::symlink("../index.html", fx.site.join("datasets/link.html"))?;
        let err = write_sums(&fx.site).expect_err("symlink accepted");
        assert!(matches!(err, VerifyError::Symlink { .. }), "{err}");
        assert!(err.to_string().contains("datasets/link.html"), "{err}");
        assert!(err.to_string().contains("symbolic link"), "{err}");

        let report = verify(&fx.site, &fx.verifying)?;
        assert_eq!(report.extra, ["datasets/link.html"]);

        // A link where a listed file was: changed, and never followed.
        fs::remove_file(fx.site.join("index.html"))?;
        std::os::unix::fs::symlink("empty.txt", fx.site.join("index.html"))?;
        // A linked folder is not descended: its listed files are missing.
        let real = fx.keys.join("relief");
        fs::rename(fx.site.join("datasets/relief"), &real)?;
        std::os::unix::fs::symlink(&real, fx.site.join("datasets/relief"))?;
        let report = verify(&fx.site, &fx.verifying)?;
        assert_eq!(report.changed, ["index.html"]);
        assert_eq!(report.missing, ["datasets/relief/index.html"]);
        assert_eq!(report.extra, ["datasets/link.html", "datasets/relief"]);
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn names_sha256sum_would_escape_are_refused() -> TestResult {
        for (name, reason) in [
            ("line\nbreak.html", "newline"),
            ("back\\slash.html", "backslash"),
            ("carriage\rreturn", "control character"),
        ] {
            let dir = tempfile::tempdir()?;
            fs::create_dir(dir.path().join("sub"))?;
            fs::write(dir.path().join("sub").join(name), "x")?;
            let err = write_sums(dir.path()).expect_err("odd name accepted");
            let message = err.to_string();
            assert!(
                matches!(err, VerifyError::UnsupportedName { .. }),
                "{message}"
            );
            assert!(message.contains(reason), "{message}");
            assert!(message.contains("sub/"), "{message}");
        }
        // Verifying lists such a file as extra, escaped onto one line.
        let fx = fixture()?;
        fs::write(fx.site.join("line\nbreak"), "x")?;
        let report = verify(&fx.site, &fx.verifying)?;
        assert_eq!(report.extra, ["line\nbreak"]);
        assert!(report.to_string().contains("extra: line\\nbreak\n"));
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_names_are_refused() -> TestResult {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir()?;
        let name = std::ffi::OsStr::from_bytes(b"bad\xff.html");
        if fs::write(dir.path().join(name), "x").is_err() {
            println!("note: this filesystem refuses non-UTF-8 names; skipping");
            return Ok(());
        }
        let err = write_sums(dir.path()).expect_err("non-UTF-8 name accepted");
        assert!(err.to_string().contains("UTF-8"), "{err}");
        Ok(())
    }

    #[test]
    fn keygen_refuses_to_overwrite_and_protects_the_secret() -> TestResult {
        let dir = tempfile::tempdir()?;
        let secret = dir.path().join("k.pem");
        let public = dir.path().join("k.pub.pem");
        keygen(&secret, &public)?;
        let secret_pem = fs::read_to_string(&secret)?;
        let public_pem = fs::read_to_string(&public)?;
        assert!(secret_pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        assert!(secret_pem.ends_with("-----END PRIVATE KEY-----\n"));
        // PKCS#8 v1: 48 bytes of DER, one line of base64 (v2 would add the public key).
        assert_eq!(secret_pem.lines().count(), 3, "{secret_pem}");
        assert_eq!(secret_pem.lines().nth(1).map(str::len), Some(64));
        assert!(public_pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(fs::metadata(&secret)?.permissions().mode() & 0o777, 0o600);
        }
        let err = keygen(&secret, &dir.path().join("other.pub")).expect_err("overwrote a key");
        assert!(matches!(err, VerifyError::KeyExists { .. }), "{err}");
        assert!(err.to_string().contains("k.pem"), "{err}");
        assert!(!dir.path().join("other.pub").exists());
        let err = keygen(&dir.path().join("new.pem"), &public).expect_err("overwrote a key");
        assert!(matches!(err, VerifyError::KeyExists { .. }), "{err}");
        assert!(
            !dir.path().join("new.pem").exists(),
            "half a key pair left behind"
        );
        assert_eq!(fs::read_to_string(&secret)?, secret_pem);
        assert!(keygen(&dir.path().join("same"), &dir.path().join("same")).is_err());

        // Two key pairs differ, and the public key matches the secret one.
        let (s2, p2) = (dir.path().join("2.pem"), dir.path().join("2.pub"));
        keygen(&s2, &p2)?;
        let one = load_signing_key(&secret)?;
        let two = load_signing_key(&s2)?;
        assert_ne!(one.to_bytes(), two.to_bytes());
        assert_eq!(load_verifying_key(&public)?, one.verifying_key());
        Ok(())
    }

    #[test]
    fn loading_the_wrong_kind_of_key_says_so() -> TestResult {
        let dir = tempfile::tempdir()?;
        let secret = dir.path().join("s.pem");
        let public = dir.path().join("p.pem");
        keygen(&secret, &public)?;
        let err = load_signing_key(&public).expect_err("public key loaded as secret");
        assert!(err.to_string().contains("p.pem"), "{err}");
        assert!(err.to_string().contains("this is a public key"), "{err}");
        let err = load_verifying_key(&secret).expect_err("secret key loaded as public");
        assert!(err.to_string().contains("s.pem"), "{err}");
        assert!(err.to_string().contains("this is a secret key"), "{err}");

        let garbage = dir.path().join("garbage.pem");
        fs::write(&garbage, "hello\n")?;
        let err = load_verifying_key(&garbage).expect_err("garbage loaded");
        assert!(err.to_string().contains("garbage.pem"), "{err}");
        assert!(load_signing_key(&garbage).is_err());
        fs::write(&garbage, [0xffu8, 0xfe, 0])?;
        assert!(load_signing_key(&garbage).is_err_and(|e| e.to_string().contains("not text")));

        let absent = dir.path().join("absent.pem");
        let err = load_verifying_key(&absent).expect_err("absent key loaded");
        assert!(matches!(err, VerifyError::Io { .. }), "{err}");
        assert!(err.to_string().contains("absent.pem"), "{err}");
        Ok(())
    }

    #[test]
    fn sha256sum_accepts_the_list() -> TestResult {
        if !has_command("sha256sum") {
            println!("note: sha256sum not on PATH; skipping the GNU compatibility check");
            return Ok(());
        }
        let fx = fixture()?;
        let out = Command::new("sha256sum")
            .args(["--check", "--strict", SUMS_FILE])
            .current_dir(&fx.site)
            .output()?;
        assert!(
            out.status.success(),
            "sha256sum -c failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).matches(": OK").count() as u64,
            TREE_FILES
        );
        // And it catches a change too, so the check above means something.
        fs::write(fx.site.join("index.html"), "changed")?;
        let out = Command::new("sha256sum")
            .args(["--check", "--strict", "--quiet", SUMS_FILE])
            .current_dir(&fx.site)
            .output()?;
        assert!(!out.status.success());
        Ok(())
    }

    #[test]
    fn openssl_understands_keys_and_signature() -> TestResult {
        if !has_command("openssl") {
            println!("note: openssl not on PATH; skipping the OpenSSL compatibility check");
            return Ok(());
        }
        let fx = fixture()?;
        let secret = fx.keys.join("catalog.key");

        // OpenSSL verifies our signature with our public key.
        let out = Command::new("openssl")
            .args(["pkeyutl", "-verify", "-pubin", "-inkey"])
            .arg(&fx.public_pem)
            .args(["-rawin", "-in"])
            .arg(fx.site.join(SUMS_FILE))
            .arg("-sigfile")
            .arg(fx.site.join(SIG_FILE))
            .output()?;
        assert!(
            out.status.success(),
            "openssl rejected the signature:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );

        // OpenSSL reads our secret key and derives the same public key file.
        let out = Command::new("openssl")
            .args(["pkey", "-pubout", "-in"])
            .arg(&secret)
            .output()?;
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            String::from_utf8(out.stdout)?,
            fs::read_to_string(&fx.public_pem)?
        );

        // OpenSSL signs with our secret key and gets the same (deterministic) signature.
        let openssl_sig = fx.keys.join("openssl.sig");
        let out = Command::new("openssl")
            .args(["pkeyutl", "-sign", "-inkey"])
            .arg(&secret)
            .args(["-rawin", "-in"])
            .arg(fx.site.join(SUMS_FILE))
            .arg("-out")
            .arg(&openssl_sig)
            .output()?;
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(fs::read(&openssl_sig)?, fs::read(fx.site.join(SIG_FILE))?);

        // And a key made by OpenSSL loads here and signs a catalog OpenSSL accepts.
        let openssl_key = fx.keys.join("openssl.key");
        let out = Command::new("openssl")
            .args(["genpkey", "-algorithm", "ed25519", "-out"])
            .arg(&openssl_key)
            .output()?;
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let key = load_signing_key(&openssl_key)?;
        sign(&fx.site, &key)?;
        assert!(!verify(&fx.site, &fx.verifying)?.signature_valid);
        assert!(verify(&fx.site, &key.verifying_key())?.is_ok());

        // A tampered list fails OpenSSL too.
        sign(&fx.site, &fx.signing)?;
        let sums_path = fx.site.join(SUMS_FILE);
        let mut sums = fs::read(&sums_path)?;
        sums[0] ^= 1;
        fs::write(&sums_path, sums)?;
        let out = Command::new("openssl")
            .args(["pkeyutl", "-verify", "-pubin", "-inkey"])
            .arg(&fx.public_pem)
            .args(["-rawin", "-in"])
            .arg(&sums_path)
            .arg("-sigfile")
            .arg(fx.site.join(SIG_FILE))
            .output()?;
        assert!(!out.status.success());
        Ok(())
    }

    #[test]
    fn many_files_hash_deterministically() -> TestResult {
        let dir = tempfile::tempdir()?;
        for i in 0..300 {
            let sub = dir.path().join(format!("d{}", i % 7));
            fs::create_dir_all(&sub)?;
            fs::write(sub.join(format!("f{i}.txt")), format!("{i}").repeat(i))?;
        }
        let summary = write_sums(dir.path())?;
        assert_eq!(summary.files, 300);
        let first = fs::read(dir.path().join(SUMS_FILE))?;
        for _ in 0..3 {
            write_sums(dir.path())?;
            assert_eq!(fs::read(dir.path().join(SUMS_FILE))?, first);
        }
        let text = String::from_utf8(first)?;
        let paths: Vec<&str> = text.lines().map(|l| &l[66..]).collect();
        let mut sorted = paths.clone();
        sorted.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        assert_eq!(paths, sorted);
        Ok(())
    }
}
