//! The import suite, run on SQLite and on PostgreSQL: the real data, every validation rule with a
//! bad file, the no-partial-write guarantee, and the input formats departments produce.

use schema::import::{ImportError, ImportFile, ImportOptions, ImportSummary, Issue, SourceFields};
use tests::{Files, TestDb, both};

fn source() -> ImportOptions {
    ImportOptions {
        source: Some(SourceFields {
            title: "测试来源文件".into(),
            url: Some("https://example.gov.cn/doc".into()),
            publisher_date: Some("测试民政局 2024-01-01".into()),
            document_number: None,
            grade: Some("A".into()),
        }),
        synthetic: Some(false),
        ..Default::default()
    }
}

async fn import_files(
    t: &TestDb,
    dataset: &str,
    files: &[std::path::PathBuf],
) -> Result<ImportSummary, ImportError> {
    let files: Vec<ImportFile> = files.iter().cloned().map(ImportFile::new).collect();
    tests::import_published(&t.db, dataset, &files, source()).await
}

async fn import_csv(t: &TestDb, dataset: &str, body: &str) -> Result<ImportSummary, ImportError> {
    let f = Files::new();
    let p = f.csv("upload.csv", body);
    import_files(t, dataset, &[p]).await
}

/// Import a bad file: it must fail, leave the database exactly as it was, and report issues.
async fn rejected(t: &TestDb, dataset: &str, body: &str) -> Vec<Issue> {
    let before = t.fingerprint().await;
    let result = import_csv(t, dataset, body).await;
    let after = t.fingerprint().await;
    assert_eq!(before, after, "a rejected import changed the database");
    match result {
        Err(ImportError::Invalid { issues, total, .. }) => {
            assert_eq!(total, issues.len());
            assert!(!issues.is_empty());
            issues
        }
        Err(other) => panic!("expected validation errors, got {other}"),
        Ok(s) => panic!(
            "expected the import to be refused, but it stored {} rows",
            s.total_rows()
        ),
    }
}

fn find<'a>(issues: &'a [Issue], code: &str) -> &'a Issue {
    issues
        .iter()
        .find(|i| i.code == code)
        .unwrap_or_else(|| panic!("no {code} issue in {issues:#?}"))
}

const RELIEF_HEAD: &str = "地区代码,地区名称,统计期,期别类型,救助项目,指标,分组,数值,单位\n";

// ---------------------------------------------------------------------------------------------

async fn real_data_loads(t: TestDb) {
    let loaded = gongkai::load_real_data(&t.db)
        .await
        .expect("real data imports");
    assert_eq!(loaded.len(), 5);
    let list = schema::query::list_datasets(&t.db).await.expect("list");
    assert_eq!(list.len(), 5);
    for d in &list {
        assert!(d.row_count > 0, "{} has no rows", d.slug);
        assert!(!d.sources.is_empty(), "{} has no sources", d.slug);
        assert!(!d.synthetic);
    }
    // Changde 2017 rural dibao before the clean-up: 22.22万人, as in the source CSV.
    let rows = t
        .texts(
            "SELECT CAST(value AS TEXT), value_unit, value_published, unit FROM relief_stats \
             WHERE region_code = '430700' AND period = '2017' AND programme = '农村低保' \
             AND indicator = '人数' AND breakdown = '治理前'",
        )
        .await;
    assert_eq!(
        rows,
        vec![vec![
            Some("222200".into()),
            Some("人".into()),
            Some("22.22".into()),
            Some("万人".into())
        ]]
    );
    // 大竹县民政局 2020 budget: 24526.62万元 = 245,266,200 yuan = 24,526,620,000 fen.
    let fen = t
        .scalar("SELECT amount FROM budget_lines WHERE department = '大竹县民政局' AND subject_name = '收支总预算'")
        .await;
    assert_eq!(fen, 24_526_620_000);
    // National 2015 urban dibao spending 719.3亿元, exactly.
    let fen = t
        .scalar(
            "SELECT value FROM relief_stats WHERE region_code = '000000' AND period = '2015' \
             AND programme = '城市低保' AND indicator = '资金支出'",
        )
        .await;
    assert_eq!(fen, 7_193_000_000_000);
    // Every row points at a source with a title.
    let orphan = t
        .scalar("SELECT COUNT(*) FROM relief_stats r LEFT JOIN sources s ON s.id = r.source_id WHERE s.id IS NULL")
        .await;
    assert_eq!(orphan, 0);
    // The illegal-organization list is the ten names of the 2021 batch.
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM illegal_organizations WHERE disposal = '涉嫌'")
            .await,
        10
    );
    // Each release is published and current.
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM releases WHERE state = 'published'")
            .await,
        5
    );
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM datasets WHERE current_release_id IS NOT NULL")
            .await,
        5
    );
}

