//! Catalog metadata of the five datasets, with the Chinese disclosure fields (索引号, 文号,
//! 发布机构, 发文日期, 效力状态). The descriptors here and in [`crate::descriptor`] are the source of
//! truth; [`crate::store::sync_catalog`] writes them to the database so every face reads one place.

use serde::Serialize;

/// The catalog entry of one dataset.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct DatasetMeta {
    pub slug: &'static str,
    pub title_zh: &'static str,
    pub title_en: &'static str,
    pub description_zh: &'static str,
    pub description_en: &'static str,
    /// Theme (DCAT theme, in the project's own vocabulary).
    pub theme: &'static str,
    /// 发布机构.
    pub publisher: &'static str,
    /// 索引号: the catalog's own index number of the dataset.
    pub index_number: &'static str,
    /// 文号 of a document that orders the disclosure, when there is one.
    pub document_number: Option<&'static str>,
    /// 发文日期.
    pub issued_on: Option<&'static str>,
    /// 效力状态: 有效 or 废止.
    pub validity: &'static str,
    pub update_frequency: &'static str,
    pub spatial_coverage: &'static str,
    pub licence: &'static str,
    pub contact: &'static str,
    pub keywords: &'static [&'static str],
}

const PUBLISHER: &str = "gongkai 民政公开数据目录（汇编自各级民政部门公开文件）";
const LICENCE: &str = "政府信息公开数据；汇编部分 CC BY 4.0";
const CONTACT: &str = "gongkai 维护者（内容纠错通道见各数据集页面）";

pub const DATASETS: &[DatasetMeta] = &[
    DatasetMeta {
        slug: "budgets",
        title_zh: "民政部门预算和决算",
        title_en: "Civil-affairs department budgets and final accounts",
        description_zh: "各级民政部门及所属单位公开的部门预算、调整预算和决算：收支总表、收入、支出（功能分类、经济分类）和三公经费，金额以分为单位精确保存并保留原文。",
        description_en: "Budgets, adjusted budgets and final accounts disclosed by civil-affairs departments and their units: totals, revenue, expenditure by functional and economic classification, and the three public expenses; amounts kept exactly in fen beside the published text.",
        theme: "finance",
        publisher: PUBLISHER,
        index_number: "GK-MZ-01-budgets",
        document_number: None,
        issued_on: None,
        validity: "有效",
        update_frequency: "annual",
        spatial_coverage: "中国",
        licence: LICENCE,
        contact: CONTACT,
        keywords: &[
            "部门预算",
            "部门决算",
            "三公经费",
            "政府收支分类科目",
            "budget",
        ],
    },
    DatasetMeta {
        slug: "funds",
        title_zh: "财政专项资金分配",
        title_en: "Special subsidy fund allocations",
        description_zh: "民政领域财政专项资金（如彩票公益金、困难群众救助补助资金）的资金总额、分配原则和每一条分配明细（接收地区或单位、项目、金额、批次）。",
        description_en: "Special subsidy funds in civil affairs (e.g. welfare lottery funds, assistance subsidies): fund totals, allocation principles and every allocation line (recipient region or unit, item, amount, batch).",
        theme: "finance",
        publisher: PUBLISHER,
        index_number: "GK-MZ-02-funds",
        document_number: None,
        issued_on: None,
        validity: "有效",
        update_frequency: "annual",
        spatial_coverage: "中国",
        licence: LICENCE,
        contact: CONTACT,
        keywords: &["专项资金", "彩票公益金", "资金分配", "fund allocation"],
    },
    DatasetMeta {
        slug: "relief",
        title_zh: "社会救助统计",
        title_en: "Social-assistance statistics",
        description_zh: "城乡低保、特困人员救助供养、临时救助、医疗救助等的户数、人数、人次、保障标准、补助水平和资金支出，按地区和统计期整理为规整数据，只含汇总数据，不含个人信息。",
        description_en: "Households, persons, person-times, standards, average subsidies and expenditure of urban and rural dibao, support for persons in extreme poverty, temporary and medical assistance, by region and period; aggregates only, no personal data.",
        theme: "social-assistance",
        publisher: PUBLISHER,
        index_number: "GK-MZ-03-relief",
        document_number: None,
        issued_on: None,
        validity: "有效",
        update_frequency: "monthly",
        spatial_coverage: "中国",
        licence: LICENCE,
        contact: CONTACT,
        keywords: &["低保", "特困", "临时救助", "医疗救助", "dibao"],
    },
    DatasetMeta {
        slug: "registry",
        title_zh: "社会组织登记信息",
        title_en: "Social-organization registry",
        description_zh: "社会组织的登记信息（统一社会信用代码、类型、登记管理机关、状态等）及年检、评估、行政处罚、活动异常名录和严重违法失信名单、慈善备案，非法社会组织名单，以及社会组织统计。",
        description_en: "Registered social organizations (credit code, type, authority, status) with annual inspections, evaluation grades, penalties, credit listings and charity filings; the list of illegal organizations; and statistics of social organizations.",
        theme: "social-organizations",
        publisher: PUBLISHER,
        index_number: "GK-MZ-04-registry",
        document_number: None,
        issued_on: None,
        validity: "有效",
        update_frequency: "continuous",
        spatial_coverage: "中国",
        licence: LICENCE,
        contact: CONTACT,
        keywords: &[
            "社会组织",
            "年检",
            "评估",
            "行政处罚",
            "非法社会组织",
            "慈善组织",
        ],
    },
    DatasetMeta {
        slug: "annual_reports",
        title_zh: "政府信息公开工作年度报告",
        title_en: "Government information disclosure annual reports",
        description_zh: "民政部门政府信息公开工作年度报告中的数字：2021年格式的表二（主动公开）、表三（依申请公开）、表四（行政复议和行政诉讼），并核对表内合计。",
        description_en: "Figures from disclosure annual reports: tables 2 (proactive disclosure), 3 (requests) and 4 (reviews and lawsuits) of the 2021 format, with their sums checked.",
        theme: "transparency",
        publisher: PUBLISHER,
        index_number: "GK-MZ-05-annual-reports",
        document_number: Some("国办公开办函〔2021〕30号"),
        issued_on: Some("2021-09-26"),
        validity: "有效",
        update_frequency: "annual",
        spatial_coverage: "中国",
        licence: LICENCE,
        contact: CONTACT,
        keywords: &["政府信息公开", "年度报告", "依申请公开"],
    },
];

/// Look a dataset up by slug.
pub fn dataset(slug: &str) -> Option<&'static DatasetMeta> {
    DATASETS.iter().find(|d| d.slug == slug)
}

/// A publisher (发布机构) of datasets, as the standards documents name it: a stable slug (the CKAN
/// organization name), its name in Chinese and English.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Publisher {
    pub slug: &'static str,
    pub name_zh: &'static str,
    pub name_en: &'static str,
}

/// The publishers the catalog knows by name. A dataset whose publisher is not listed here still
/// gets a stable slug (see `standards::publisher`).
pub const PUBLISHERS: &[Publisher] = &[Publisher {
    slug: "gongkai",
    name_zh: PUBLISHER,
    name_en: "gongkai civil-affairs open-data catalog (compiled from the public documents of civil-affairs departments)",
}];
