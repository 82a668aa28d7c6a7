//! 统一社会信用代码 (unified social credit code, GB 32100-2015).
//!
//! Eighteen characters from a 31-character alphabet (no I, O, S, V, Z):
//! position 1 the registration department, 2 the organization category, 3–8 the region of the
//! registration authority, 9–17 the organization code (GB 11714, whose own check character is
//! position 17), and position 18 a mod-31 check over the first seventeen.

use std::fmt;

/// The 31 characters a credit code may contain, in check-value order.
pub const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS_18: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];
const WEIGHTS_11714: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// Why a credit code is not valid, in words a clerk can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UsccError {
    Length(usize),
    Character { position: usize, found: char },
    OrgCodeCheck { expected: char, found: char },
    Check { expected: char, found: char },
}

impl fmt::Display for UsccError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UsccError::Length(n) => write!(f, "统一社会信用代码应为18位，此处为{n}位"),
            UsccError::Character { position, found } => write!(
                f,
                "统一社会信用代码第{position}位“{found}”不是允许的字符（数字或除 I、O、S、V、Z 外的大写字母）"
            ),
            UsccError::OrgCodeCheck { expected, found } => write!(
                f,
                "统一社会信用代码第17位（组织机构代码校验码）应为“{expected}”，此处为“{found}”"
            ),
            UsccError::Check { expected, found } => {
                write!(
                    f,
                    "统一社会信用代码第18位校验码应为“{expected}”，此处为“{found}”"
                )
            }
        }
    }
}

fn value_of(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// The GB 11714 check character for an eight-character organization code body.
pub fn org_code_check(body: &[u8]) -> Option<char> {
    if body.len() != 8 {
        return None;
    }
    let mut sum = 0u32;
    for (c, w) in body.iter().zip(WEIGHTS_11714) {
        let v = match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            b'A'..=b'Z' => u32::from(c - b'A') + 10,
            _ => return None,
        };
        sum += v * w;
    }
    Some(match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        d => char::from(b'0' + d as u8),
    })
}

/// The mod-31 check character (position 18) for the first seventeen characters.
pub fn check_char(first17: &[u8]) -> Option<char> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (c, w) in first17.iter().zip(WEIGHTS_18) {
        sum += value_of(*c)? * w;
    }
    let v = (31 - sum % 31) % 31;
    Some(char::from(ALPHABET[v as usize]))
}

/// Validate a credit code (already trimmed and upper-cased by the caller, or not: this does both).
/// Returns the canonical form.
pub fn validate(code: &str) -> Result<String, UsccError> {
    let code: String = code.trim().to_ascii_uppercase();
    let n = code.chars().count();
    if n != 18 {
        return Err(UsccError::Length(n));
    }
    let bytes = code.as_bytes();
    for (i, c) in code.chars().enumerate() {
        if !c.is_ascii() || value_of(c as u8).is_none() {
            return Err(UsccError::Character {
                position: i + 1,
                found: c,
            });
        }
    }
    if let Some(expected) = org_code_check(&bytes[8..16]) {
        let found = char::from(bytes[16]);
        if expected != found {
            return Err(UsccError::OrgCodeCheck { expected, found });
        }
    }
    let expected = check_char(&bytes[..17]).ok_or(UsccError::Length(n))?;
    let found = char::from(bytes[17]);
    if expected != found {
        return Err(UsccError::Check { expected, found });
    }
    Ok(code)
}

/// Build a valid credit code from its parts: department and category (e.g. `"51"`), a six-digit
/// region, and an eight-character organization code body. Used by the synthetic generator and tests.
pub fn compose(prefix: &str, region: &str, body: &str) -> Option<String> {
    if prefix.len() != 2 || region.len() != 6 || body.len() != 8 {
        return None;
    }
    let mut s = String::with_capacity(18);
    s.push_str(prefix);
    s.push_str(region);
    s.push_str(body);
    s.push(org_code_check(body.as_bytes())?);
    let c = check_char(s.as_bytes())?;
    s.push(c);
    validate(&s).ok()
}

/// The region of the registration authority (positions 3–8).
pub fn region_of(code: &str) -> &str {
    code.get(2..8).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    // Codes whose both check characters hold: a widely used example code from published
    // validators, and a foundation-category (53) code with a national registration authority.
    const VALID: &[&str] = &["91350100M000100Y43", "53100000500021676K"];

    #[test]
    fn valid_vectors_pass() {
        for code in VALID {
            assert_eq!(validate(code).as_deref(), Ok(*code), "{code}");
        }
    }

    #[test]
    fn lower_case_and_spaces_are_canonicalised() {
        assert_eq!(
            validate(" 53100000500021676k ").as_deref(),
            Ok("53100000500021676K")
        );
    }

    #[test]
    fn wrong_final_check_is_named() {
        let err = validate("53100000500021676L").unwrap_err();
        assert_eq!(
            err,
            UsccError::Check {
                expected: 'K',
                found: 'L'
            }
        );
        assert!(err.to_string().contains("第18位"));
    }

    #[test]
    fn wrong_org_code_check_is_named() {
        // Change position 17 and recompute position 18 so only the GB 11714 check is wrong.
        let mut s = b"53100000500021677".to_vec();
        let c = check_char(&s).unwrap();
        s.push(c as u8);
        let code = String::from_utf8(s).unwrap();
        assert_eq!(
            validate(&code).unwrap_err(),
            UsccError::OrgCodeCheck {
                expected: '6',
                found: '7'
            }
        );
    }

    #[test]
    fn bad_length_and_letters() {
        assert_eq!(
            validate("5310000050002167").unwrap_err(),
            UsccError::Length(16)
        );
        assert!(matches!(
            validate("5310000050002O676K").unwrap_err(),
            UsccError::Character {
                position: 14,
                found: 'O'
            }
        ));
        assert!(matches!(
            validate("53100000５00021676K").unwrap_err(),
            UsccError::Character { position: 9, .. }
        ));
    }

    #[test]
    fn compose_makes_valid_codes() {
        let code = compose("52", "430700", "MJK12345").unwrap();
        assert_eq!(code.len(), 18);
        assert_eq!(validate(&code).as_deref(), Ok(code.as_str()));
        assert_eq!(region_of(&code), "430700");
    }
}