async fn real_data_matches_source_csv(t: TestDb) {
    gongkai::load_real_data(&t.db)
        .await
        .expect("real data imports");
    // Every figure of the shipped relief file is stored with its text as published.
    let csv = std::fs::read_to_string(tests::repo_root().join("data/real/relief/stats.csv"))
        .expect("csv");
    let rows = csv.lines().count() as i64 - 1;
    assert_eq!(t.scalar("SELECT COUNT(*) FROM relief_stats").await, rows);
    let published = t
        .texts("SELECT value_published FROM relief_stats ORDER BY row_no")
        .await;
    let mut reader = csv_rows(&csv);
    let header = reader.remove(0);
    let vi = header
        .iter()
        .position(|h| h == "数值")
        .expect("数值 column");
    for (stored, src) in published.iter().zip(reader) {
        assert_eq!(stored[0].as_deref(), Some(src[vi].trim()));
    }
}

fn csv_rows(body: &str) -> Vec<Vec<String>> {
    // The shipped files quote fields with commas; a tiny reader is enough for the test.
    let mut out = Vec::new();
    for line in body.lines() {
        let mut row = Vec::new();
        let mut cur = String::new();
        let mut quoted = false;
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '"' if quoted && chars.peek() == Some(&'"') => {
                    cur.push('"');
                    chars.next();
                }
                '"' => quoted = !quoted,
                ',' if !quoted => row.push(std::mem::take(&mut cur)),
                c => cur.push(c),
            }
        }
        row.push(cur);
        out.push(row);
    }
    out
}

async fn second_import_supersedes(t: TestDb) {
    let ok = format!("{RELIEF_HEAD}430700,常德市,2017,year_end,农村低保,人数,,22.22,万人\n");
    let first = import_csv(&t, "relief", &ok).await.expect("first");
    let second = import_csv(&t, "relief", &ok).await.expect("second");
    assert_eq!((first.version, second.version), (1, 2));
    let states = t.texts("SELECT state FROM releases ORDER BY version").await;
    assert_eq!(
        states,
        vec![
            vec![Some("superseded".into())],
            vec![Some("published".into())]
        ]
    );
    let list = schema::query::list_datasets(&t.db).await.expect("list");
    let relief = list.iter().find(|d| d.slug == "relief").expect("relief");
    assert_eq!(relief.release.as_ref().map(|r| r.version), Some(2));
    assert_eq!(relief.row_count, 1);
    // The same source imported twice is stored once.
    assert_eq!(t.scalar("SELECT COUNT(*) FROM sources").await, 1);
}

// ---- every rule with a bad file ---------------------------------------------------------------

async fn missing_required_column(t: TestDb) {
    let issues = rejected(
        &t,
        "relief",
        "地区代码,统计期,期别类型,救助项目,数值,单位\n430700,2017,year_end,农村低保,5,万人\n",
    )
    .await;
    let i = find(&issues, "bad_file");
    assert!(
        i.message.contains("缺少必填列") && i.message.contains("指标"),
        "{}",
        i.message
    );
}

async fn empty_required_cell(t: TestDb) {
    let issues = rejected(
        &t,
        "relief",
        &format!("{RELIEF_HEAD}430700,常德市,2017,year_end,,人数,,5,万人\n"),
    )
    .await;
    let i = find(&issues, "required");
    assert_eq!((i.row, i.column.as_deref()), (Some(2), Some("救助项目")));
}

