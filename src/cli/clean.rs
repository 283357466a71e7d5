//! `nashra clean`: read articles, drop web boilerplate, show what is kept and why the rest
//! was dropped (`--explain`: every line with its label and the signals that decided it).
//! All inputs are cleaned as one batch, so a site's template is learnt across them.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::clean::{explain, structure_batch, Article, BlockKind, SiteTemplate};
use crate::ingest::{self, decode, Format};

/// Read articles and show their cleaned structure.
#[derive(Debug, clap::Args)]
pub struct CleanArgs {
    /// Files or directories (.txt, .html, .htm, .jsonl); `-` reads stdin
    #[arg(required = true, value_name = "FILE|DIR")]
    pub inputs: Vec<PathBuf>,
    /// Print one JSON object per article (JSON lines) instead of the readable view
    #[arg(long)]
    pub json: bool,
    /// Print every line with its label, the pass that decided it and the signals it measured
    #[arg(long)]
    pub explain: bool,
    /// Format of stdin
    #[arg(long, value_enum, default_value = "text")]
    pub stdin_format: StdinFormat,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum StdinFormat {
    Text,
    Html,
    Jsonl,
}

/// Renders an article for people: kept blocks with their kind and lines, then the drops.
pub fn readable(a: &Article) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "== {} (id {})", a.path, a.id);
    let m = &a.metadata;
    let _ = writeln!(
        s,
        "   title: {}\n   date: {}   author: {}   source: {}   encoding: {}",
        a.title.as_deref().unwrap_or("-"),
        m.date.as_deref().or(m.date_text.as_deref()).unwrap_or("-"),
        m.author.as_deref().unwrap_or("-"),
        m.source.as_deref().unwrap_or("-"),
        m.encoding
    );
    for w in &a.warnings {
        let _ = writeln!(s, "   warning: {w}");
    }
    for b in &a.blocks {
        let kind = match b.kind {
            BlockKind::Title => "TITLE",
            BlockKind::Heading => "HEAD ",
            BlockKind::Paragraph => "BODY ",
        };
        let _ = writeln!(s, "{kind} {:>4}  {}", b.lines.0, b.text);
        if b.kind == BlockKind::Paragraph && b.sentences.len() > 1 {
            for (i, sen) in b.sentences.iter().enumerate() {
                let _ = writeln!(s, "           [{}] {}", i + 1, sen.normalized);
            }
        }
    }
    for d in &a.dropped {
        let text: String = d.text.chars().take(70).collect();
        let _ = writeln!(s, "drop  {:>4}  ({}) {text}", d.line, d.reason);
    }
    s
}

pub fn execute(args: CleanArgs) -> anyhow::Result<ExitCode> {
    let mut problems = 0;
    let mut raws = Vec::new();
    for input in &args.inputs {
        if input.as_os_str() == "-" {
            let format = match args.stdin_format {
                StdinFormat::Text => Format::Text,
                StdinFormat::Html => Format::Html,
                StdinFormat::Jsonl => Format::Jsonl,
            };
            raws.extend(ingest::read_stdin(format)?);
            continue;
        }
        let files = match ingest::discover(std::slice::from_ref(input)) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("nashra: {e}");
                problems += 1;
                continue;
            }
        };
        for file in files {
            match ingest::read_path(&file) {
                Ok(docs) => raws.extend(docs),
                Err(e) => {
                    eprintln!("nashra: {e}");
                    problems += 1;
                }
            }
        }
    }
    let mut docs = Vec::new();
    for raw in raws {
        match raw {
            Ok(r) => docs.push(decode(&r)),
            Err(e) => {
                eprintln!("nashra: {e}");
                problems += 1;
            }
        }
    }
    if args.explain {
        let template = SiteTemplate::learn(docs.iter().map(|d| d.text.as_str()));
        for doc in &docs {
            let e = explain(doc, &template);
            if args.json {
                println!("{}", serde_json::to_string(&e)?);
            } else {
                print!("{e}");
            }
        }
    }
    for (doc, result) in docs.iter().zip(structure_batch(&docs)) {
        match result {
            Ok(_) if args.explain => {}
            Ok(article) if args.json => println!("{}", serde_json::to_string(&article)?),
            Ok(article) => println!("{}", readable(&article)),
            Err(skip) => {
                eprintln!("nashra: {}: skipped: {skip}", doc.origin);
                problems += 1;
            }
        }
    }
    Ok(if problems == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}
