//! Table descriptors: the import formats, and the data dictionary published with every dataset.
//!
//! One descriptor per importable table. The header a department writes (Chinese, as in its
//! spreadsheet) is matched against `header` and `aliases` after normalisation (full-width folded,
//! spaces and a trailing unit in brackets dropped), so `金额（万元）`, `金额` and `amount` all name the
//! same column. The source columns in [`SOURCE_COLUMNS`] are accepted by every table.

use serde::Serialize;

/// What a column holds, which decides how a cell is parsed and checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "values")]
pub enum Kind {
    /// Free text, trimmed.
    Text,
    /// A GB/T 2260 six-digit region code checked against the code list; `000000` is the nation.
    Region,
    /// A four-digit year.
    Year,
    /// A period: `2017`, `2017-Q2`, `2017-H1`, `2017-06`, `2018-02-28`, or a range `2019-01/2019-05`.
    Period,
    /// A date: `2017-06-19`, `2017/6/19`, `2017年6月19日`, `20170619`.
    Date,
    /// An amount of money; normalised to integer fen with the unit of the row (元/万元/亿元).
    Money,
    /// A figure with a unit (persons, households, money, rates); normalised to an integer in the base unit.
    Quantity,
    /// The unit of a `Money` or `Quantity` column in the same row.
    Unit,
    /// A unified social credit code (统一社会信用代码), both check characters verified.
    Uscc,
    /// 是 / 否 (also yes/no, true/false, 1/0, Y/N).
    Bool,
    /// One of a fixed list of values (aliases are folded to the canonical value).
    Enum(&'static [&'static str]),
}

/// One column of an import table and of the published data dictionary.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Column {
    /// Stable machine name, also accepted as a header.
    pub key: &'static str,
    /// The header as departments write it.
    pub header: &'static str,
    /// Other headers accepted for this column.
    pub aliases: &'static [&'static str],
    pub kind: Kind,
    pub required: bool,
    pub description_zh: &'static str,
    pub description_en: &'static str,
}

/// One importable table.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Table {
    /// The dataset this table belongs to (see [`crate::catalog`]).
    pub dataset: &'static str,
    /// Machine name, e.g. `organizations`; `DATASET.NAME` selects the table on import.
    pub name: &'static str,
    /// The database table the rows are stored in.
    pub db_table: &'static str,
    /// The columns that identify a row: two rows with the same key in one release are an error.
    pub key: &'static [&'static str],
    pub title_zh: &'static str,
    pub title_en: &'static str,
    pub columns: &'static [Column],
}

impl Table {
    /// `dataset.name`, the qualified name used on the command line.
    pub fn qualified(&self) -> String {
        format!("{}.{}", self.dataset, self.name)
    }

    /// All columns the table accepts: its own and the shared source columns.
    pub fn all_columns(&self) -> impl Iterator<Item = &'static Column> + '_ {
        self.columns.iter().chain(SOURCE_COLUMNS.iter())
    }
}

macro_rules! col {
    ($key:literal, $header:literal, [$($alias:literal),*], $kind:expr, $req:literal, $zh:literal, $en:literal) => {
        Column {
            key: $key,
            header: $header,
            aliases: &[$($alias),*],
            kind: $kind,
            required: $req,
            description_zh: $zh,
            description_en: $en,
        }
    };
}

// ---- enumerations -------------------------------------------------------------------------

pub const BUDGET_STAGES: &[&str] = &["预算", "调整预算", "决算"];
pub const CLASSIFICATIONS: &[&str] = &["功能分类", "经济分类"];
pub const FUND_LEVELS: &[&str] = &["中央", "省", "市", "县"];
pub const PERIOD_TYPES: &[&str] = &[
    "year_end",
    "year_total",
    "year",
    "half_year_total",
    "quarter_end",
    "quarter_total",
    "month_end",
    "month_total",
    "ytd_total",
    "period_total",
    "cumulative",
    "snapshot",
];
pub const PROGRAMMES: &[&str] = &[
    "城乡低保",
    "城市低保",
    "农村低保",
    "特困人员救助供养",
    "城市特困人员救助供养",
    "农村特困人员救助供养",
    "临时救助",
    "医疗救助",
    "流浪乞讨人员救助",
    "孤儿基本生活保障",
    "事实无人抚养儿童基本生活保障",
    "困难残疾人生活补贴",
    "重度残疾人护理补贴",
    "社会救助（合计）",
];
pub const INDICATORS: &[&str] = &[
    "户数",
    "人数",
    "人次",
    "平均标准",
    "平均补助水平",
    "资金支出",
    "计划支出",
    "机构数",
];
pub const ORG_TYPES: &[&str] = &["社会团体", "社会服务机构", "基金会"];
pub const ORG_STATUSES: &[&str] = &["正常", "注销", "撤销"];
pub const INSPECTION_CONCLUSIONS: &[&str] = &["合格", "基本合格", "不合格", "未参检"];
pub const EVALUATION_GRADES: &[&str] = &["1A", "2A", "3A", "4A", "5A"];
/// The statutory ladder of administrative penalties for social organizations, mildest first.
pub const PENALTY_TYPES: &[&str] = &[
    "警告",
    "通报批评",
    "罚款",
    "没收违法所得",
    "没收非法财物",
    "限期停止活动",
    "责令撤换主要负责人",
    "撤销登记",
];
pub const CREDIT_LISTS: &[&str] = &["活动异常名录", "严重违法失信名单"];
pub const CHARITY_FILING_TYPES: &[&str] = &["公开募捐方案备案", "慈善信托备案"];
pub const DISPOSALS: &[&str] = &["取缔", "劝散", "引导登记", "涉嫌"];
pub const REPORT_TABLES: &[&str] = &["表二", "表三", "表四", "其他"];
pub const SOURCE_GRADES: &[&str] = &["A", "B", "C", "S"];