async fn bad_types(t: TestDb) {
    let body = "单位名称,地区代码,年度,阶段,表名,科目名称,金额,单位\n\
                大竹县民政局,511724,二〇二〇,预算,支出表,社会保障和就业支出,abc,万元\n\
                大竹县民政局,511724,2020,预算,支出表,卫生健康支出,1.5,斤\n";
    let issues = rejected(&t, "budgets", body).await;
    let year = find(&issues, "invalid_year");
    assert_eq!(
        (year.row, year.column.as_deref(), year.value.as_deref()),
        (Some(2), Some("年度"), Some("二〇二〇"))
    );
    let num = issues
        .iter()
        .filter(|i| i.code == "invalid_number")
        .collect::<Vec<_>>();
    assert_eq!(num.len(), 2, "{num:#?}");
    assert!(
        num.iter()
            .any(|i| i.row == Some(3) && i.message.contains("无法识别的单位"))
    );
}

async fn bad_dates(t: TestDb) {
    let body =
        "名称,批次,公布日期,公布机关,处置方式\n中国某某协会,2021年第一批,2021-02-30,民政部,涉嫌\n";
    let issues = rejected(&t, "registry", body).await;
    let i = find(&issues, "invalid_date");
    assert_eq!(
        (i.row, i.column.as_deref(), i.value.as_deref()),
        (Some(2), Some("公布日期"), Some("2021-02-30"))
    );
}

fn org_header() -> &'static str {
    "统一社会信用代码,社会组织名称,社会组织类型,登记管理机关,登记状态\n"
}

async fn invalid_uscc(t: TestDb) {
    let valid = schema::uscc::compose("51", "430700", "MJA00001").expect("compose");
    let wrong18 = format!(
        "{}{}",
        &valid[..17],
        if valid.ends_with('0') { '1' } else { '0' }
    );
    let mut b = valid.as_bytes().to_vec();
    b[16] = if b[16] == b'0' { b'1' } else { b'0' };
    b[17] = schema::uscc::check_char(&b[..17]).expect("check") as u8;
    let wrong17 = String::from_utf8(b).expect("ascii");
    let body = format!(
        "{}{valid},常德市养老服务协会,社会团体,常德市民政局,正常\n{wrong18},常德市慈善总会,社会团体,常德市民政局,正常\n\
         {wrong17},常德市老年协会,社会团体,常德市民政局,正常\n",
        org_header()
    );
    let issues = rejected(&t, "registry", &body).await;
    let bad: Vec<&Issue> = issues.iter().filter(|i| i.code == "invalid_uscc").collect();
    assert_eq!(bad.len(), 2, "{issues:#?}");
    assert!(
        bad[0].row == Some(3) && bad[0].message.contains("第18位"),
        "{}",
        bad[0]
    );
    assert!(
        bad[1].row == Some(4) && bad[1].message.contains("第17位"),
        "{}",
        bad[1]
    );
}

async fn uscc_type_must_match(t: TestDb) {
    let foundation_code = schema::uscc::compose("53", "430700", "MJA00002").expect("compose");
    let body = format!(
        "{}{foundation_code},常德市养老服务协会,社会团体,常德市民政局,正常\n",
        org_header()
    );
    let issues = rejected(&t, "registry", &body).await;
    assert!(
        find(&issues, "uscc_type_mismatch")
            .message
            .contains("基金会")
    );
}

async fn invalid_region(t: TestDb) {
    let issues = rejected(
        &t,
        "relief",
        &format!("{RELIEF_HEAD}430771,西洞庭,2017,year_end,农村低保,人数,,5,人\n"),
    )
    .await;
    let i = find(&issues, "invalid_region");
    assert_eq!((i.row, i.value.as_deref()), (Some(2), Some("430771")));
}

async fn invalid_enum(t: TestDb) {
    let code = schema::uscc::compose("52", "430700", "MJA00003").expect("compose");
    let f = Files::new();
    let orgs = f.csv(
        "orgs.csv",
        &format!(
            "{}{code},常德市某某学校,社会服务机构,常德市民政局,正常\n",
            org_header()
        ),
    );
    let insp = f.csv(
        "insp.csv",
        &format!("统一社会信用代码,年检年度,年检结论\n{code},2023,优秀\n"),
    );
    let before = t.fingerprint().await;
    let err = import_files(&t, "registry", &[orgs, insp])
        .await
        .expect_err("refused");
    assert_eq!(before, t.fingerprint().await);
    let ImportError::Invalid { issues, .. } = err else {
        panic!("{err}")
    };
    let i = find(&issues, "invalid_enum");
    assert_eq!(
        (i.file.as_str(), i.row, i.column.as_deref()),
        ("insp.csv", Some(2), Some("年检结论"))
    );
    assert!(i.message.contains("合格、基本合格、不合格、未参检"));
}

