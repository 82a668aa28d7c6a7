//! GB/T 2260 region codes (县级以上行政区划代码, as in use at 2024-12-31), compiled in from
//! `data/reference/gbt2260_admin_divisions_2024.csv`. The nation is `000000` (全国).

use std::collections::HashMap;
use std::sync::OnceLock;

/// The code of the nation as a whole.
pub const NATION: &str = "000000";
/// The region part of credit codes issued by national registration authorities.
pub const NATIONAL_AUTHORITY: &str = "100000";

const CSV: &str = include_str!("../../data/reference/gbt2260_admin_divisions_2024.csv");

/// One region of the code list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    pub code: String,
    pub name: String,
    /// 国家, 省级, 地级 or 县级.
    pub level: String,
    /// Code of the province (empty for the nation and provinces themselves).
    pub province: String,
    /// Code of the prefecture, where there is one.
    pub prefecture: String,
}

impl Region {
    /// The nearest enclosing region: prefecture, else province, else the nation.
    pub fn parent(&self) -> Option<&str> {
        match self.level.as_str() {
            "国家" => None,
            "省级" => Some(NATION),
            _ if !self.prefecture.is_empty() && self.prefecture != self.code => {
                Some(&self.prefecture)
            }
            _ => Some(&self.province),
        }
    }
}

/// The code list, loaded once.
pub fn all() -> &'static [Region] {
    static LIST: OnceLock<Vec<Region>> = OnceLock::new();
    LIST.get_or_init(|| {
        let mut out = vec![Region {
            code: NATION.into(),
            name: "全国".into(),
            level: "国家".into(),
            province: String::new(),
            prefecture: String::new(),
        }];
        for line in CSV.lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            if f.len() < 5 {
                continue;
            }
            out.push(Region {
                code: f[0].into(),
                name: f[1].into(),
                level: f[2].into(),
                province: f[3].into(),
                prefecture: f[4].into(),
            });
        }
        out
    })
}

fn index() -> &'static HashMap<&'static str, &'static Region> {
    static IDX: OnceLock<HashMap<&'static str, &'static Region>> = OnceLock::new();
    IDX.get_or_init(|| all().iter().map(|r| (r.code.as_str(), r)).collect())
}

/// Look a code up.
pub fn get(code: &str) -> Option<&'static Region> {
    index().get(code).copied()
}

/// The province-level code for any code in the list (`000000` stays the nation).
pub fn province_of(code: &str) -> Option<&'static str> {
    let r = get(code)?;
    Some(match r.level.as_str() {
        "国家" | "省级" => r.code.as_str(),
        _ => get(&r.province)?.code.as_str(),
    })
}

/// Why a region cell is not a usable code.
pub fn check(code: &str) -> Result<&'static Region, String> {
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("地区代码应为6位数字（GB/T 2260），此处为“{code}”"));
    }
    get(code)
        .ok_or_else(|| format!("地区代码“{code}”不在 GB/T 2260 县级以上行政区划代码表（2024年）中"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_is_complete() {
        // 34 provincial, 333 prefecture and 2846 county-level codes, plus the nation.
        assert_eq!(all().len(), 3214);
        assert_eq!(all().iter().filter(|r| r.level == "省级").count(), 34);
    }

    #[test]
    fn lookups() {
        assert_eq!(get("430700").map(|r| r.name.as_str()), Some("常德市"));
        assert_eq!(province_of("511724"), Some("510000"));
        assert_eq!(get("511724").and_then(|r| r.parent()), Some("511700"));
        assert_eq!(get("430000").and_then(|r| r.parent()), Some(NATION));
        assert!(
            check("430771").is_err(),
            "NBS statistical codes are not GB/T 2260"
        );
        assert!(check("43070").is_err());
        assert!(check(NATION).is_ok());
    }
}