// ---- shared source columns ------------------------------------------------------------------

/// Provenance columns accepted by every table. A row without a source title takes the one given
/// on the command line (`--source`); a row with neither is an error: no figure without a source.
pub const SOURCE_COLUMNS: &[Column] = &[
    col!(
        "source",
        "来源",
        ["出处"],
        Kind::Text,
        false,
        "来源（标题 | 网址 | 发布机构及日期，合写一栏）",
        "Source as one string: title | URL | publisher and date"
    ),
    col!(
        "source_title",
        "来源标题",
        ["来源文件", "来源名称"],
        Kind::Text,
        false,
        "来源文件标题",
        "Title of the source document"
    ),
    col!(
        "source_url",
        "来源网址",
        ["来源链接"],
        Kind::Text,
        false,
        "来源文件网址",
        "URL of the source document"
    ),
    col!(
        "source_publisher_date",
        "来源发布机构及日期",
        ["来源发布机构"],
        Kind::Text,
        false,
        "来源的发布机构及日期，照原文",
        "Publisher and date of the source, as written"
    ),
    col!(
        "source_document_number",
        "来源文号",
        [],
        Kind::Text,
        false,
        "来源文件的文号",
        "Document number (文号) of the source"
    ),
    col!(
        "source_grade",
        "来源等级",
        [],
        Kind::Enum(SOURCE_GRADES),
        false,
        "来源等级：A 政府网站；B 主流媒体或研究机构；C 转载或未记录网址；S 合成数据",
        "Source grade: A official site; B mainstream media or institute; C reprint or no URL; S synthetic"
    ),
];

// ---- 1. budgets and final accounts ---------------------------------------------------------

pub const BUDGET_LINES: Table = Table {
    dataset: "budgets",
    name: "lines",
    db_table: "budget_lines",
    key: &[
        "department",
        "region_code",
        "fiscal_year",
        "stage",
        "table_name",
        "classification",
        "subject_code",
        "subject_name",
    ],
    title_zh: "部门预决算明细",
    title_en: "Budget and final-account lines",
    columns: &[
        col!(
            "department",
            "单位名称",
            ["部门", "部门名称", "预算单位"],
            Kind::Text,
            true,
            "编报预决算的部门或单位",
            "Department or unit that reports the budget"
        ),
        col!(
            "region_code",
            "地区代码",
            ["行政区划代码"],
            Kind::Region,
            true,
            "部门所在地区的 GB/T 2260 代码",
            "GB/T 2260 code of the department's region"
        ),
        col!(
            "region_name",
            "地区名称",
            ["地区"],
            Kind::Text,
            false,
            "地区名称，照原文",
            "Region name as published"
        ),
        col!(
            "fiscal_year",
            "年度",
            ["预算年度", "财政年度"],
            Kind::Year,
            true,
            "预决算年度",
            "Fiscal year"
        ),
        col!(
            "stage",
            "阶段",
            ["预决算阶段"],
            Kind::Enum(BUDGET_STAGES),
            true,
            "预算、调整预算或决算",
            "Stage: budget, adjusted budget or final account"
        ),
        col!(
            "document_type",
            "文件类型",
            ["公开文件"],
            Kind::Text,
            false,
            "原文件类型，如部门预算、单位决算",
            "Document type as published, e.g. 部门预算, 单位决算"
        ),
        col!(
            "table_name",
            "表名",
            ["表格", "表或说明部分"],
            Kind::Text,
            true,
            "所在表格或说明部分，如收支总表、三公经费",
            "Table or section, e.g. 收支总表, 三公经费"
        ),
        col!(
            "classification",
            "分类",
            ["科目分类"],
            Kind::Enum(CLASSIFICATIONS),
            false,
            "功能分类或经济分类",
            "Functional or economic classification"
        ),
        col!(
            "subject_code",
            "科目编码",
            ["科目代码"],
            Kind::Text,
            false,
            "政府收支分类科目编码（类3位、款5位、项7位），原文未给出则留空",
            "Government revenue and expenditure classification code (3, 5 or 7 digits); empty when the source gives none"
        ),
        col!(
            "subject_name",
            "科目名称",
            ["项目", "科目"],
            Kind::Text,
            true,
            "科目或项目名称，照原文",
            "Subject or item name as published"
        ),
        col!(
            "amount",
            "金额",
            ["数额", "金额（万元）"],
            Kind::Money,
            true,
            "金额，存为整数分；原文照录",
            "Amount, stored as integer fen; the text is kept as published"
        ),
        col!(
            "unit",
            "单位",
            ["金额单位", "计量单位"],
            Kind::Unit,
            false,
            "金额单位：元、万元、亿元（缺省为元）",
            "Unit of the amount: 元, 万元 or 亿元 (default 元)"
        ),
        col!("note", "备注", ["说明"], Kind::Text, false, "备注", "Note"),
    ],
};

