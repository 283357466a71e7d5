//! The supported models ("presets"): one TOML file per model in `models/`, compiled into the
//! binary. Each names a Hugging Face repository and the commit nashra is pinned to — the only
//! place a pinned revision is written — with its licence, published quality and the speed and
//! memory measured here. `--model` takes a preset name (`fast`, `best`) or a repository id.

use std::sync::LazyLock;

use serde::Deserialize;

use super::hub::ModelSource;

/// The preset files, in the order `nashra models list` shows them.
const FILES: [(&str, &str); 4] = [
    (
        "models/opus-mt-ar-en.toml",
        include_str!("../../models/opus-mt-ar-en.toml"),
    ),
    (
        "models/opus-mt-tc-big-ar-en.toml",
        include_str!("../../models/opus-mt-tc-big-ar-en.toml"),
    ),
    (
        "models/distilbart-cnn-12-6.toml",
        include_str!("../../models/distilbart-cnn-12-6.toml"),
    ),
    (
        "models/bart-large-cnn.toml",
        include_str!("../../models/bart-large-cnn.toml"),
    ),
];

/// What a preset's model does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Task {
    /// Arabic → English translation (Marian).
    #[default]
    Translate,
    /// English abstractive summaries (BART).
    Summarize,
}

/// A supported model, as described by its `models/<name>.toml`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preset {
    /// The short name `--model` accepts (`fast`, `best`, `summary-fast`).
    pub name: String,
    /// What the model does (translation unless the file says otherwise).
    #[serde(default)]
    pub task: Task,
    /// The Hugging Face repository id.
    pub id: String,
    /// The commit nashra downloads unless `--revision` says otherwise.
    pub revision: String,
    /// Whether this is the model nashra uses for its task when none is named (exactly one
    /// preset per task is).
    #[serde(default)]
    pub default: bool,
    pub architecture: String,
    /// The weights file the repository ships at the pinned revision.
    pub weights: String,
    /// Approximate download, all needed files together, in MB.
    pub download_mb: u32,
    pub files: Vec<String>,
    pub licence: String,
    pub decoding: String,
    /// Published quality figures, each with where it comes from.
    #[serde(default)]
    pub quality: Vec<Published>,
    /// Speed and memory measured here (see BENCHMARKS.md), when they have been.
    pub measured: Option<Measured>,
}

/// A published quality figure.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Published {
    pub test_set: String,
    /// Translation: BLEU, and chrF on sacreBLEU's 0–100 scale.
    pub bleu: Option<f64>,
    pub chrf: Option<f64>,
    /// Summaries: ROUGE F1 (0–100) as published.
    pub rouge1: Option<f64>,
    pub rouge2: Option<f64>,
    pub rouge_l: Option<f64>,
    pub source: String,
}

impl Published {
    /// The figures as one short phrase: `42.6 BLEU / 67 chrF, FLORES-101 devtest`.
    fn phrase(&self) -> String {
        let figures: Vec<String> = [
            (self.bleu, "BLEU"),
            (self.chrf, "chrF"),
            (self.rouge1, "ROUGE-1"),
            (self.rouge2, "ROUGE-2"),
            (self.rouge_l, "ROUGE-L"),
        ]
        .into_iter()
        .filter_map(|(v, name)| v.map(|v| format!("{v} {name}")))
        .collect();
        format!("{}, {}", figures.join(" / "), self.test_set)
    }
}

/// Throughput and memory measured on this project's benchmark machine.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Measured {
    /// Sentences/s, greedy search, 32 sentences per batch.
    pub greedy_b32_sent_per_s: f64,
    /// Sentences/s, beam 4, 16 sentences per batch.
    pub beam4_b16_sent_per_s: f64,
    /// Peak resident memory of the greedy run, MiB.
    pub peak_rss_mib: f64,
    /// How and where it was measured.
    pub how: String,
}

static PRESETS: LazyLock<Vec<Preset>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|(path, text)| {
            // The files are part of the source tree and a unit test parses them: a failure
            // here is a build defect, not a user error.
            toml::from_str(text).unwrap_or_else(|e| panic!("{path}: invalid preset: {e}"))
        })
        .collect()
});

/// Every preset, in display order.
pub fn all() -> &'static [Preset] {
    &PRESETS
}

/// The translation model nashra uses when none is named.
pub fn default_preset() -> &'static Preset {
    default_for(Task::Translate)
}

/// The model nashra uses for `task` when none is named.
pub fn default_for(task: Task) -> &'static Preset {
    all()
        .iter()
        .find(|p| p.default && p.task == task)
        .expect("one preset per task in models/ is marked default (checked by a test)")
}

/// The preset with this name (`best`, case-insensitive) or repository id.
pub fn find(name_or_id: &str) -> Option<&'static Preset> {
    all()
        .iter()
        .find(|p| p.name.eq_ignore_ascii_case(name_or_id) || p.id == name_or_id)
}

/// The repository and revision `--model MODEL --revision REV` points to: a preset name
/// becomes its repository, and a preset's repository is pinned to its commit unless a revision
/// is given; any other repository follows `main`. No model at all means the default preset.
pub fn repo_and_revision(model: Option<&str>, revision: Option<&str>) -> (String, String) {
    let preset = match model {
        None => Some(default_preset()),
        Some(m) => find(m),
    };
    let repo = preset.map_or_else(|| model.unwrap_or_default().to_string(), |p| p.id.clone());
    let revision = revision
        .map(str::to_string)
        .or_else(|| preset.map(|p| p.revision.clone()))
        .unwrap_or_else(|| "main".into());
    (repo, revision)
}

