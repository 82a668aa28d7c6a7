//! Routes of the record resources, each built together with its OpenAPI operation from the same
//! descriptors (filters, sortable columns, dimensions, fields), so nothing is served undocumented
//! and the documentation cannot fall behind the filters.

use axum::extract::{Query, State};
use axum::routing::get;
use schema::records::aggregate::MAX_DIMENSIONS;
use schema::records::export::Format;
use schema::records::view::{FieldShape, fields};
use schema::records::{FilterDef, ParamType, RESOURCES, Resource, Sort};
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem,
};
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::{ContentBuilder, PathsBuilder, Ref, RefOr, Required, ResponseBuilder};
use utoipa_axum::router::UtoipaMethodRouter;

use super::records::{self, DEFAULT_LIMIT, MAX_LIMIT, Params};
use crate::AppState;

type Schemas = Vec<(String, RefOr<Schema>)>;

fn pascal(path: &str) -> String {
    path.split(['-', '_'])
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_uppercase().chain(c).collect::<String>(),
                None => String::new(),
            }
        })
        .collect()
}

fn typed(t: Type, nullable: bool) -> SchemaType {
    if nullable {
        SchemaType::from_iter([t, Type::Null])
    } else {
        SchemaType::Type(t)
    }
}

fn r(name: &str) -> RefOr<Schema> {
    RefOr::Ref(Ref::from_schema_name(name))
}

fn query_param(
    name: &str,
    description: &str,
    schema: impl Into<RefOr<Schema>>,
    example: Option<serde_json::Value>,
) -> utoipa::openapi::path::Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Query)
        .required(Required::False)
        .description(Some(description))
        .schema(Some(schema))
        .example(example)
        .build()
}

fn filter_param(d: &FilterDef) -> utoipa::openapi::path::Parameter {
    let mut s = ObjectBuilder::new();
    s = match d.param_type {
        // Integer filters take comma-separated lists, so they are strings of digits.
        ParamType::Integer => s
            .schema_type(Type::String)
            .pattern(Some("^-?[0-9]{1,18}(,-?[0-9]{1,18})*$")),
        ParamType::Boolean => s.schema_type(Type::Boolean),
        ParamType::String => s.schema_type(Type::String),
    };
    if let Some(allowed) = &d.allowed {
        s = if d.op == schema::records::FilterOp::Eq {
            let alts = allowed
                .iter()
                .map(|v| regex_escape(v))
                .collect::<Vec<_>>()
                .join("|");
            s.pattern(Some(format!("^({alts})(,({alts}))*$")))
        } else {
            s.enum_values(Some(allowed.clone()))
        };
    }
    s = match d.op {
        schema::records::FilterOp::Within => s.pattern(Some("^[0-9]{6}$")),
        schema::records::FilterOp::From | schema::records::FilterOp::To => s.pattern(Some(
            "^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|1[0-9]|2[0-8]))?)?$",
        )),
        schema::records::FilterOp::Min | schema::records::FilterOp::Max => {
            s.pattern(Some("^-?[0-9]{1,18}$"))
        }
        schema::records::FilterOp::Search => s.min_length(Some(1)).max_length(Some(100)),
        schema::records::FilterOp::Eq | schema::records::FilterOp::Prefix
            if d.param_type == ParamType::String && d.allowed.is_none() =>
        {
            s.min_length(Some(1)).pattern(Some("\\S"))
        }
        _ => s,
    };
    let example = match d.param_type {
        ParamType::Boolean => serde_json::json!(d.example == "true"),
        _ => serde_json::json!(d.example),
    };
    query_param(&d.name, &d.description, s, Some(example))
}

fn regex_escape(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if "\\^$.|?*+()[]{}".contains(c) {
                vec!['\\', c]
            } else {
                vec![c]
            }
        })
        .collect()
}