// ---- 2. special subsidy funds -------------------------------------------------------------

pub const FUND_LINES: Table = Table {
    dataset: "funds",
    name: "lines",
    db_table: "fund_lines",
    key: &[
        "fund_name",
        "level",
        "fiscal_year",
        "recipient_region_code",
        "recipient_unit",
        "item",
        "parent_item",
        "batch",
    ],
    title_zh: "专项资金分配明细",
    title_en: "Special fund allocation lines",
    columns: &[
        col!(
            "fund_name",
            "资金名称",
            ["专项资金名称"],
            Kind::Text,
            true,
            "专项资金名称",
            "Name of the special fund"
        ),
        col!(
            "level",
            "资金级次",
            ["级次"],
            Kind::Enum(FUND_LEVELS),
            true,
            "中央、省、市或县",
            "Level: central, province, prefecture or county"
        ),
        col!(
            "allocating_body",
            "分配机关",
            ["下达机关", "分配部门"],
            Kind::Text,
            true,
            "分配或下达资金的机关，照原文",
            "Allocating body as published"
        ),
        col!(
            "fiscal_year",
            "预算年度",
            ["年度"],
            Kind::Period,
            true,
            "资金所属年度，或年度区间如 2021/2025",
            "Fiscal year, or a range such as 2021/2025"
        ),
        col!(
            "document_number",
            "文号",
            ["下达文号"],
            Kind::Text,
            false,
            "资金下达文件的文号",
            "Document number of the allocation"
        ),
        col!(
            "fund_total",
            "资金总额",
            [],
            Kind::Money,
            false,
            "资金总额；给出时，顶层明细之和不得超过",
            "Fund total; when given, top-level lines may not exceed it"
        ),
        col!(
            "principle",
            "分配原则",
            ["分配办法"],
            Kind::Text,
            false,
            "分配原则或分配办法",
            "Allocation principle"
        ),
        col!(
            "recipient_region_code",
            "接收地区代码",
            [],
            Kind::Region,
            false,
            "接收地区代码，全国为 000000",
            "Recipient region code; 000000 for the nation"
        ),
        col!(
            "recipient_region_name",
            "接收地区",
            ["接收地区名称"],
            Kind::Text,
            false,
            "接收地区名称，照原文",
            "Recipient region as published"
        ),
        col!(
            "recipient_unit",
            "接收单位",
            [],
            Kind::Text,
            false,
            "接收单位",
            "Recipient unit"
        ),
        col!(
            "item",
            "项目",
            ["项目名称", "资金用途"],
            Kind::Text,
            true,
            "明细项目名称",
            "Line item"
        ),
        col!(
            "parent_item",
            "上级项目",
            ["所属项目"],
            Kind::Text,
            false,
            "上级项目名称；同一资金内，下级项目之和不得超过上级项目",
            "Parent item; within a fund, the children of an item may not sum to more than it"
        ),
        col!(
            "amount",
            "金额",
            ["分配金额"],
            Kind::Money,
            true,
            "金额，存为整数分；原文照录",
            "Amount, stored as integer fen; the text is kept as published"
        ),
        col!(
            "unit",
            "单位",
            ["金额单位"],
            Kind::Unit,
            false,
            "金额单位：元、万元、亿元（缺省为元）",
            "Unit of the amount (default 元)"
        ),
        col!(
            "batch",
            "批次",
            [],
            Kind::Text,
            false,
            "下达批次",
            "Allocation batch"
        ),
        col!(
            "allocated_date",
            "下达日期",
            ["日期"],
            Kind::Date,
            false,
            "下达日期",
            "Date of allocation"
        ),
        col!(
            "qualifier",
            "限定词",
            [],
            Kind::Text,
            false,
            "原文数字前后的约、超过、近、余等",
            "Words around the figure such as 约, 超过"
        ),
        col!("note", "备注", ["说明"], Kind::Text, false, "备注", "Note"),
    ],
};

// ---- 3. social-assistance statistics ------------------------------------------------------