async fn negative_amount(t: TestDb) {
    let body = "单位名称,地区代码,年度,阶段,表名,科目名称,金额,单位\n大竹县民政局,511724,2020,预算,支出表,社会保障和就业支出,-3,万元\n";
    let issues = rejected(&t, "budgets", body).await;
    assert_eq!(
        find(&issues, "negative_amount").column.as_deref(),
        Some("金额")
    );
}

async fn duplicate_keys(t: TestDb) {
    let body = format!(
        "{RELIEF_HEAD}430700,常德市,2017,year_end,农村低保,人数,,22.22,万人\n430700,常德市,2017,year_end,农村低保,户数,,15.14,万户\n\
         430700,常德市,2017,year_end,农村低保,人数,,22.22,万人\n"
    );
    let issues = rejected(&t, "relief", &body).await;
    let i = find(&issues, "duplicate_key");
    assert_eq!(i.row, Some(4));
    assert!(i.message.contains("第2行"), "{}", i.message);
}

async fn fund_over_allocated(t: TestDb) {
    let body = "资金名称,资金级次,分配机关,预算年度,接收地区代码,项目,上级项目,金额,单位\n\
                困难群众救助补助资金,省,某省财政厅,2024,430000,合计,,100,万元\n\
                困难群众救助补助资金,省,某省财政厅,2024,430700,常德市,合计,60,万元\n\
                困难群众救助补助资金,省,某省财政厅,2024,430100,长沙市,合计,40.01,万元\n";
    let issues = rejected(&t, "funds", body).await;
    let i = find(&issues, "fund_over_allocated");
    assert!(
        i.message.contains("1000100.00") && i.message.contains("1000000.00"),
        "{}",
        i.message
    );
    // Exactly equal is fine.
    let ok = body.replace("40.01", "40");
    let s = import_csv(&t, "funds", &ok)
        .await
        .expect("a fund whose lines sum to its total");
    assert_eq!(s.total_rows(), 3);
    assert_eq!(
        t.scalar("SELECT top_lines_total FROM funds").await,
        100_000_000
    );
}

async fn fund_total_column(t: TestDb) {
    let body = "资金名称,资金级次,分配机关,预算年度,资金总额,接收地区代码,项目,金额,单位\n\
                养老服务补助资金,市,常德市民政局,2024,50,430702,武陵区,30,万元\n\
                养老服务补助资金,市,常德市民政局,2024,50,430703,鼎城区,30,万元\n";
    let issues = rejected(&t, "funds", body).await;
    assert!(
        find(&issues, "fund_over_allocated")
            .message
            .contains("资金总额")
    );
}

fn table4(total_review: &str) -> String {
    let mut s = String::from("机关,地区代码,年度,表,行,列,数值,单位\n");
    for (row, vals) in [
        ("行政复议", ["1", "2", "0", "0", total_review]),
        ("行政诉讼：未经复议直接起诉", ["0", "0", "0", "0", "0"]),
        ("行政诉讼：复议后起诉", ["0", "0", "0", "0", "0"]),
    ] {
        for (col, v) in ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
            .iter()
            .zip(vals)
        {
            s.push_str(&format!(
                "常德市民政局,430700,2025,表四,{row},{col},{v},件\n"
            ));
        }
    }
    s
}

async fn report_sums(t: TestDb) {
    let issues = rejected(&t, "annual_reports", &table4("4")).await;
    let i = find(&issues, "report_sum");
    assert!(i.message.contains("总计4不等于各列之和3"), "{}", i.message);
    let s = import_csv(&t, "annual_reports", &table4("3"))
        .await
        .expect("sums hold");
    assert_eq!(s.total_rows(), 15);
}

async fn report_labels(t: TestDb) {
    let body = "机关,地区代码,年度,表,行,列,数值\n常德市民政局,430700,2025,表四,行政仲裁,总计,1\n";
    let issues = rejected(&t, "annual_reports", body).await;
    assert_eq!(
        find(&issues, "invalid_report_row").value.as_deref(),
        Some("行政仲裁")
    );
}

