//! Authentication of the admin API: `Authorization: Bearer <token>`. The token is looked up by its
//! SHA-256 (`schema::workflow::tokens::authenticate`); a missing or malformed header and an
//! unknown or revoked token are refused alike with 401 `unauthenticated` and a
//! `WWW-Authenticate: Bearer` challenge (RFC 6750). Handlers take [`Auth`] as their first
//! argument, so the 401 comes before anything else is looked at.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use schema::workflow::Actor;

use crate::AppState;
use crate::error::{ApiError, BEARER_CHALLENGE, ErrorCode};

/// The name of the security scheme in the OpenAPI document.
pub const BEARER: &str = "bearer";

/// The person behind the request's token, with the token's role.
#[derive(Debug, Clone)]
pub struct Auth(pub Actor);

/// The challenge when a token was given but refused.
const INVALID_TOKEN: &str = "Bearer realm=\"gongkai\", error=\"invalid_token\"";

fn refused(message: &str, challenge: &'static str) -> ApiError {
    ApiError::new(ErrorCode::Unauthenticated, message).with_header(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(challenge),
    )
}

/// The token of an `Authorization` header: the `Bearer` scheme (any case), then the token,
/// which must be one token68 word (RFC 7235 §2.1).
pub fn bearer_token(value: &[u8]) -> Option<&str> {
    let value = std::str::from_utf8(value).ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = token.trim_start_matches(' ');
    let token68 = |c: char| c.is_ascii_alphanumeric() || "-._~+/".contains(c);
    let body = token.trim_end_matches('=');
    (!body.is_empty() && body.chars().all(token68)).then_some(token)
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let mut values = parts.headers.get_all(header::AUTHORIZATION).iter();
        let (Some(value), None) = (values.next(), values.next()) else {
            return Err(refused(
                "this operation needs a token: send `Authorization: Bearer gk_…` (one header)",
                BEARER_CHALLENGE,
            ));
        };
        let Some(token) = bearer_token(value.as_bytes()) else {
            return Err(refused(
                "the Authorization header is not `Bearer` and a token",
                INVALID_TOKEN,
            ));
        };
        match schema::workflow::tokens::authenticate(&state.db, token).await {
            Ok(actor) => Ok(Auth(actor)),
            Err(schema::workflow::WorkflowError::Unauthenticated(m)) => {
                Err(refused(&m, INVALID_TOKEN))
            }
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_tokens() {
        assert_eq!(bearer_token(b"Bearer gk_abc"), Some("gk_abc"));
        assert_eq!(bearer_token(b"bearer  gk_abc"), Some("gk_abc"));
        assert_eq!(bearer_token(b"BEARER x=="), Some("x=="));
        for bad in [
            &b"Basic dXNlcjpwYXNz"[..],
            b"Bearer",
            b"Bearer ",
            b"Bearer a b",
            b"Bearer ===",
            b"Bearer \xff",
            b"gk_abc",
        ] {
            assert_eq!(
                bearer_token(bad),
                None,
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