pub const RELIEF_STATS: Table = Table {
    dataset: "relief",
    name: "stats",
    db_table: "relief_stats",
    key: &[
        "region_code",
        "period",
        "period_type",
        "programme",
        "indicator",
        "breakdown",
    ],
    title_zh: "社会救助统计",
    title_en: "Social-assistance statistics",
    columns: &[
        col!(
            "region_code",
            "地区代码",
            ["行政区划代码"],
            Kind::Region,
            true,
            "GB/T 2260 地区代码，全国为 000000",
            "GB/T 2260 region code; 000000 for the nation"
        ),
        col!(
            "region_name",
            "地区名称",
            ["地区"],
            Kind::Text,
            false,
            "地区名称，照原文",
            "Region name as published"
        ),
        col!(
            "period",
            "统计期",
            ["时期", "期别"],
            Kind::Period,
            true,
            "统计期：2017、2017-Q2、2017-06、2018-02-28 或区间",
            "Period: 2017, 2017-Q2, 2017-06, 2018-02-28 or a range"
        ),
        col!(
            "period_type",
            "期别类型",
            [],
            Kind::Enum(PERIOD_TYPES),
            true,
            "期末数、全年累计、月末数等",
            "Period type: year_end, year_total, month_end, …"
        ),
        col!(
            "programme",
            "救助项目",
            ["项目"],
            Kind::Enum(PROGRAMMES),
            true,
            "救助项目，如城市低保、农村低保、特困人员救助供养",
            "Programme, e.g. urban or rural dibao"
        ),
        col!(
            "indicator",
            "指标",
            [],
            Kind::Enum(INDICATORS),
            true,
            "指标：户数、人数、人次、平均标准、平均补助水平、资金支出等",
            "Indicator: households, persons, person-times, standard, average subsidy, expenditure"
        ),
        col!(
            "breakdown",
            "分组",
            ["细分"],
            Kind::Text,
            false,
            "分组，如女性、老年人、集中供养、治理前",
            "Breakdown, e.g. women, elderly, before clean-up"
        ),
        col!(
            "value",
            "数值",
            ["数量", "值"],
            Kind::Quantity,
            true,
            "数值，按单位换算为整数（人、户、人次、分）；原文照录",
            "Value, normalised to an integer in the base unit (persons, households, person-times, fen); the text is kept as published"
        ),
        col!(
            "unit",
            "单位",
            ["计量单位"],
            Kind::Unit,
            false,
            "原文单位，如万人、万户、亿元、元/人·月",
            "Unit as published, e.g. 万人, 万户, 亿元, 元/人·月"
        ),
        col!(
            "qualifier",
            "限定词",
            [],
            Kind::Text,
            false,
            "原文数字前后的约、超过、近、余等",
            "Words around the figure such as 约, 超过"
        ),
        col!(
            "indicator_published",
            "原指标名称",
            ["原文指标"],
            Kind::Text,
            false,
            "原文中的指标名称",
            "Indicator name as published"
        ),
        col!(
            "stated_change",
            "增减说明",
            [],
            Kind::Text,
            false,
            "原文的同比说明，如比上年增长9.5%",
            "Stated change as published"
        ),
        col!("note", "备注", ["说明"], Kind::Text, false, "备注", "Note"),
    ],
};

// ---- 4. social-organization registry ------------------------------------------------------

pub const ORGANIZATIONS: Table = Table {
    dataset: "registry",
    name: "organizations",
    db_table: "organizations",
    key: &["uscc"],
    title_zh: "社会组织登记信息",
    title_en: "Registered social organizations",
    columns: &[
        col!(
            "uscc",
            "统一社会信用代码",
            ["信用代码"],
            Kind::Uscc,
            true,
            "统一社会信用代码（GB 32100-2015）",
            "Unified social credit code (GB 32100-2015)"
        ),
        col!(
            "name",
            "社会组织名称",
            ["名称", "组织名称"],
            Kind::Text,
            true,
            "名称",
            "Name"
        ),
        col!(
            "org_type",
            "社会组织类型",
            ["类型", "组织类型"],
            Kind::Enum(ORG_TYPES),
            true,
            "社会团体、社会服务机构（民办非企业单位）或基金会",
            "Social group, social service organization or foundation"
        ),
        col!(
            "registration_authority",
            "登记管理机关",
            ["登记机关"],
            Kind::Text,
            true,
            "登记管理机关",
            "Registration authority"
        ),
        col!(
            "region_code",
            "地区代码",
            [],
            Kind::Region,
            false,
            "登记管理机关所在地区代码；缺省时取自信用代码第3至8位",
            "Region of the registration authority; taken from the credit code when empty"
        ),
        col!(
            "supervising_unit",
            "业务主管单位",
            [],
            Kind::Text,
            false,
            "业务主管单位",
            "Supervising unit"
        ),
        col!(
            "legal_representative",
            "法定代表人",
            ["负责人"],
            Kind::Text,
            false,
            "法定代表人（依法公开）",
            "Legal representative (public by law)"
        ),
        col!(
            "registered_capital",
            "注册资金",
            ["开办资金", "原始基金"],
            Kind::Money,
            false,
            "注册资金，存为整数分",
            "Registered capital, in fen"
        ),
        col!(
            "capital_unit",
            "注册资金单位",
            [],
            Kind::Unit,
            false,
            "注册资金单位（缺省为元）",
            "Unit of the registered capital (default 元)"
        ),
        col!(
            "founded_on",
            "成立登记日期",
            ["成立日期", "登记日期"],
            Kind::Date,
            false,
            "成立登记日期",
            "Date of registration"
        ),
        col!(
            "address",
            "住所",
            ["地址"],
            Kind::Text,
            false,
            "住所",
            "Address"
        ),
        col!(
            "business_scope",
            "业务范围",
            [],
            Kind::Text,
            false,
            "业务范围",
            "Business scope"
        ),
        col!(
            "status",
            "登记状态",
            ["状态"],
            Kind::Enum(ORG_STATUSES),
            true,
            "正常、注销或撤销",
            "Status: active, deregistered or revoked"
        ),
        col!(
            "charity",
            "慈善组织",
            ["是否慈善组织"],
            Kind::Bool,
            false,
            "是否认定为慈善组织",
            "Recognised as a charity"
        ),
        col!(
            "public_fundraising",
            "公开募捐资格",
            ["是否具有公开募捐资格"],
            Kind::Bool,
            false,
            "是否具有公开募捐资格",
            "Holds public-fundraising qualification"
        ),
    ],
};

