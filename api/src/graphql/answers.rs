//! Answers kept for repeated queries. Published releases never change, so the answer to a
//! query stays true as long as every dataset's current release (and metadata) is what it was
//! when the answer was made: an answer is kept with that catalog state
//! (`schema::query::catalog_state`) and given again only while the state is unchanged.
//!
//! The state is read at most once per `max_age`: a new publication shows in cached answers
//! within that time (the HTTP layer already lets clients keep answers for a minute). Only
//! answers that ran without errors are kept, up to [`Answers::MAX_ANSWER`] bytes each and
//! [`Answers::MAX_TOTAL`] in all (past that the store starts again).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use schema::query::CatalogState;

/// The store of answers of one server.
#[derive(Debug)]
pub struct Answers {
    max_age: Duration,
    state: Mutex<Option<(Instant, Arc<CatalogState>)>>,
    answers: Mutex<HashMap<String, (Arc<CatalogState>, Bytes)>>,
    bytes: AtomicUsize,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Answers {
    /// Largest answer kept.
    pub const MAX_ANSWER: usize = 1024 * 1024;
    /// Most bytes kept in all.
    pub const MAX_TOTAL: usize = 64 * 1024 * 1024;
    /// Longest request (query and variables) kept.
    pub const MAX_KEY: usize = 16 * 1024;

    /// A store checking the catalog state at most once per `max_age` (zero: keep nothing).
    pub fn new(max_age: Duration) -> Answers {
        Answers {
            max_age,
            state: Mutex::new(None),
            answers: Mutex::new(HashMap::new()),
            bytes: AtomicUsize::new(0),
        }
    }

    /// Whether answers are kept at all.
    pub fn enabled(&self) -> bool {
        !self.max_age.is_zero()
    }

    /// The catalog state, read again when older than `max_age`.
    pub async fn state(
        &self,
        db: &sea_orm::DatabaseConnection,
    ) -> Result<Arc<CatalogState>, sea_orm::DbErr> {
        if let Some((at, s)) = &*lock(&self.state)
            && at.elapsed() < self.max_age
        {
            return Ok(s.clone());
        }
        let fresh = Arc::new(schema::query::catalog_state(db).await?);
        *lock(&self.state) = Some((Instant::now(), fresh.clone()));
        Ok(fresh)
    }

    /// The answer kept for `key` in this catalog state.
    pub fn get(&self, key: &str, state: &Arc<CatalogState>) -> Option<Bytes> {
        match lock(&self.answers).get(key) {
            Some((s, body)) if Arc::ptr_eq(s, state) || s == state => Some(body.clone()),
            _ => None,
        }
    }

    /// Keep an answer made in `state`.
    pub fn put(&self, key: String, state: Arc<CatalogState>, body: Bytes) {
        if body.len() > Self::MAX_ANSWER || key.len() > Self::MAX_KEY {
            return;
        }
        let mut answers = lock(&self.answers);
        let added = body.len() + key.len();
        if self.bytes.load(Ordering::Relaxed) + added > Self::MAX_TOTAL {
            answers.clear();
            self.bytes.store(0, Ordering::Relaxed);
        }
        if let Some((_, old)) = answers.insert(key.clone(), (state, body)) {
            self.bytes
                .fetch_sub(old.len() + key.len(), Ordering::Relaxed);
        }
        self.bytes.fetch_add(added, Ordering::Relaxed);
    }
}