async fn personal_data_refused(t: TestDb) {
    let body = "地区代码,统计期,期别类型,救助项目,指标,数值,单位,户主姓名\n430700,2017,year_end,农村低保,人数,5,人,张三\n";
    let issues = rejected(&t, "relief", body).await;
    let i = find(&issues, "personal_data");
    assert_eq!((i.row, i.column.as_deref()), (Some(1), Some("户主姓名")));

    // A phone number or an ID number in any cell; long figures and codes are not personal data.
    let body = "地区代码,统计期,期别类型,救助项目,指标,数值,单位,备注\n430700,2017,year_end,农村低保,人数,5,人,联系13812345678\n\
                430700,2017,year_end,农村低保,户数,5,户,11010519491231002X\n\
                430700,2017,year_end,农村低保,资金支出,24526620000,元,编号GK13812345678X\n";
    let issues = rejected(&t, "relief", body).await;
    let found: Vec<(Option<u64>, Option<&str>)> = issues
        .iter()
        .filter(|i| i.code == "personal_data")
        .map(|i| (i.row, i.column.as_deref()))
        .collect();
    assert_eq!(
        found,
        vec![(Some(2), Some("备注")), (Some(3), Some("备注"))],
        "{issues:#?}"
    );

    let body = "地区代码,统计期,期别类型,救助项目,指标,数值,单位,联系电话\n430700,2017,year_end,农村低保,人数,5,人,\n";
    let issues = rejected(&t, "relief", body).await;
    assert_eq!(
        find(&issues, "personal_data").column.as_deref(),
        Some("联系电话")
    );
}

async fn inexact_units_refused(t: TestDb) {
    let issues = rejected(
        &t,
        "relief",
        &format!("{RELIEF_HEAD}430700,常德市,2017,year_end,农村低保,人数,,1.23456,万人\n"),
    )
    .await;
    assert!(find(&issues, "invalid_number").message.contains("不是整数"));
    let issues = rejected(
        &t,
        "relief",
        &format!("{RELIEF_HEAD}430700,常德市,2017,year_end,农村低保,人数,,5,万户\n"),
    )
    .await;
    assert_eq!(find(&issues, "unit_mismatch").row, Some(2));
}

async fn unknown_organization(t: TestDb) {
    let code = schema::uscc::compose("51", "430700", "MJA00004").expect("compose");
    let other = schema::uscc::compose("51", "430700", "MJA00005").expect("compose");
    let f = Files::new();
    let orgs = f.csv(
        "orgs.csv",
        &format!(
            "{}{code},常德市养老服务协会,社会团体,常德市民政局,正常\n",
            org_header()
        ),
    );
    let pen = f.csv(
        "pen.csv",
        &format!(
            "统一社会信用代码,处罚决定书文号,处罚决定日期,处罚种类,罚款金额,处罚机关\n\
             {other},常民罚〔2023〕1号,2023-05-06,警告,,常德市民政局\n\
             {code},常民罚〔2023〕2号,2023-05-06,警告、罚款,,常德市民政局\n"
        ),
    );
    let err = import_files(&t, "registry", &[pen, orgs])
        .await
        .expect_err("refused");
    let ImportError::Invalid { issues, .. } = err else {
        panic!("{err}")
    };
    assert_eq!(find(&issues, "unknown_organization").row, Some(2));
    assert_eq!(find(&issues, "fine_missing").row, Some(3));
}

async fn every_error_at_once(t: TestDb) {
    let body = format!(
        "{RELIEF_HEAD}430771,常德市,2017,year_end,农村低保,人数,,5,人\n\
         430700,常德市,2017-13,year_end,农村低保,人数,,5,人\n\
         430700,常德市,2017,year_end,农村低保,人头,,5,人\n\
         430700,常德市,2018,year_end,农村低保,人数,,-5,人\n"
    );
    let issues = rejected(&t, "relief", &body).await;
    let codes: Vec<(Option<u64>, &str)> = issues.iter().map(|i| (i.row, i.code)).collect();
    assert_eq!(
        codes,
        vec![
            (Some(2), "invalid_region"),
            (Some(3), "invalid_period"),
            (Some(4), "invalid_enum"),
            (Some(5), "negative_amount")
        ]
    );
    // Every issue names file, row, column and value in plain words.
    let text = issues[0].to_string();
    assert!(
        text.contains("upload.csv 第2行 「地区代码」列 值“430771”"),
        "{text}"
    );
}