fn sort_param(resource: &Resource) -> utoipa::openapi::path::Parameter {
    let mut values = Vec::new();
    for c in Sort::sortable(resource) {
        values.push(c.clone());
        values.push(format!("-{c}"));
    }
    query_param(
        "sort",
        "Order by this column (prefix - for descending); ties are broken by id, so the order is stable. Default: id",
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(values)),
        Some(serde_json::json!("-id")),
    )
}

fn bom_param() -> utoipa::openapi::path::Parameter {
    query_param(
        "bom",
        "CSV only: start with a UTF-8 byte order mark so Excel and WPS show Chinese (default true)",
        ObjectBuilder::new().schema_type(Type::Boolean),
        Some(serde_json::json!(false)),
    )
}

fn cap_param() -> utoipa::openapi::path::Parameter {
    query_param(
        "limit",
        "Stop after this many rows (default: no cap, the whole selection)",
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(1))
            .maximum(Some(super::records::MAX_CAP as i64)),
        Some(serde_json::json!(1000)),
    )
}

fn problem(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/problem+json",
            ContentBuilder::new().schema(Some(r("Problem"))).build(),
        )
        .build()
}

fn file_response(format: Format) -> utoipa::openapi::Response {
    let schema: RefOr<Schema> = match format {
        Format::Json => ArrayBuilder::new()
            .items(ObjectBuilder::new().schema_type(Type::Object))
            .into(),
        _ => ObjectBuilder::new().schema_type(Type::String).into(),
    };
    ResponseBuilder::new()
        .description(format!(
            "The whole selection as {} (streamed; Content-Disposition names the dataset, table and release)",
            format.extension().to_uppercase()
        ))
        .content(
            format.media_type(),
            ContentBuilder::new().schema(Some(schema)).build(),
        )
        .build()
}

/// The schema of one record of a resource.
fn record_schema(resource: &Resource) -> Schema {
    let columns = resource.stored_columns();
    let mut o = ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some(format!(
            "One row of {} ({}), with its source",
            resource.title_en, resource.title_zh
        )))
        .property(
            "id",
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .description(Some("Record id (unique within the release)"))
                .examples([serde_json::json!(1)]),
        )
        .required("id");
    for (name, shape) in fields(resource, &columns) {
        match shape {
            FieldShape::Money { fen, .. } => {
                // Optional money is null where the source gave none.
                o = if columns[fen].required {
                    o.property(name.clone(), r("Money")).required(name)
                } else {
                    o.property(
                        name,
                        utoipa::openapi::schema::OneOfBuilder::new()
                            .item(r("Money"))
                            .item(ObjectBuilder::new().schema_type(Type::Null))
                            .description(Some("Money (null where the source gave none)")),
                    )
                };
            }
            FieldShape::Figure { .. } => {
                o = o.property(name.clone(), r("Figure")).required(name);
            }
            FieldShape::Plain(i) => {
                let c = &columns[i];
                let t = match c.stored {
                    schema::descriptor::Stored::Text => Type::String,
                    schema::descriptor::Stored::Bool => Type::Boolean,
                    _ => Type::Integer,
                };
                let example = match t {
                    Type::String => serde_json::json!(c.description_zh),
                    Type::Boolean => serde_json::json!(true),
                    _ => serde_json::json!(2021),
                };
                o = o.property(
                    name.clone(),
                    ObjectBuilder::new()
                        .schema_type(typed(t, !c.required))
                        .description(Some(format!("{} / {}", c.description_en, c.description_zh)))
                        .examples([example]),
                );
                if c.required {
                    o = o.required(name);
                }
            }
        }
    }
    o.property("source", r("RecordSource"))
        .required("source")
        .property(
            "row_no",
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .description(Some("Row number in the imported file"))
                .examples([serde_json::json!(2)]),
        )
        .required("row_no")
        .property(
            "extra",
            ObjectBuilder::new()
                .schema_type(SchemaType::AnyValue)
                .description(Some(
                    "Columns of the imported file outside the format, kept verbatim (null when none)",
                )),
        )
        .into()
}