pub const INSPECTIONS: Table = Table {
    dataset: "registry",
    name: "inspections",
    db_table: "inspections",
    key: &["uscc", "year"],
    title_zh: "年度检查结论",
    title_en: "Annual inspections",
    columns: &[
        col!(
            "uscc",
            "统一社会信用代码",
            ["信用代码"],
            Kind::Uscc,
            true,
            "统一社会信用代码",
            "Unified social credit code"
        ),
        col!(
            "year",
            "年检年度",
            ["年度"],
            Kind::Year,
            true,
            "年检所属年度",
            "Year inspected"
        ),
        col!(
            "conclusion",
            "年检结论",
            ["结论"],
            Kind::Enum(INSPECTION_CONCLUSIONS),
            true,
            "合格、基本合格、不合格或未参检",
            "Pass, basic pass, fail or not inspected"
        ),
        col!(
            "authority",
            "检查机关",
            ["登记管理机关"],
            Kind::Text,
            false,
            "作出结论的机关",
            "Inspecting authority"
        ),
        col!("note", "备注", [], Kind::Text, false, "备注", "Note"),
    ],
};

pub const EVALUATIONS: Table = Table {
    dataset: "registry",
    name: "evaluations",
    db_table: "evaluations",
    key: &["uscc", "valid_from"],
    title_zh: "社会组织评估等级",
    title_en: "Evaluation grades",
    columns: &[
        col!(
            "uscc",
            "统一社会信用代码",
            ["信用代码"],
            Kind::Uscc,
            true,
            "统一社会信用代码",
            "Unified social credit code"
        ),
        col!(
            "grade",
            "评估等级",
            ["等级"],
            Kind::Enum(EVALUATION_GRADES),
            true,
            "1A 至 5A",
            "Grade 1A to 5A"
        ),
        col!(
            "valid_from",
            "有效期起",
            ["评估日期"],
            Kind::Date,
            true,
            "等级有效期起始日",
            "Grade valid from"
        ),
        col!(
            "valid_to",
            "有效期至",
            [],
            Kind::Date,
            false,
            "等级有效期截止日",
            "Grade valid until"
        ),
        col!(
            "authority",
            "评估机关",
            [],
            Kind::Text,
            false,
            "作出评估的民政部门",
            "Evaluating authority"
        ),
        col!("note", "备注", [], Kind::Text, false, "备注", "Note"),
    ],
};

pub const PENALTIES: Table = Table {
    dataset: "registry",
    name: "penalties",
    db_table: "penalties",
    key: &["decision_number"],
    title_zh: "行政处罚",
    title_en: "Administrative penalties",
    columns: &[
        col!(
            "uscc",
            "统一社会信用代码",
            ["信用代码"],
            Kind::Uscc,
            true,
            "统一社会信用代码",
            "Unified social credit code"
        ),
        col!(
            "decision_number",
            "处罚决定书文号",
            ["决定书文号", "文号"],
            Kind::Text,
            true,
            "处罚决定书文号",
            "Decision number"
        ),
        col!(
            "decided_on",
            "处罚决定日期",
            ["处罚日期", "决定日期"],
            Kind::Date,
            true,
            "处罚决定日期",
            "Date of decision"
        ),
        col!(
            "penalty_type",
            "处罚种类",
            ["处罚类别"],
            Kind::Enum(PENALTY_TYPES),
            true,
            "处罚种类，多种以顿号分隔",
            "Penalty type(s), several separated by 、"
        ),
        col!(
            "fine",
            "罚款金额",
            ["罚没金额"],
            Kind::Money,
            false,
            "罚款或没收金额，存为整数分",
            "Fine or confiscation, in fen"
        ),
        col!(
            "fine_unit",
            "罚款金额单位",
            [],
            Kind::Unit,
            false,
            "罚款金额单位（缺省为元）",
            "Unit of the fine (default 元)"
        ),
        col!(
            "reason",
            "处罚事由",
            ["违法事实"],
            Kind::Text,
            false,
            "处罚事由",
            "Reason"
        ),
        col!(
            "authority",
            "处罚机关",
            ["作出处罚决定的机关"],
            Kind::Text,
            true,
            "作出处罚决定的机关",
            "Penalising authority"
        ),
    ],
};

