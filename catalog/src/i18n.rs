//! The catalog's three languages: zh-Hans (the default, at the site root), zh-Hant (under
//! `zh-Hant/`) and English (under `en/`). UI strings are one table below; dataset metadata comes
//! from the catalog in Chinese and English, and Traditional Chinese is converted from Simplified
//! with OpenCC's standard character set (`s2t`: characters only, no regional vocabulary, so a
//! name or a term is never swapped for another word).

use std::sync::OnceLock;

use serde::Serialize;

/// A language of the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Lang {
    ZhHans,
    ZhHant,
    En,
}

impl Lang {
    /// Every language, the default first.
    pub const ALL: [Lang; 3] = [Lang::ZhHans, Lang::ZhHant, Lang::En];

    /// The BCP 47 tag, as in `<html lang>` and `hreflang`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::ZhHans => "zh-Hans",
            Lang::ZhHant => "zh-Hant",
            Lang::En => "en",
        }
    }

    /// The folder of the language's pages, relative to the site root ("" for the default).
    pub fn prefix(self) -> &'static str {
        match self {
            Lang::ZhHans => "",
            Lang::ZhHant => "zh-Hant/",
            Lang::En => "en/",
        }
    }

    /// The language's own name, as the language switch shows it.
    pub fn name(self) -> &'static str {
        match self {
            Lang::ZhHans => "简体中文",
            Lang::ZhHant => "繁體中文",
            Lang::En => "English",
        }
    }

    /// Chinese text as this language shows it: Simplified as is, Traditional converted, English
    /// as is (the caller picks the English text where there is one).
    pub fn zh(self, text: &str) -> String {
        match self {
            Lang::ZhHant => to_hant(text),
            _ => text.to_string(),
        }
    }

    /// Pick the Chinese or the English text of a pair.
    pub fn pick(self, zh: &str, en: &str) -> String {
        match self {
            Lang::En => en.to_string(),
            l => l.zh(zh),
        }
    }

    /// A UI string by key; the key itself if the table lacks it (a test checks none does).
    pub fn t(self, key: &str) -> String {
        match UI.iter().find(|(k, _, _)| *k == key) {
            Some((_, zh, en)) => self.pick(zh, en),
            None => key.to_string(),
        }
    }

    /// Every UI string in this language, for the templates (`t.key`).
    pub fn strings(self) -> std::collections::BTreeMap<&'static str, String> {
        UI.iter()
            .map(|(k, zh, en)| (*k, self.pick(zh, en)))
            .collect()
    }
}

/// Whether the UI table has a string for `key`.
pub fn has(key: &str) -> bool {
    UI.iter().any(|(k, _, _)| *k == key)
}

fn opencc() -> Option<&'static ferrous_opencc::OpenCC> {
    static CC: OnceLock<Option<ferrous_opencc::OpenCC>> = OnceLock::new();
    CC.get_or_init(|| {
        ferrous_opencc::OpenCC::from_config(ferrous_opencc::config::BuiltinConfig::S2t).ok()
    })
    .as_ref()
}

/// Simplified Chinese converted to Traditional characters (OpenCC `s2t`).
pub fn to_hant(text: &str) -> String {
    match opencc() {
        Some(cc) => cc.convert(text),
        None => text.to_string(),
    }
}