async fn source_is_required(t: TestDb) {
    let f = Files::new();
    let p = f.csv(
        "nosource.csv",
        &format!("{RELIEF_HEAD}430700,常德市,2017,year_end,农村低保,人数,,5,人\n"),
    );
    let opts = ImportOptions {
        synthetic: Some(false),
        ..Default::default()
    };
    let err = tests::import_published(&t.db, "relief", &[ImportFile::new(&p)], opts)
        .await
        .expect_err("no source");
    let ImportError::Invalid { issues, .. } = err else {
        panic!("{err}")
    };
    assert_eq!(find(&issues, "missing_source").row, Some(2));
    // Source columns in the file are enough.
    let p = f.csv(
        "withsource.csv",
        "地区代码,统计期,期别类型,救助项目,指标,数值,单位,来源标题,来源网址,来源等级\n\
         430700,2017,year_end,农村低保,人数,5,人,常德市民政局2017年度政府信息公开工作报告,,A\n",
    );
    let opts = ImportOptions {
        synthetic: Some(false),
        ..Default::default()
    };
    tests::import_published(&t.db, "relief", &[ImportFile::new(&p)], opts)
        .await
        .expect("source from the file");
    let titles = t.texts("SELECT title, grade FROM sources").await;
    assert_eq!(
        titles,
        vec![vec![
            Some("常德市民政局2017年度政府信息公开工作报告".into()),
            Some("A".into())
        ]]
    );
}

async fn no_partial_write(t: TestDb) {
    // 5,000 good rows and one bad row at the very end: nothing is written.
    let mut body = String::from(RELIEF_HEAD);
    let regions: Vec<&str> = schema::region::all()
        .iter()
        .filter(|r| r.level == "县级")
        .map(|r| r.code.as_str())
        .take(500)
        .collect();
    for (i, r) in regions.iter().enumerate() {
        for m in 1..=10 {
            body.push_str(&format!(
                "{r},,2020-{m:02},month_end,农村低保,人数,,{},人\n",
                1000 + i
            ));
        }
    }
    body.push_str("110101,,2020-01,month_end,农村低保,人数,,12.5,人\n");
    let issues = rejected(&t, "relief", &body).await;
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0].row, Some(5002));
    assert_eq!(t.scalar("SELECT COUNT(*) FROM relief_stats").await, 0);
    assert_eq!(t.scalar("SELECT COUNT(*) FROM releases").await, 0);
    // Without the bad row it all goes in.
    let good = body.lines().take(5001).collect::<Vec<_>>().join("\n");
    let s = import_csv(&t, "relief", &good).await.expect("good rows");
    assert_eq!(s.total_rows(), 5000);
}

// ---- input formats ------------------------------------------------------------------------------

async fn gbk_csv(t: TestDb) {
    let text = format!(
        "{RELIEF_HEAD}430700,常德市,２０１７年,year_end,农村低保,人数,治理前,２２．２２,万人\n"
    );
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(&text);
    assert!(!unmappable);
    let f = Files::new();
    let p = f.bytes("gbk.csv", &bytes);
    let s = import_files(&t, "relief", &[p]).await.expect("GBK imports");
    assert_eq!(s.total_rows(), 1);
    let rows = t
        .texts("SELECT region_name, period, breakdown, value_published FROM relief_stats")
        .await;
    assert_eq!(
        rows,
        vec![vec![
            Some("常德市".into()),
            Some("2017".into()),
            Some("治理前".into()),
            Some("２２．２２".into())
        ]]
    );
    assert_eq!(t.scalar("SELECT value FROM relief_stats").await, 222_200);
    let files = t.texts("SELECT files FROM releases").await;
    assert!(
        files[0][0]
            .as_deref()
            .is_some_and(|f| f.contains("GBK/GB18030")),
        "{files:?}"
    );
}