pub const CREDIT_LISTINGS: Table = Table {
    dataset: "registry",
    name: "credit_listings",
    db_table: "credit_listings",
    key: &["uscc", "list_type", "listed_on"],
    title_zh: "活动异常名录和严重违法失信名单",
    title_en: "Credit listings",
    columns: &[
        col!(
            "uscc",
            "统一社会信用代码",
            ["信用代码"],
            Kind::Uscc,
            true,
            "统一社会信用代码",
            "Unified social credit code"
        ),
        col!(
            "list_type",
            "名单类型",
            ["名录类型"],
            Kind::Enum(CREDIT_LISTS),
            true,
            "活动异常名录或严重违法失信名单",
            "Abnormal-activity list or serious-violation list"
        ),
        col!(
            "listed_on",
            "列入日期",
            [],
            Kind::Date,
            true,
            "列入日期",
            "Date listed"
        ),
        col!(
            "listed_reason",
            "列入原因",
            ["列入事由"],
            Kind::Text,
            false,
            "列入原因",
            "Reason for listing"
        ),
        col!(
            "removed_on",
            "移出日期",
            [],
            Kind::Date,
            false,
            "移出日期，不得早于列入日期",
            "Date removed; not before the listing"
        ),
        col!(
            "removed_reason",
            "移出原因",
            [],
            Kind::Text,
            false,
            "移出原因",
            "Reason for removal"
        ),
        col!(
            "authority",
            "决定机关",
            ["作出决定机关"],
            Kind::Text,
            true,
            "作出决定的机关",
            "Deciding authority"
        ),
    ],
};

pub const CHARITY_FILINGS: Table = Table {
    dataset: "registry",
    name: "charity_filings",
    db_table: "charity_filings",
    key: &["filing_number"],
    title_zh: "慈善备案（公开募捐方案、慈善信托）",
    title_en: "Charity filings (fundraising plans, charitable trusts)",
    columns: &[
        col!(
            "filing_number",
            "备案编号",
            ["备案号"],
            Kind::Text,
            true,
            "备案编号",
            "Filing number"
        ),
        col!(
            "filing_type",
            "备案类型",
            [],
            Kind::Enum(CHARITY_FILING_TYPES),
            true,
            "公开募捐方案备案或慈善信托备案",
            "Fundraising plan or charitable trust"
        ),
        col!(
            "uscc",
            "统一社会信用代码",
            ["信用代码"],
            Kind::Uscc,
            true,
            "募捐组织或受托人的统一社会信用代码",
            "Credit code of the fundraiser or trustee"
        ),
        col!(
            "title",
            "名称",
            ["方案名称", "信托名称"],
            Kind::Text,
            true,
            "方案或信托名称",
            "Title"
        ),
        col!(
            "starts_on",
            "起始日期",
            ["开始日期"],
            Kind::Date,
            false,
            "起始日期",
            "Start"
        ),
        col!(
            "ends_on",
            "截止日期",
            ["结束日期"],
            Kind::Date,
            false,
            "截止日期，不得早于起始日期",
            "End; not before the start"
        ),
        col!(
            "purpose",
            "目的",
            ["慈善目的", "募捐目的"],
            Kind::Text,
            false,
            "慈善目的",
            "Charitable purpose"
        ),
        col!(
            "amount",
            "金额",
            ["信托财产金额", "计划募捐金额"],
            Kind::Money,
            false,
            "金额，存为整数分",
            "Amount, in fen"
        ),
        col!(
            "unit",
            "单位",
            ["金额单位"],
            Kind::Unit,
            false,
            "金额单位（缺省为元）",
            "Unit (default 元)"
        ),
        col!(
            "authority",
            "备案机关",
            [],
            Kind::Text,
            true,
            "备案的民政部门",
            "Filing authority"
        ),
    ],
};

pub const ILLEGAL_ORGANIZATIONS: Table = Table {
    dataset: "registry",
    name: "illegal_organizations",
    db_table: "illegal_organizations",
    key: &["name", "batch"],
    title_zh: "非法社会组织及涉嫌非法社会组织名单",
    title_en: "Illegal and suspected-illegal organizations",
    columns: &[
        col!(
            "name",
            "名称",
            ["组织名称", "非法社会组织名称"],
            Kind::Text,
            true,
            "名称，照原文",
            "Name as published"
        ),
        col!(
            "batch",
            "批次",
            ["名单批次"],
            Kind::Text,
            true,
            "公布批次",
            "Published batch"
        ),
        col!(
            "published_on",
            "公布日期",
            [],
            Kind::Date,
            true,
            "公布日期",
            "Date published"
        ),
        col!(
            "publisher",
            "公布机关",
            [],
            Kind::Text,
            true,
            "公布名单的机关",
            "Publishing authority"
        ),
        col!(
            "disposal",
            "处置方式",
            ["处置"],
            Kind::Enum(DISPOSALS),
            true,
            "取缔、劝散、引导登记或涉嫌（尚未处置）",
            "Banned, dissuaded, guided to register, or suspected"
        ),
        col!(
            "region_code",
            "地区代码",
            [],
            Kind::Region,
            false,
            "活动地区代码",
            "Region of activity"
        ),
        col!("note", "备注", [], Kind::Text, false, "备注", "Note"),
    ],
};