fn page_schema(resource: &Resource, record: &str) -> Schema {
    let int = |d: &str, ex: i64| {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .description(Some(d))
            .examples([serde_json::json!(ex)])
    };
    let text = |d: &str, ex: &str, nullable: bool| {
        ObjectBuilder::new()
            .schema_type(typed(Type::String, nullable))
            .description(Some(d))
            .examples([serde_json::json!(ex)])
    };
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some(format!("A page of {}", resource.title_en)))
        .property("resource", text("The resource", resource.path, false))
        .property(
            "dataset",
            text("The dataset it belongs to", resource.dataset, false),
        )
        .property(
            "release",
            ObjectBuilder::new()
                .schema_type(SchemaType::AnyValue)
                .description(Some(
                    "The published release the rows belong to (null when nothing is published)",
                )),
        )
        .property(
            "total",
            int(
                "Rows matching the filters in the whole release (exact)",
                1234,
            ),
        )
        .property("limit", int("Rows per page", 20))
        .property("sort", text("The order of the rows", "id", false))
        .property(
            "next_cursor",
            text(
                "Pass as cursor= for the next page; null on the last page",
                "5b226964222c32302c32305d",
                true,
            ),
        )
        .property(
            "next",
            text(
                "The URL of the next page (also in the Link header)",
                "/api/v1/organizations?cursor=…",
                true,
            ),
        )
        .property(
            "items",
            ArrayBuilder::new()
                .items(r(record))
                .description(Some("The rows of this page")),
        )
        .required("resource")
        .required("total")
        .required("items")
        .into()
}

fn op(id: String, summary: String, description: String, tag: &str) -> OperationBuilder {
    OperationBuilder::new()
        .operation_id(Some(id))
        .summary(Some(summary))
        .description(Some(description))
        .tag(tag)
}

fn route(
    path: &str,
    operation: OperationBuilder,
    method_router: axum::routing::MethodRouter<AppState>,
    schemas: Schemas,
) -> UtoipaMethodRouter<AppState> {
    let paths = PathsBuilder::new()
        .path(path, PathItem::new(HttpMethod::Get, operation.build()))
        .build();
    (schemas, paths, method_router)
}