async fn bom_and_title_row(t: TestDb) {
    // Excel's "CSV UTF-8" adds a BOM; departments put a title above the header, and units in brackets.
    let body = "\u{feff}2020年部门预算支出表,,,,,,\n单位名称,地区代码,年度,阶段,表名,科目名称,金额（万元）\n\
                大竹县民政局,511724,2020年,部门预算,支出表,社会保障和就业支出,\"24,453.57\"\n";
    let issues = rejected(&t, "budgets", body).await;
    assert_eq!(
        find(&issues, "invalid_enum").value.as_deref(),
        Some("部门预算")
    );
    let s = import_csv(&t, "budgets", &body.replace("部门预算", "预算"))
        .await
        .expect("imports");
    assert_eq!(s.total_rows(), 1);
    assert_eq!(
        t.scalar("SELECT amount FROM budget_lines").await,
        24_453_570_000
    );
    assert_eq!(t.scalar("SELECT row_no FROM budget_lines").await, 3);
    let unit = t
        .texts("SELECT unit, amount_published FROM budget_lines")
        .await;
    assert_eq!(
        unit,
        vec![vec![Some("万元".into()), Some("24,453.57".into())]]
    );
}

async fn xlsx_input(t: TestDb) {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let code = schema::uscc::compose("53", "430700", "MJA00006").expect("compose");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let headers = [
        "统一社会信用代码",
        "社会组织名称",
        "社会组织类型",
        "登记管理机关",
        "登记状态",
        "注册资金",
        "成立登记日期",
        "公开募捐资格",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string(0, c as u16, *h).expect("write");
    }
    let date = ExcelDateTime::from_ymd(2015, 6, 19).expect("date");
    let fmt = Format::new().set_num_format("yyyy-mm-dd");
    ws.write_string(1, 0, &code).expect("write");
    ws.write_string(1, 1, "常德市慈善基金会").expect("write");
    ws.write_string(1, 2, "基金会").expect("write");
    ws.write_string(1, 3, "常德市民政局").expect("write");
    ws.write_string(1, 4, "正常").expect("write");
    ws.write_number(1, 5, 2_000_000.5).expect("write");
    ws.write_datetime_with_format(1, 6, &date, &fmt)
        .expect("write");
    ws.write_boolean(1, 7, true).expect("write");
    let f = Files::new();
    let p = f.path().join("orgs.xlsx");
    wb.save(&p).expect("save");
    let s = import_files(&t, "registry", &[p])
        .await
        .expect("XLSX imports");
    assert_eq!(s.rows, vec![("registry.organizations".to_string(), 1)]);
    let rows = t
        .texts("SELECT founded_on, region_code, registered_capital_published FROM organizations")
        .await;
    assert_eq!(
        rows,
        vec![vec![
            Some("2015-06-19".into()),
            Some("430700".into()),
            Some("2000000.5".into())
        ]]
    );
    assert_eq!(
        t.scalar("SELECT registered_capital FROM organizations")
            .await,
        200_000_050
    );
    assert_eq!(
        t.scalar("SELECT CASE WHEN public_fundraising THEN 1 ELSE 0 END FROM organizations")
            .await,
        1
    );
}

async fn dates_keep_their_text_as_published(t: TestDb) {
    let code = schema::uscc::compose("51", "430700", "MJA00007").expect("compose");
    let body = format!(
        "统一社会信用代码,社会组织名称,社会组织类型,登记管理机关,登记状态,成立登记日期\n\
         {code},常德市养老服务协会,社会团体,常德市民政局,正常,2017年6月19日\n"
    );
    import_csv(&t, "registry", &body).await.expect("imports");
    let rows = t
        .texts("SELECT founded_on, founded_on_published FROM organizations")
        .await;
    assert_eq!(
        rows,
        vec![vec![
            Some("2017-06-19".into()),
            Some("2017年6月19日".into())
        ]]
    );
    // A canonical cell stores nothing beside itself.
    let body = body.replace("2017年6月19日", "2017-06-19");
    import_csv(&t, "registry", &body).await.expect("imports");
    let rows = t
        .texts("SELECT founded_on, founded_on_published FROM organizations WHERE release_id = 2")
        .await;
    assert_eq!(rows, vec![vec![Some("2017-06-19".into()), None]]);
}