pub const ORG_STATS: Table = Table {
    dataset: "registry",
    name: "statistics",
    db_table: "org_stats",
    key: &[
        "region_code",
        "period",
        "period_type",
        "org_type",
        "indicator",
    ],
    title_zh: "社会组织统计",
    title_en: "Social-organization statistics",
    columns: &[
        col!(
            "region_code",
            "地区代码",
            [],
            Kind::Region,
            true,
            "地区代码，全国为 000000",
            "Region code; 000000 for the nation"
        ),
        col!(
            "region_name",
            "地区名称",
            ["地区"],
            Kind::Text,
            false,
            "地区名称，照原文",
            "Region name as published"
        ),
        col!(
            "period",
            "统计期",
            ["时期"],
            Kind::Period,
            true,
            "统计期",
            "Period"
        ),
        col!(
            "period_type",
            "期别类型",
            [],
            Kind::Enum(PERIOD_TYPES),
            true,
            "期别类型",
            "Period type"
        ),
        col!(
            "org_type",
            "组织类别",
            ["类别"],
            Kind::Text,
            true,
            "组织类别，照原文，如社会团体、慈善组织",
            "Category as published, e.g. 社会团体, 慈善组织"
        ),
        col!(
            "indicator",
            "指标",
            [],
            Kind::Text,
            true,
            "指标，照原文",
            "Indicator as published"
        ),
        col!(
            "value",
            "数值",
            ["数量"],
            Kind::Quantity,
            true,
            "数值，按单位换算为整数；原文照录",
            "Value, normalised to an integer in the base unit"
        ),
        col!(
            "unit",
            "单位",
            [],
            Kind::Unit,
            false,
            "原文单位",
            "Unit as published"
        ),
        col!(
            "qualifier",
            "限定词",
            [],
            Kind::Text,
            false,
            "原文数字前后的约、超过等",
            "Words around the figure"
        ),
        col!("note", "备注", [], Kind::Text, false, "备注", "Note"),
    ],
};

// ---- 5. disclosure annual reports ---------------------------------------------------------

pub const REPORT_CELLS: Table = Table {
    dataset: "annual_reports",
    name: "cells",
    db_table: "report_cells",
    key: &[
        "agency",
        "year",
        "report_table",
        "row_label",
        "column_label",
    ],
    title_zh: "政府信息公开工作年度报告数据",
    title_en: "Disclosure annual report figures",
    columns: &[
        col!(
            "agency",
            "机关",
            ["单位名称", "部门"],
            Kind::Text,
            true,
            "报告机关",
            "Reporting agency"
        ),
        col!(
            "region_code",
            "地区代码",
            [],
            Kind::Region,
            true,
            "地区代码",
            "Region code"
        ),
        col!(
            "region_name",
            "地区名称",
            ["地区"],
            Kind::Text,
            false,
            "地区名称，照原文",
            "Region name as published"
        ),
        col!(
            "year",
            "报告年度",
            ["年度"],
            Kind::Year,
            true,
            "报告所属年度",
            "Report year"
        ),
        col!(
            "report_table",
            "表",
            ["表格"],
            Kind::Enum(REPORT_TABLES),
            true,
            "2021年格式的表二、表三、表四；不属固定表格的数字为其他",
            "Table 2, 3 or 4 of the 2021 format; other figures: 其他"
        ),
        col!(
            "row_label",
            "行",
            ["项目", "指标"],
            Kind::Text,
            true,
            "行名称；表二至表四须与格式一致",
            "Row label; must match the 2021 format for tables 2–4"
        ),
        col!(
            "column_label",
            "列",
            ["栏目"],
            Kind::Text,
            false,
            "列名称；表二至表四须与格式一致",
            "Column label; must match the 2021 format for tables 2–4"
        ),
        col!(
            "value",
            "数值",
            ["数量"],
            Kind::Quantity,
            true,
            "数值",
            "Value"
        ),
        col!(
            "unit",
            "单位",
            [],
            Kind::Unit,
            false,
            "单位，如件、条、%",
            "Unit, e.g. 件, 条, %"
        ),
        col!(
            "qualifier",
            "限定词",
            [],
            Kind::Text,
            false,
            "原文数字前后的约、余等",
            "Words around the figure"
        ),
        col!("note", "备注", [], Kind::Text, false, "备注", "Note"),
    ],
};

/// Every importable table, in import order (organizations before the tables that refer to them).
pub const TABLES: &[&Table] = &[
    &BUDGET_LINES,
    &FUND_LINES,
    &RELIEF_STATS,
    &ORGANIZATIONS,
    &INSPECTIONS,
    &EVALUATIONS,
    &PENALTIES,
    &CREDIT_LISTINGS,
    &CHARITY_FILINGS,
    &ILLEGAL_ORGANIZATIONS,
    &ORG_STATS,
    &REPORT_CELLS,
];

/// The tables of one dataset.
pub fn tables_of(dataset: &str) -> Vec<&'static Table> {
    TABLES
        .iter()
        .copied()
        .filter(|t| t.dataset == dataset)
        .collect()
}

