//! Timeliness: when a release's figures were produced (形成日期, given on upload; the upload
//! time when not given) and when it was published. The disclosure plans ask for publication
//! within 3 days: a release is timely when its publication date is at most 3 calendar days
//! after its production date, both taken in China Standard Time (UTC+8).

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::Serialize;

use super::WorkflowError;
use crate::entity::release;

/// Days allowed between production and publication.
pub const DAYS: i64 = 3;

/// The timeliness of a dataset's releases.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Timeliness {
    /// Releases ever published that record when their figures were produced.
    pub published: u64,
    /// Of those, published within [`DAYS`] days.
    pub within_3_days: u64,
    /// `within_3_days / published` as a percentage with one decimal, rounded half up
    /// (`None` when nothing dated was published).
    pub share_percent: Option<String>,
    /// Releases published without a production date (the data shipped with gongkai).
    pub undated: u64,
}

fn cst() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// The calendar day (UTC+8) of a stored date or timestamp.
pub fn day_of(s: &str) -> Option<NaiveDate> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&cst()).date_naive());
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// A production date as given (`2026-11-20` or an RFC 3339 timestamp), checked and kept as
/// given; refused when it lies in the future.
pub fn parse_produced(s: &str) -> Result<String, WorkflowError> {
    let s = s.trim();
    let day = day_of(s).ok_or_else(|| {
        WorkflowError::Invalid(format!(
            "produced_at: {s:?} is neither a date (2026-11-20) nor an RFC 3339 timestamp"
        ))
    })?;
    if day > Utc::now().with_timezone(&cst()).date_naive() {
        return Err(WorkflowError::Invalid(format!(
            "produced_at: {s} lies in the future"
        )));
    }
    Ok(s.to_string())
}

/// Whether a release was published within [`DAYS`] days of production (`None`: not published,
/// or no production date).
pub fn timely(r: &release::Model) -> Option<bool> {
    let produced = day_of(r.produced_at.as_deref()?)?;
    let published = day_of(r.published_at.as_deref()?)?;
    Some((published - produced).num_days() <= DAYS)
}

/// The timeliness of `releases` (a dataset's, any states): those ever published count.
pub fn of(releases: &[release::Model]) -> Timeliness {
    let mut t = Timeliness::default();
    for r in releases.iter().filter(|r| r.published_at.is_some()) {
        match timely(r) {
            Some(ok) => {
                t.published += 1;
                t.within_3_days += u64::from(ok);
            }
            None => t.undated += 1,
        }
    }
    if t.published > 0 {
        // Per mille, rounded half up, exactly in integers.
        let per_mille = (t.within_3_days * 2000 + t.published) / (t.published * 2);
        t.share_percent = Some(format!("{}.{}", per_mille / 10, per_mille % 10));
    }
    t
}