async fn real_data_load_completes_missing_datasets(t: TestDb) {
    // A load cut short after some datasets: the next load fills in the rest and keeps what is there.
    import_csv(
        &t,
        "relief",
        &format!("{RELIEF_HEAD}430700,常德市,2017,year_end,农村低保,人数,,5,人\n"),
    )
    .await
    .expect("one dataset");
    let loaded = gongkai::load_real_data(&t.db).await.expect("load the rest");
    let slugs: Vec<&str> = loaded.iter().map(|s| s.dataset.as_str()).collect();
    assert_eq!(
        slugs,
        vec!["budgets", "funds", "registry", "annual_reports"]
    );
    assert_eq!(t.scalar("SELECT COUNT(*) FROM relief_stats").await, 1);
    assert!(
        gongkai::load_real_data(&t.db)
            .await
            .expect("nothing left")
            .is_empty()
    );
}

async fn synthetic_and_real_never_mix(t: TestDb) {
    import_csv(
        &t,
        "relief",
        &format!("{RELIEF_HEAD}430700,常德市,2017,year_end,农村低保,人数,,5,人\n"),
    )
    .await
    .expect("real");
    let f = Files::new();
    std::fs::write(f.path().join("MANIFEST.json"), r#"{"synthetic": true}"#).expect("manifest");
    let p = f.csv(
        "stats.csv",
        &format!("{RELIEF_HEAD}430700,常德市,2018,year_end,农村低保,人数,,5,人\n"),
    );
    let opts = ImportOptions {
        source: source().source,
        ..Default::default()
    };
    let err = tests::import_published(&t.db, "relief", &[ImportFile::new(&p)], opts)
        .await
        .expect_err("mixing refused");
    assert!(
        matches!(err, ImportError::Refused(ref m) if m.contains("真实数据")),
        "{err}"
    );
}

async fn migrations_match_descriptors(t: TestDb) {
    // Every stored column the import writes exists in the migrated table, on this backend.
    for table in schema::descriptor::TABLES {
        let mut cols = vec![
            "id".to_string(),
            "release_id".into(),
            "source_id".into(),
            "row_no".into(),
            "extra".into(),
        ];
        cols.extend(table.stored_columns().into_iter().map(|(c, _)| c));
        let sql = format!(
            "SELECT COUNT(*) FROM (SELECT {} FROM {} WHERE 1 = 0) AS t",
            cols.join(", "),
            table.db_table
        );
        assert_eq!(t.scalar(&sql).await, 0, "{}", table.db_table);
    }
    assert_eq!(t.scalar("SELECT COUNT(*) FROM regions").await, 3214);
    assert!(
        t.scalar("SELECT COUNT(*) FROM dictionary_fields WHERE dataset = 'registry'")
            .await
            > 50
    );
}

both! {
    real_data_loads => real_data_loads;
    real_data_matches_source_csv => real_data_matches_source_csv;
    second_import_supersedes => second_import_supersedes;
    missing_required_column => missing_required_column;
    empty_required_cell => empty_required_cell;
    bad_types => bad_types;
    bad_dates => bad_dates;
    invalid_uscc => invalid_uscc;
    uscc_type_must_match => uscc_type_must_match;
    invalid_region => invalid_region;
    invalid_enum => invalid_enum;
    negative_amount => negative_amount;
    duplicate_keys => duplicate_keys;
    fund_over_allocated => fund_over_allocated;
    fund_total_column => fund_total_column;
    report_sums => report_sums;
    report_labels => report_labels;
    personal_data_refused => personal_data_refused;
    inexact_units_refused => inexact_units_refused;
    unknown_organization => unknown_organization;
    every_error_at_once => every_error_at_once;
    source_is_required => source_is_required;
    no_partial_write => no_partial_write;
    gbk_csv => gbk_csv;
    bom_and_title_row => bom_and_title_row;
    xlsx_input => xlsx_input;
    dates_keep_their_text_as_published => dates_keep_their_text_as_published;
    real_data_load_completes_missing_datasets => real_data_load_completes_missing_datasets;
    synthetic_and_real_never_mix => synthetic_and_real_never_mix;
    migrations_match_descriptors => migrations_match_descriptors;
}