/// Find a table by `dataset.name`.
pub fn table(qualified: &str) -> Option<&'static Table> {
    TABLES.iter().copied().find(|t| t.qualified() == qualified)
}

/// How a descriptor column is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    Text,
    Int,
    BigInt,
    Bool,
}

impl Column {
    /// The database columns this column is stored in, in order. Money is stored as fen beside the
    /// text as published (`amount`, `amount_published`); a figure as an integer in its base unit,
    /// the base unit and the text as published (`value`, `value_unit`, `value_published`); a
    /// year, period or date normalised, beside the cell as published where that differed
    /// (`founded_on`, `founded_on_published`).
    pub fn stored(&self) -> Vec<(String, Stored)> {
        let k = self.key;
        match self.kind {
            Kind::Year => vec![
                (k.into(), Stored::Int),
                (format!("{k}_published"), Stored::Text),
            ],
            Kind::Period | Kind::Date => {
                vec![
                    (k.into(), Stored::Text),
                    (format!("{k}_published"), Stored::Text),
                ]
            }
            Kind::Bool => vec![(k.into(), Stored::Bool)],
            Kind::Money => vec![
                (k.into(), Stored::BigInt),
                (format!("{k}_published"), Stored::Text),
            ],
            Kind::Quantity => vec![
                (k.into(), Stored::BigInt),
                (format!("{k}_unit"), Stored::Text),
                (format!("{k}_published"), Stored::Text),
            ],
            _ => vec![(k.into(), Stored::Text)],
        }
    }
}

impl Table {
    /// The stored columns of the table's own descriptor columns (source columns are stored in
    /// `sources`, not in the row), after the common `release_id, source_id, row_no` and before
    /// `extra`.
    pub fn stored_columns(&self) -> Vec<(String, Stored)> {
        let mut out = Vec::new();
        if self.db_table == "fund_lines" {
            out.push(("fund_id".to_string(), Stored::BigInt));
        }
        for c in self.columns {
            out.extend(c.stored());
        }
        out
    }

    pub fn column(&self, key: &str) -> Option<&'static Column> {
        self.columns.iter().find(|c| c.key == key)
    }
}

/// The position of a table in [`TABLES`] (tables are told apart by their database table).
pub fn table_index(t: &Table) -> usize {
    TABLES
        .iter()
        .position(|x| x.db_table == t.db_table)
        .unwrap_or(0)
}

/// The import formats as Markdown (`docs/import-formats.md` is this, committed; a test fails when
/// the file falls behind the descriptors).
pub fn formats_markdown() -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(s, "# Import formats\n");
    let _ = writeln!(
        s,
        "Generated from `schema/src/descriptor.rs` by `gongkai formats`; do not edit by hand.\n\n\
         A file is CSV (UTF-8, UTF-8 with BOM, UTF-16 with BOM, or GBK/GB18030; comma, tab or semicolon) \
         or XLSX (first sheet). The header row may sit below a title row. Headers match the Chinese header, \
         an alias or the key, after full-width folding; a unit in brackets (`金额（万元）`) is the column's \
         default unit. Columns that are not in the format are kept verbatim with each row (`extra`) and \
         reported as a warning. Every table also takes the source columns at the end of this page; a row \
         without a source title takes the one given with `--source`.\n"
    );
    let table_md = |s: &mut String, cols: &[Column]| {
        let _ = writeln!(s, "| header | aliases | key | kind | required | meaning |");
        let _ = writeln!(s, "| --- | --- | --- | --- | --- | --- |");
        for c in cols {
            let kind = match c.kind {
                Kind::Enum(v) => format!("one of: {}", v.join(", ")),
                Kind::Money => "money (stored in fen)".into(),
                Kind::Quantity => "figure with unit (stored as an integer in its base unit)".into(),
                Kind::Text => "text".into(),
                Kind::Region => "GB/T 2260 code".into(),
                Kind::Year => "year".into(),
                Kind::Period => "period".into(),
                Kind::Date => "date".into(),
                Kind::Unit => "unit".into(),
                Kind::Uscc => "credit code".into(),
                Kind::Bool => "是/否".into(),
            };
            let _ = writeln!(
                s,
                "| {} | {} | `{}` | {} | {} | {} / {} |",
                c.header,
                c.aliases.join("、"),
                c.key,
                kind,
                if c.required { "yes" } else { "" },
                c.description_zh,
                c.description_en
            );
        }
    };
    for t in TABLES {
        let _ = writeln!(
            s,
            "## `{}` — {} ({})\n",
            t.qualified(),
            t.title_zh,
            t.title_en
        );
        let keys: Vec<&str> = t
            .key
            .iter()
            .filter_map(|k| t.column(k))
            .map(|c| c.header)
            .collect();
        let _ = writeln!(
            s,
            "Stored in `{}`. One row per {}.\n",
            t.db_table,
            keys.join(" + ")
        );
        table_md(&mut s, t.columns);
        let _ = writeln!(s);
    }
    let _ = writeln!(s, "## Source columns (every table)\n");
    table_md(&mut s, SOURCE_COLUMNS);
    s
}