/// The UI strings: key, Simplified Chinese, English (Traditional is converted from Simplified).
pub const UI: &[(&str, &str, &str)] = &[
    (
        "site_name",
        "民政信息公开数据目录",
        "Civil-affairs open data catalog",
    ),
    (
        "site_tagline",
        "民政部门主动公开的预决算、专项资金、社会救助统计和社会组织登记信息：可检索、可核验、可下载。",
        "Budgets, subsidy funds, social-assistance statistics and the social-organization registry that civil-affairs departments disclose: searchable, verifiable, downloadable.",
    ),
    ("skip", "跳到正文", "Skip to content"),
    ("colon", "：", ": "),
    ("nav", "主导航", "Main navigation"),
    ("nav_home", "首页", "Home"),
    ("nav_datasets", "数据集", "Datasets"),
    ("nav_search", "搜索", "Search"),
    ("nav_lang", "语言", "Language"),
    ("elder", "长者模式", "Elder mode"),
    (
        "elder_hint",
        "放大字号、提高对比度，并在本设备上记住",
        "Larger text and higher contrast, remembered on this device",
    ),
    (
        "search_label",
        "搜索数据集和社会组织",
        "Search datasets and organizations",
    ),
    (
        "search_placeholder",
        "名称、统一社会信用代码或关键词",
        "Name, credit code or keyword",
    ),
    ("search_button", "搜索", "Search"),
    ("search_title", "搜索", "Search"),
    (
        "search_intro",
        "在浏览器中检索，无需服务器：数据集的标题、说明和字段，以及社会组织的名称和统一社会信用代码。",
        "Search in your browser, no server needed: dataset titles, descriptions and fields, and organizations by name and unified social credit code.",
    ),
    (
        "search_noscript",
        "搜索需要 JavaScript。其他页面均可在不启用 JavaScript 时浏览，数据集可从数据集列表下载。",
        "Search needs JavaScript. Every other page works without it, and every dataset can be downloaded from the dataset list.",
    ),
    ("search_datasets", "数据集", "Datasets"),
    ("search_registry", "社会组织", "Organizations"),
    ("search_searching", "正在搜索…", "Searching…"),
    ("search_none", "没有找到结果。", "No results."),
    ("search_count", "共 {n} 条", "Results: {n}"),
    ("search_at_least", "至少 {n} 条", "Results: at least {n}"),
    ("search_more", "显示更多", "Show more"),
    (
        "search_error",
        "搜索索引加载失败。",
        "The search index could not be loaded.",
    ),
    (
        "search_too_short",
        "请至少输入两个连续的汉字、一个英文词或数字，或信用代码的前 4 位。",
        "Type at least two Chinese characters in a row, a word or number, or the first 4 characters of a credit code.",
    ),
    (
        "search_too_long",
        "查询太长：最多 100 个字符、8 个词。",
        "The query is too long: at most 100 characters and 8 words.",
    ),
    ("themes", "主题", "Themes"),
    ("latest", "最新发布", "Latest releases"),
    ("all_datasets", "全部数据集", "All datasets"),
    ("datasets_title", "数据集", "Datasets"),
    ("filters", "筛选", "Filters"),
    ("filter_theme", "主题", "Theme"),
    ("filter_publisher", "发布机构", "Publisher"),
    ("filter_year", "年份", "Year"),
    ("filter_region", "地区", "Region"),
    ("filter_all", "全部", "All"),
    ("filter_active", "当前筛选", "Current filter"),
    ("n_datasets", "{n} 个数据集", "{n} datasets"),
    ("rows", "行", "rows"),
    ("n_rows", "{n} 行", "{n} rows"),
    ("metadata", "元数据", "Metadata"),
    ("index_number", "索引号", "Index number"),
    ("document_number", "文号", "Document number"),
    ("publisher", "发布机构", "Publisher"),
    ("issued_on", "发文日期", "Date issued"),
    ("validity", "效力状态", "Validity"),
    ("superseded_by", "被替代为", "Superseded by"),
    ("update_frequency", "更新频率", "Update frequency"),
    ("temporal_coverage", "时间范围", "Temporal coverage"),
    ("spatial_coverage", "空间范围", "Spatial coverage"),
    ("licence", "许可协议", "Licence"),
    ("contact", "联系方式", "Contact"),
    ("keywords", "关键词", "Keywords"),
    ("theme", "主题", "Theme"),
    ("version", "版本", "Version"),
    ("published_at", "发布时间", "Published"),
    (
        "synthetic",
        "合成数据（用于规模测试，非真实数据）",
        "Synthetic data (for scale tests, not real)",
    ),
    ("dictionary", "数据字典", "Data dictionary"),
    ("field", "字段", "Field"),
    ("header", "表头", "Header"),
    ("type", "类型", "Type"),
    ("unit", "单位", "Unit"),
    ("required", "必填", "Required"),
    ("description", "说明", "Description"),
    ("table", "表", "Table"),
    ("yes", "是", "yes"),
    ("no", "否", "no"),
    ("sources", "来源文件", "Source documents"),
    ("source_title", "标题", "Title"),
    ("source_date", "日期", "Date"),
    ("source_grade", "等级", "Grade"),
    ("source_rows", "引用行数", "Rows citing it"),
    ("history", "发布历史", "Release history"),
    ("state", "状态", "State"),
    ("state_published", "现行", "current"),
    ("state_superseded", "已被替代", "superseded"),
    ("state_withdrawn", "已撤回", "withdrawn"),
    (
        "withdrawn_notice",
        "{at} 撤回：{reason}",
        "Withdrawn {at}: {reason}",
    ),
    (
        "withdrawn_banner",
        "第 {v} 版已于 {at} 撤回，其数据不再公开。撤回原因：{reason}",
        "Version {v} was withdrawn on {at}; its data is no longer published. Reason: {reason}",
    ),
    (
        "superseded_notice",
        "被第 {v} 版替代（废止）",
        "Superseded by version {v}",
    ),
    ("changes", "本版变更", "Changes in this release"),
    (
        "changes_value",
        "与上一版相比：新增 {added} 条，删除 {removed} 条，修改 {changed} 条，未变 {unchanged} 条。",
        "Against the previous release: {added} added, {removed} removed, {changed} changed, {unchanged} unchanged.",
    ),
    (
        "changes_note",
        "最多列出前 50 条；全部变更见 API。",
        "At most the first 50 are listed; the API has all of them.",
    ),
    ("change", "变更", "Change"),
    ("change_added", "新增", "added"),
    ("change_removed", "删除", "removed"),
    ("change_changed", "修改", "changed"),
    ("record_key", "记录", "Record"),
    (
        "changed_fields",
        "变更字段（旧 → 新）",
        "Changed fields (old → new)",
    ),
    (
        "release_changes",
        "变更（+新增 −删除 ~修改）",
        "Changes (+added −removed ~changed)",
    ),
    ("timely", "3 日内发布", "Within 3 days"),
    (
        "timeliness",
        "及时性（3 日内发布）",
        "Timeliness (published within 3 days)",
    ),
    ("timeliness_value", "{a}/{b}（{p}%）", "{a} of {b} ({p}%)"),
    ("corrections", "内容纠错", "Corrections"),
    (
        "corrections_value",
        "待处理 {open} 条，已处理 {resolved} 条",
        "{open} open, {resolved} resolved",
    ),
    ("disclosure", "公开属性", "Disclosure"),
    (
        "withheld",
        "不予公开（负面清单）",
        "withheld (negative list)",
    ),
    ("disclosed", "公开", "published"),
    ("files", "导入文件", "Imported files"),
    ("preview", "数据预览", "Preview"),
    (
        "preview_note",
        "每张表的前 {n} 行；完整数据请下载。",
        "The first {n} rows of each table; download for all of them.",
    ),
    ("charts", "图表", "Charts"),
    ("chart_table", "图表数据", "Chart data"),
    ("downloads", "下载", "Downloads"),
    ("format", "格式", "Format"),
    ("size", "大小", "Size"),
    ("sha256", "SHA-256", "SHA-256"),
    (
        "datapackage",
        "数据包描述（Frictionless datapackage.json）",
        "Data package (Frictionless datapackage.json)",
    ),
    (
        "schema_org",
        "schema.org 描述（JSON-LD）",
        "schema.org description (JSON-LD)",
    ),
    ("verify_title", "核验本站", "Verify this site"),
    (
        "verify_text",
        "本站每个文件的 SHA-256 列于 SHA256SUMS，并以 Ed25519 签名（SHA256SUMS.sig）。可用 gongkai catalog verify 或 sha256sum -c 核验镜像未被篡改。",
        "Every file's SHA-256 is listed in SHA256SUMS, signed with Ed25519 (SHA256SUMS.sig). Check that a mirror is unaltered with gongkai catalog verify or sha256sum -c.",
    ),
    ("machine", "机器可读", "Machine-readable"),
    ("feed", "发布订阅（Atom）", "Releases feed (Atom)"),
    (
        "dcat",
        "DCAT-AP 目录（JSON-LD）",
        "DCAT-AP catalog (JSON-LD)",
    ),
    ("data_json", "data.json 目录", "data.json catalog"),
    (
        "registry_title",
        "社会组织登记信息",
        "Social-organization registry",
    ),
    (
        "org_page_title",
        "社会组织（分组 {b}）",
        "Organizations (group {b})",
    ),
    (
        "org_page_intro",
        "本页列出统一社会信用代码散列到同一分组的社会组织。每个组织的固定地址是本页加上 #统一社会信用代码。",
        "This page lists the organizations whose credit codes hash to this group. Each organization's permanent address is this page followed by #credit-code.",
    ),
    ("uscc", "统一社会信用代码", "Unified social credit code"),
    ("org_name", "名称", "Name"),
    ("org_type", "类型", "Type"),
    ("authority", "登记管理机关", "Registration authority"),
    ("supervisor", "业务主管单位", "Supervising unit"),
    ("legal_rep", "法定代表人", "Legal representative"),
    ("capital", "注册资金", "Registered capital"),
    ("founded", "成立日期", "Founded"),
    ("address", "住所", "Address"),
    ("scope", "业务范围", "Business scope"),
    ("status", "登记状态", "Status"),
    ("charity", "慈善组织", "Charity"),
    ("fundraising", "公开募捐资格", "Public fundraising"),
    ("inspections", "年度检查", "Annual inspections"),
    ("evaluations", "评估等级", "Evaluation grades"),
    ("penalties", "行政处罚", "Administrative penalties"),
    ("credit_listings", "信用名单", "Credit lists"),
    ("charity_filings", "慈善备案", "Charity filings"),
    (
        "back_to_registry",
        "返回社会组织数据集",
        "Back to the registry dataset",
    ),
    ("not_found_title", "页面不存在", "Page not found"),
    (
        "not_found_text",
        "找不到这个页面。可以从首页或数据集列表继续浏览，或者搜索。",
        "This page does not exist. Continue from the home page or the dataset list, or search.",
    ),
    (
        "footer",
        "数据来自各级民政部门公开的文件；每个数字都标明来源。",
        "Data from documents published by civil-affairs departments; every figure names its source.",
    ),
    (
        "generated",
        "本目录由 gongkai 生成，可作为静态文件在任何地方镜像。",
        "Generated by gongkai; any mirror can host it as plain files.",
    ),
    ("print_note", "打印自", "Printed from"),
    ("view_all", "查看全部", "View all"),
    (
        "chart_relief",
        "社会救助：按时期",
        "Social assistance over time",
    ),
    (
        "chart_budget",
        "预决算：按功能分类科目",
        "Budgets by functional subject",
    ),
    (
        "chart_funds",
        "专项资金：按分配地区",
        "Subsidy funds by recipient region",
    ),
    (
        "chart_registry",
        "社会组织：按登记状态",
        "Organizations by status",
    ),
    (
        "chart_reports",
        "政府信息公开年度报告：按年度",
        "Disclosure annual reports by year",
    ),
    ("theme_finance", "财政资金", "Public finance"),
    ("theme_social-assistance", "社会救助", "Social assistance"),
    (
        "theme_social-organizations",
        "社会组织",
        "Social organizations",
    ),
    ("theme_transparency", "政务公开", "Government transparency"),
    ("freq_annual", "每年", "Annual"),
    ("freq_monthly", "每月", "Monthly"),
    ("freq_continuous", "持续更新", "Continuous"),
    ("freq_irregular", "不定期", "Irregular"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_hant_converts() {
        let mut keys: Vec<_> = UI.iter().map(|(k, _, _)| *k).collect();
        keys.sort_unstable();
        let n = keys.len();
        keys.dedup();
        assert_eq!(keys.len(), n, "duplicate UI keys");
        assert_eq!(Lang::ZhHant.zh("数据集"), "數據集");
        assert_eq!(Lang::ZhHant.t("site_name"), to_hant("民政信息公开数据目录"));
        assert_eq!(Lang::En.t("nav_home"), "Home");
    }
}