/// [`repo_and_revision`] as a model source.
pub fn source(model: Option<&str>, revision: Option<&str>) -> ModelSource {
    let (repo, revision) = repo_and_revision(model, revision);
    ModelSource::Hub { repo, revision }
}

/// Every preset as a Markdown table with padded columns (readable in a terminal, pasteable
/// into a document); `cached` says whether a preset's files are already downloaded.
pub fn table(cached: &dyn Fn(&Preset) -> bool) -> String {
    let header = [
        "preset",
        "task",
        "repository",
        "revision",
        "download",
        "licence",
        "published quality",
        "greedy b32",
        "beam 4 b16",
        "peak memory",
        "cached",
    ];
    let rows: Vec<Vec<String>> = all().iter().map(|p| row(p, cached(p))).collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|c| {
            rows.iter()
                .map(|r| r[c].chars().count())
                .chain(std::iter::once(header[c].chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<String>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, &w)| format!("{c:<w$}"))
            .collect();
        format!("| {} |\n", padded.join(" | "))
    };
    let mut out = line(header.iter().map(|h| h.to_string()).collect());
    out += &line(widths.iter().map(|&w| "-".repeat(w)).collect());
    for r in rows {
        out += &line(r);
    }
    out
}

fn row(p: &Preset, cached: bool) -> Vec<String> {
    let name = if p.default {
        format!("{} (default)", p.name)
    } else {
        p.name.clone()
    };
    // Like with like: FLORES for every translation model, CNN/DailyMail for summarisers.
    let comparable = |q: &&Published| match p.task {
        Task::Translate => q.test_set.starts_with("FLORES"),
        Task::Summarize => q.test_set.starts_with("CNN/DailyMail"),
    };
    let quality = (p.quality.iter().find(comparable))
        .or(p.quality.first())
        .map_or("unknown".into(), Published::phrase);
    let (greedy, beam, memory) = match &p.measured {
        Some(m) => (
            format!("{:.1} sent/s", m.greedy_b32_sent_per_s),
            format!("{:.1} sent/s", m.beam4_b16_sent_per_s),
            format!("{:.0} MiB", m.peak_rss_mib),
        ),
        None => (
            "not measured".into(),
            "not measured".into(),
            "not measured".into(),
        ),
    };
    let task = match p.task {
        Task::Translate => "translate",
        Task::Summarize => "summarize",
    };
    vec![
        name,
        task.into(),
        p.id.clone(),
        p.revision[..p.revision.len().min(12)].to_string(),
        format!("{} MB", p.download_mb),
        p.licence.split(" (").next().unwrap_or_default().to_string(),
        quality,
        greedy,
        beam,
        memory,
        if cached { "yes" } else { "no" }.into(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_file_parses_and_names_are_unique() {
        assert_eq!(all().len(), FILES.len());
        for p in all() {
            assert_eq!(p.revision.len(), 40, "{}: pin a full commit hash", p.id);
            assert!(p.revision.bytes().all(|b| b.is_ascii_hexdigit()));
            assert!(
                p.files.contains(&p.weights),
                "{}: weights not in files",
                p.id
            );
            assert!(!p.quality.is_empty(), "{}: no published quality", p.id);
        }
        let mut names: Vec<&str> = all().iter().map(|p| p.name.as_str()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), all().len(), "duplicate preset names");
        for task in [Task::Translate, Task::Summarize] {
            let defaults = all().iter().filter(|p| p.default && p.task == task);
            assert_eq!(defaults.count(), 1, "{task:?}: one default preset");
        }
    }

    #[test]
    fn names_and_ids_resolve_to_pinned_commits() {
        let best = find("best").unwrap();
        assert_eq!(best.id, "Helsinki-NLP/opus-mt-tc-big-ar-en");
        assert_eq!(find("BEST"), Some(best));
        assert_eq!(find("Helsinki-NLP/opus-mt-ar-en"), find("fast"));
        let pinned = repo_and_revision;
        let fast = find("fast").unwrap();
        assert_eq!(
            pinned(Some("fast"), None),
            (fast.id.clone(), fast.revision.clone())
        );
        assert_eq!(
            pinned(Some(&fast.id), None),
            (fast.id.clone(), fast.revision.clone())
        );
        assert_eq!(
            pinned(None, None),
            (
                default_preset().id.clone(),
                default_preset().revision.clone()
            )
        );
        assert_eq!(
            pinned(Some("best"), Some("main")),
            (best.id.clone(), "main".into())
        );
        assert_eq!(
            pinned(Some("org/other"), None),
            ("org/other".into(), "main".into())
        );
        assert_eq!(
            source(None, None),
            ModelSource::Hub {
                repo: default_preset().id.clone(),
                revision: default_preset().revision.clone()
            }
        );
    }

    #[test]
    fn table_lists_every_preset_with_aligned_columns() {
        let t = table(&|p| p.name == "fast");
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 2 + all().len());
        let width = lines[0].chars().count();
        assert!(lines.iter().all(|l| l.chars().count() == width), "{t}");
        assert!(
            t.contains("best (default)") && t.contains("bcb4acd39ee8"),
            "{t}"
        );
        assert!(t.contains("42.6 BLEU / 67 chrF, FLORES-101 devtest"), "{t}");
        // Like with like: the fast model's FLORES figure, not its first (Tatoeba) one.
        assert!(t.contains("33.9 BLEU / 61 chrF, FLORES-200 devtest"), "{t}");
        assert!(
            t.contains("21.26 ROUGE-2 / 30.59 ROUGE-L, CNN/DailyMail"),
            "{t}"
        );
        assert_eq!(default_for(Task::Summarize).name, "summary-fast");
    }
}
