//! What the cleaner decides for each line, as types: a [`Label`], and for dropped lines a
//! [`Reason`] that also fixes the [`DropKind`]. Reasons travel to the briefs as their text
//! (`"read-also marker"`), but code never matches on that text: it matches on the enum.

use serde::{Deserialize, Serialize};

/// What a dropped line was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DropKind {
    /// Date, author, source or site lines: their content is in [`super::Metadata`].
    Metadata,
    /// Navigation, tags, share rows, widgets, captions, link lists, mastheads, duplicates.
    Boilerplate,
    /// Part of a different article the page embedded (teasers, read-also articles).
    Embedded,
}

/// Why a line was dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    // Metadata.
    ScraperLine,
    DateLine,
    Byline,
    Dateline,
    SourceLine,
    SiteName,
    // Boilerplate found from the line alone.
    NoArabic,
    NumbersOrSymbols,
    Widget,
    SocialEmbed,
    GluedHeadlines,
    ShortItemList,
    ReadAlso,
    Tags,
    Share,
    RelatedHeader,
    Masthead,
    MastheadName,
    Copyright,
    Caption,
    // Boilerplate found from the page.
    Repeats(usize),
    RepeatsPartOf(usize),
    PageTitle,
    SharedInBatch(usize),
    SectionLabel,
    BeforeHeadline,
    LinkList,
    AfterArticle,
    // Other articles.
    TeaserRun,
    ReadAlsoTeaser,
    AfterReadAlso,
    /// Dropped by the HTML extractor, with its reason.
    Extractor(String),
}

impl Reason {
    /// The kind of drop this reason makes.
    pub fn kind(&self) -> DropKind {
        use Reason::*;
        match self {
            ScraperLine | DateLine | Byline | Dateline | SourceLine | SiteName => {
                DropKind::Metadata
            }
            TeaserRun | ReadAlsoTeaser | AfterReadAlso => DropKind::Embedded,
            _ => DropKind::Boilerplate,
        }
    }

    fn text(&self) -> String {
        use Reason::*;
        match self {
            Repeats(n) => format!("repeats line {n}"),
            RepeatsPartOf(n) => format!("repeats part of line {n}"),
            SharedInBatch(n) => format!("shared with {n} other articles of the batch"),
            Extractor(s) => s.clone(),
            // A reason missing from the table still reads as something.
            fixed => FIXED_TEXTS
                .iter()
                .find(|(r, _)| r == fixed)
                .map_or_else(|| format!("{fixed:?}"), |(_, t)| t.to_string()),
        }
    }

    /// Reads back what [`Reason`]'s `Display` wrote; text of no known reason is taken as the
    /// HTML extractor's own.
    pub fn parse(s: &str) -> Reason {
        use Reason::*;
        let number = |prefix: &str, suffix: &str| {
            s.strip_prefix(prefix)?
                .strip_suffix(suffix)?
                .parse::<usize>()
                .ok()
        };
        if let Some(n) = number("repeats line ", "") {
            return Repeats(n);
        }
        if let Some(n) = number("repeats part of line ", "") {
            return RepeatsPartOf(n);
        }
        if let Some(n) = number("shared with ", " other articles of the batch") {
            return SharedInBatch(n);
        }
        FIXED_TEXTS
            .iter()
            .find(|(_, t)| *t == s)
            .map_or_else(|| Extractor(s.to_string()), |(r, _)| r.clone())
    }
}

/// The text of every reason without a value: one table both to write a reason and to read
/// it back.
#[rustfmt::skip]
const FIXED_TEXTS: [(Reason, &str); 28] = [
    (Reason::ScraperLine, "scraper's metadata line"),
    (Reason::DateLine, "date line"),
    (Reason::Byline, "byline"),
    (Reason::Dateline, "dateline or agency"),
    (Reason::SourceLine, "source line"),
    (Reason::SiteName, "site name"),
    (Reason::NoArabic, "no Arabic text (code, widget or foreign embed)"),
    (Reason::NumbersOrSymbols, "numbers or symbols only"),
    (Reason::Widget, "page widget"),
    (Reason::SocialEmbed, "social-media embed"),
    (Reason::GluedHeadlines, "run of headlines glued together"),
    (Reason::ShortItemList, "list of short items (tags or menu)"),
    (Reason::ReadAlso, "read-also marker"),
    (Reason::Tags, "tag list"),
    (Reason::Share, "share/print row"),
    (Reason::RelatedHeader, "related-articles list header"),
    (Reason::Masthead, "masthead"),
    (Reason::MastheadName, "masthead (name)"),
    (Reason::Copyright, "copyright notice"),
    (Reason::Caption, "photo caption or credit"),
    (Reason::PageTitle, "page title with the site name"),
    (Reason::SectionLabel, "section name or short label"),
    (Reason::BeforeHeadline, "before the headline"),
    (Reason::LinkList, "list of links"),
    (Reason::AfterArticle, "after the end of the article"),
    (Reason::TeaserRun, "run of other articles' headlines"),
    (Reason::ReadAlsoTeaser, "read-also teaser"),
    (Reason::AfterReadAlso, "another article, embedded after a read-also marker"),
];

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text())
    }
}

impl Serialize for Reason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text())
    }
}

impl<'de> Deserialize<'de> for Reason {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Reason::parse(&String::deserialize(d)?))
    }
}

/// The cleaner's decision for one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Label {
    Title,
    Heading,
    Body,
    Drop(Reason),
}

impl Label {
    /// Short name for `--explain`.
    pub fn tag(&self) -> &'static str {
        match self {
            Label::Title => "TITLE",
            Label::Heading => "HEAD",
            Label::Body => "BODY",
            Label::Drop(r) => match r.kind() {
                DropKind::Metadata => "META",
                DropKind::Boilerplate => "DROP",
                DropKind::Embedded => "OTHER",
            },
        }
    }
}

/// The named step of the cleaner that decided a line (see `clean::classify`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Pass {
    LineShape,
    Markers,
    Repeats,
    Template,
    Header,
    Title,
    Body,
    Tail,
}

impl std::fmt::Display for Pass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Pass::LineShape => "line-shape",
            Pass::Markers => "markers",
            Pass::Repeats => "repeats",
            Pass::Template => "template",
            Pass::Header => "header",
            Pass::Title => "title",
            Pass::Body => "body",
            Pass::Tail => "tail",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_round_trip_through_their_text() {
        for r in [
            Reason::Repeats(3),
            Reason::SharedInBatch(2),
            Reason::ReadAlso,
            Reason::AfterReadAlso,
            Reason::Extractor("inside <nav>".into()),
        ] {
            assert_eq!(Reason::parse(&r.to_string()), r);
            let json = serde_json::to_string(&r).unwrap();
            assert_eq!(serde_json::from_str::<Reason>(&json).unwrap(), r);
        }
        assert_eq!(Reason::DateLine.kind(), DropKind::Metadata);
        assert_eq!(Reason::TeaserRun.kind(), DropKind::Embedded);
    }

    #[test]
    fn every_fixed_text_is_its_reason_s_alone() {
        for (r, text) in &FIXED_TEXTS {
            assert_eq!(&r.to_string(), text);
            assert_eq!(&Reason::parse(text), r);
            assert_eq!(FIXED_TEXTS.iter().filter(|(_, t)| t == text).count(), 1);
        }
    }
}