/// Every record route with its documentation.
pub fn routes() -> Vec<UtoipaMethodRouter<AppState>> {
    let mut out = Vec::new();
    for res in RESOURCES {
        let snake = res.path.replace('-', "_");
        let record = format!("{}Record", pascal(res.path));
        let page = format!("{}Page", pascal(res.path));
        let filters: Vec<_> = res.filter_defs().iter().map(filter_param).collect();
        let tag = "records";

        // The list.
        let mut o = op(
            format!("list_{snake}"),
            format!("List {}", res.title_en),
            format!(
                "{} ({}) in the current release of dataset `{}`: typed filters, a stable sort, cursor pages of up to {MAX_LIMIT} rows with the exact total. Every figure carries its text as published and every row its source. With `format`, the whole selection is downloaded instead (as `/{}.csv` etc.).",
                res.title_en, res.title_zh, res.dataset, res.path
            ),
            tag,
        );
        for p in &filters {
            o = o.parameter(p.clone());
        }
        o = o
            .parameter(query_param(
                "limit",
                &format!("Rows per page, 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT})"),
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .minimum(Some(1))
                    .maximum(Some(MAX_LIMIT as i64)),
                Some(serde_json::json!(20)),
            ))
            .parameter(query_param(
                "cursor",
                "The next_cursor of the previous page (opaque; tied to the sort)",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some("^([0-9a-f]{2})+$")),
                None,
            ))
            .parameter(sort_param(res))
            .parameter(query_param(
                "format",
                "Download the whole selection in this format instead of a page",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(["csv", "xlsx", "json", "ndjson"])),
                Some(serde_json::json!("csv")),
            ))
            .parameter(bom_param())
            .response(
                "200",
                ResponseBuilder::new()
                    .description("A page of rows (or, with format, the whole selection as a file)")
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(
                                utoipa::openapi::schema::OneOfBuilder::new()
                                    .item(r(&page))
                                    .item(ArrayBuilder::new().items(r(&record)))
                                    .description(Some(
                                        "A page; with format=json, the whole selection as an array of records",
                                    )),
                            ))
                            .build(),
                    )
                    .content(
                        "text/csv",
                        ContentBuilder::new()
                            .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                            .build(),
                    )
                    .content(
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        ContentBuilder::new()
                            .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                            .build(),
                    )
                    .content(
                        "application/x-ndjson",
                        ContentBuilder::new()
                            .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                            .build(),
                    )
                    .build(),
            )
            .response(
                "400",
                problem("A parameter is unknown or malformed (the message names it)"),
            )
            .response(
                "404",
                problem("The cursor names no page (it did not come from next_cursor of this sort)"),
            );
        let schemas: Schemas = vec![
            (record.clone(), RefOr::T(record_schema(res))),
            (page.clone(), RefOr::T(page_schema(res, &record))),
        ];
        out.push(route(
            &format!("/{}", res.path),
            o,
            get(move |State(s): State<AppState>, Query(p): Query<Params>| records::list(res, s, p)),
            schemas,
        ));

        // The downloads.
        for format in Format::ALL {
            let mut o = op(
                format!("download_{snake}_{}", format.extension()),
                format!(
                    "Download {} as {}",
                    res.title_en,
                    format.extension().to_uppercase()
                ),
                format!(
                    "Every row of {} matching the filters, streamed with no cap. CSV is UTF-8 with a BOM unless bom=false; text cells that a spreadsheet would run as a formula are prefixed with '. Money is in fen and, beside it, in yuan as an exact decimal.",
                    res.title_en
                ),
                tag,
            );
            for p in &filters {
                o = o.parameter(p.clone());
            }
            o = o.parameter(sort_param(res)).parameter(cap_param());
            if format == Format::Csv {
                o = o.parameter(bom_param());
            }
            o = o
                .response("200", file_response(format))
                .response("400", problem("A parameter is unknown or malformed"));
            out.push(route(
                &format!("/{}.{}", res.path, format.extension()),
                o,
                get(move |State(s): State<AppState>, Query(p): Query<Params>| {
                    records::download_as(res, format, s, p)
                }),
                Vec::new(),
            ));
        }

        // The totals.
        let dims: Vec<String> = res.dimensions().into_iter().map(|d| d.name).collect();
        let mut o = op(
            format!("totals_{snake}"),
            format!("Group-by totals of {}", res.title_en),
            format!(
                "Exact sums of {} grouped by up to {MAX_DIMENSIONS} dimensions, with the number of rows behind each sum. Money is summed in fen, figures in their base unit; a figure's unit is always one of the groups, so unlike units are never added. `overall` has the totals of the whole selection.",
                res.title_en
            ),
            tag,
        );
        for p in &filters {
            o = o.parameter(p.clone());
        }
        let alts = dims
            .iter()
            .map(|d| regex_escape(d))
            .collect::<Vec<_>>()
            .join("|");
        o = o
            .parameter(query_param(
                "group_by",
                &format!("Dimensions, comma-separated: {}", dims.join(", ")),
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some(format!("^(({alts})(,({alts})){{0,{}}})?$", MAX_DIMENSIONS - 1))),
                dims.first().map(|d| serde_json::json!(d)),
            ))
            .parameter(query_param(
                "limit",
                "Most groups to return, 1 to 10000 (default 1000); truncated says whether more exist",
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .minimum(Some(1))
                    .maximum(Some(10000)),
                Some(serde_json::json!(100)),
            ))
            .response(
                "200",
                ResponseBuilder::new()
                    .description("The groups and their exact totals")
                    .content(
                        "application/json",
                        ContentBuilder::new().schema(Some(r("Totals"))).build(),
                    )
                    .build(),
            )
            .response("400", problem("A parameter is unknown or malformed"));
        out.push(route(
            &format!("/{}/totals", res.path),
            o,
            get(move |State(s): State<AppState>, Query(p): Query<Params>| {
                records::totals(res, s, p)
            }),
            Vec::new(),
        ));
    }

    // One organization with its registry history.
    let mut detail = ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some(
            "An organization with everything the registry publishes about it",
        ))
        .property(
            "release",
            ObjectBuilder::new()
                .schema_type(SchemaType::AnyValue)
                .description(Some("The published release of the registry")),
        )
        .property("organization", r("OrganizationsRecord"));
    for path in schema::records::ORGANIZATION_RELATED {
        detail = detail.property(
            path.replace('-', "_"),
            ArrayBuilder::new()
                .items(r(&format!("{}Record", pascal(path))))
                .description(Some(format!("Its {path}, in import order"))),
        );
    }
    let o = op(
        "show_organization".into(),
        "One organization".into(),
        "An organization by its unified social credit code (统一社会信用代码), with its annual inspections, evaluation grades, administrative penalties, credit listings and charity filings.".into(),
        "records",
    )
    .parameter(
        ParameterBuilder::new()
            .name("uscc")
            .parameter_in(ParameterIn::Path)
            .required(Required::True)
            .description(Some("The 18-character credit code"))
            .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
            .example(Some(serde_json::json!("51100000500000595C"))),
    )
    .response(
        "200",
        ResponseBuilder::new()
            .description("The organization")
            .content(
                "application/json",
                ContentBuilder::new().schema(Some(r("OrganizationDetail"))).build(),
            )
            .build(),
    )
    .response("404", problem("No organization has this code in the current release"));
    out.push(route(
        "/organizations/{uscc}",
        o,
        get(records::organization),
        vec![("OrganizationDetail".into(), RefOr::T(detail.into()))],
    ));

    // Whole tables of a dataset, as its data package lists them.
    let files: Vec<String> = RESOURCES
        .iter()
        .flat_map(|r| Format::ALL.map(|f| format!("{}.{}", r.path, f.extension())))
        .collect();
    let o = op(
        "dataset_file".into(),
        "A whole table of a dataset".into(),
        "One table of a dataset as a file, e.g. /datasets/registry/organizations.csv: the resources of the dataset's datapackage.json. Streamed with no cap.".into(),
        "records",
    )
    .parameter(
        ParameterBuilder::new()
            .name("slug")
            .parameter_in(ParameterIn::Path)
            .required(Required::True)
            .description(Some("Dataset identifier"))
            .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
            .example(Some(serde_json::json!("registry"))),
    )
    .parameter(
        ParameterBuilder::new()
            .name("file")
            .parameter_in(ParameterIn::Path)
            .required(Required::True)
            .description(Some("The table and format: RESOURCE.csv, .xlsx, .json or .ndjson"))
            .schema(Some(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(files)),
            ))
            .example(Some(serde_json::json!("organizations.csv"))),
    )
    .parameter(bom_param())
    .response("200", {
        let mut b = ResponseBuilder::new().description("The table as a file");
        for f in Format::ALL {
            let schema: RefOr<Schema> = match f {
                Format::Json => ArrayBuilder::new()
                    .items(ObjectBuilder::new().schema_type(Type::Object))
                    .into(),
                _ => ObjectBuilder::new().schema_type(Type::String).into(),
            };
            b = b.content(
                f.media_type(),
                ContentBuilder::new().schema(Some(schema)).build(),
            );
        }
        b.build()
    })
    .response("400", problem("A parameter is unknown or malformed"))
    .response("404", problem("The dataset has no such table or format"));
    out.push(route(
        "/datasets/{slug}/{file}",
        o,
        get(records::dataset_file),
        Vec::new(),
    ));
    out
}
