//! JSON lines as news extractors write them, recognised by their field names: nashra's own
//! layout, news-please's and trafilatura's (`--json`). Each maps onto the same
//! [`DocFields`]; the table in README.md ("JSON lines from extractors") lists the mapping.

use serde::Deserialize;

use super::{DocFields, Format};

/// Every field any known layout uses. Unknown fields are ignored; a record is recognised by
/// the body field it has.
#[derive(Deserialize)]
struct AnyRecord {
    // nashra
    text: Option<String>,
    html: Option<String>,
    id: Option<serde_json::Value>,
    title: Option<String>,
    url: Option<String>,
    date: Option<String>,
    source: Option<String>,
    // news-please
    maintext: Option<String>,
    date_publish: Option<String>,
    source_domain: Option<String>,
    // trafilatura
    sitename: Option<String>,
    hostname: Option<String>,
}

/// The layout a record was recognised as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// `text` or `html`, `id`, `title`, `url`, `date`, `source`; trafilatura's `--json`
    /// (`text`, `date`, `sitename`/`hostname`) shares its body and date fields.
    Nashra,
    /// news-please: `maintext`, `title`, `date_publish`, `url`, `source_domain`.
    NewsPlease,
}

/// What the expected body fields are, for the error on a record that has none.
pub const EXPECTED: &str = "\"text\" or \"html\" (nashra, trafilatura --json) or \"maintext\" \
                            (news-please)";

/// A record's body and fields.
pub struct Parsed {
    pub layout: Layout,
    pub format: Format,
    pub body: String,
    pub fields: DocFields,
}

/// Why a line is no article record.
pub enum RecordError {
    Json(String),
    /// No body field of any known layout; the field names it has, sorted.
    NoBody(Vec<String>),
}

/// Parses one JSON line in any known layout.
pub fn parse(line: &str) -> Result<Parsed, RecordError> {
    let value: serde_json::Value =
        serde_json::from_str(line).map_err(|e| RecordError::Json(e.to_string()))?;
    let found = match &value {
        serde_json::Value::Object(map) => map.keys().cloned().collect(),
        _ => Vec::new(),
    };
    let r: AnyRecord =
        serde_json::from_value(value).map_err(|e| RecordError::Json(e.to_string()))?;
    let (layout, format, body) = match (r.text, r.html, r.maintext) {
        (Some(t), _, _) => (Layout::Nashra, Format::Text, t),
        (None, Some(h), _) => (Layout::Nashra, Format::Html, h),
        (None, None, Some(m)) => (Layout::NewsPlease, Format::Text, m),
        (None, None, None) => return Err(RecordError::NoBody(found)),
    };
    let id = r.id.map(|v| match v {
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    });
    let fields = DocFields {
        id,
        title: r.title,
        url: r.url,
        date: r.date.or(r.date_publish),
        // A named publication before a bare domain.
        source: r.source.or(r.sitename).or(r.source_domain).or(r.hostname),
        ..DocFields::default()
    };
    Ok(Parsed {
        layout,
        format,
        body,
        fields,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_layout_maps_onto_the_same_fields() {
        let own = r#"{"text":"نص","id":7,"title":"ع","url":"u","date":"2025-01-01","source":"s"}"#;
        let p = parse(own).ok().unwrap();
        assert_eq!(
            (p.layout, p.format, p.body.as_str()),
            (Layout::Nashra, Format::Text, "نص")
        );
        assert_eq!(p.fields.id.as_deref(), Some("7"));
        assert_eq!(p.fields.source.as_deref(), Some("s"));

        let np = r#"{"maintext":"نص","title":"ع","date_publish":"2025-02-10 09:30:00",
                     "url":"https://a.example/1","source_domain":"a.example","language":"ar"}"#;
        let p = parse(np).ok().unwrap();
        assert_eq!(p.layout, Layout::NewsPlease);
        assert_eq!(p.fields.date.as_deref(), Some("2025-02-10 09:30:00"));
        assert_eq!(p.fields.source.as_deref(), Some("a.example"));
        assert_eq!(p.fields.url.as_deref(), Some("https://a.example/1"));

        let tr = r#"{"text":"نص","date":"2025-02-11","hostname":"b.example","sitename":"موقع"}"#;
        assert_eq!(
            parse(tr).ok().unwrap().fields.source.as_deref(),
            Some("موقع")
        );
        let tr = r#"{"text":"نص","hostname":"b.example","sitename":null}"#;
        assert_eq!(
            parse(tr).ok().unwrap().fields.source.as_deref(),
            Some("b.example")
        );
    }

    #[test]
    fn an_unknown_layout_names_the_fields_it_has() {
        match parse(r#"{"headline":"x","body":"y"}"#) {
            Err(RecordError::NoBody(found)) => assert_eq!(found, ["body", "headline"]),
            _ => panic!("accepted an unknown layout"),
        }
        assert!(matches!(parse("[1]"), Err(RecordError::Json(_))));
    }
}
