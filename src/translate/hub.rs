//! Finding a model's files: a Hugging Face Hub repository at a pinned revision (downloaded
//! with `hf-hub` into the standard Hugging Face cache, usable offline afterwards), or a local
//! directory with the same files.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use hf_hub::api::sync::ApiBuilder;
use hf_hub::{Cache, Repo, RepoType};

use super::TranslateError;

const OPTIONAL: [&str; 3] = [
    "generation_config.json",
    "tokenizer_config.json",
    "tokenizer.json",
];
const WEIGHTS: [&str; 2] = ["model.safetensors", "pytorch_model.bin"];

/// Which tokenizer files a model has, by family: Marian's sentencepiece models and
/// vocabulary, or BART's `tokenizer.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    Marian,
    Bart,
}

impl Layout {
    /// The files a model of this layout cannot do without (`config.json` first), weights
    /// apart.
    fn required(self) -> &'static [&'static str] {
        match self {
            Layout::Marian => &["config.json", "source.spm", "target.spm", "vocab.json"],
            // BartTokenizer's own files, in every BART repository; `tokenizer.json` is used
            // when the repository has one (it is optional).
            Layout::Bart => &["config.json", "vocab.json", "merges.txt"],
        }
    }
}

/// The tokenizer files of a model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenizerFiles {
    Marian {
        source_spm: PathBuf,
        target_spm: PathBuf,
        vocab: PathBuf,
    },
    /// Byte-level BPE: `tokenizer.json` when the repository has one, else built from
    /// `vocab.json` and `merges.txt`.
    Bpe {
        tokenizer_json: Option<PathBuf>,
        vocab: PathBuf,
        merges: PathBuf,
    },
}

/// Where a model comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelSource {
    Hub { repo: String, revision: String },
    Dir(PathBuf),
}

/// The weights file of a model, by format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WeightsFile {
    Safetensors(PathBuf),
    Pytorch(PathBuf),
}

impl WeightsFile {
    pub fn path(&self) -> &Path {
        match self {
            Self::Safetensors(p) | Self::Pytorch(p) => p,
        }
    }

    /// The file and the format to read it in.
    pub fn location(&self) -> super::model::weights::WeightsLocation {
        use super::model::weights::{WeightsFormat, WeightsLocation};
        let format = match self {
            Self::Safetensors(_) => WeightsFormat::Safetensors,
            Self::Pytorch(_) => WeightsFormat::Pytorch,
        };
        WeightsLocation {
            path: self.path().to_path_buf(),
            format,
        }
    }
}

/// The local paths of every file a model needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelFiles {
    /// The Hub repository id, or the directory for a local model.
    pub id: String,
    /// The pinned revision (Hub models only).
    pub revision: Option<String>,
    pub config: PathBuf,
    pub generation_config: Option<PathBuf>,
    pub weights: WeightsFile,
    pub tokenizer: TokenizerFiles,
    pub tokenizer_config: Option<PathBuf>,
}

impl ModelFiles {
    /// The folder holding the model's files.
    pub fn dir(&self) -> &Path {
        self.config.parent().unwrap_or(Path::new("."))
    }

    /// The error for a model whose tokenizer files are not the kind `needs` says, naming
    /// its `config.json`.
    pub fn wrong_tokenizer(&self, needs: &str) -> TranslateError {
        TranslateError::Unsupported {
            path: self.config.clone(),
            message: needs.into(),
        }
    }
}

/// How to reach the Hub, read from the same environment variables as Hugging Face's own tools.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubOptions {
    /// `HF_HUB_OFFLINE`: use the cache only.
    pub offline: bool,
    /// `HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`.
    pub cache_dir: PathBuf,
    /// `HF_ENDPOINT` (default: the public Hub).
    pub endpoint: Option<String>,
}

impl HubOptions {
    pub fn from_env() -> Self {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let offline = var("HF_HUB_OFFLINE").is_some_and(|v| {
            matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "yes" | "on")
        });
        let cache_dir = var("HF_HUB_CACHE")
            .map(PathBuf::from)
            .or_else(|| var("HF_HOME").map(|h| PathBuf::from(h).join("hub")))
            .unwrap_or_else(|| Cache::default().path().clone());
        Self {
            offline,
            cache_dir,
            endpoint: var("HF_ENDPOINT"),
        }
    }
}

/// Why a model's files could not be found.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error(
        "model {repo}@{revision}: {file} is not in the Hugging Face cache at {} and HF_HUB_OFFLINE \
         is set; run `nashra models fetch {repo}` on a machine with internet, or pass --model-dir",
        cache.display()
    )]
    NotCached {
        repo: String,
        revision: String,
        file: String,
        cache: PathBuf,
    },
    #[error("{}: model directory has no {file}", dir.display())]
    MissingFile { dir: PathBuf, file: String },
    #[error("{}: not a model directory (it does not exist or is not a folder)", dir.display())]
    NotADir { dir: PathBuf },
    #[error("{place}: no weights file (looked for model.safetensors and pytorch_model.bin)")]
    NoWeights { place: String },
    #[error("model {repo}@{revision}: cannot download {file}: {cause}")]
    Download {
        repo: String,
        revision: String,
        file: String,
        cause: String,
    },
}

fn is_commit(rev: &str) -> bool {
    rev.len() == 40 && rev.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A file of `repo@revision` in the cache: through `refs/<revision>` (what hf-hub and
/// huggingface_hub write for branch names), or straight in `snapshots/<commit>/` (what
/// huggingface_hub leaves for a pinned commit).
pub fn cached_file(cache_dir: &Path, repo: &str, revision: &str, file: &str) -> Option<PathBuf> {
    let base = cache_dir.join(format!("models--{}", repo.replace('/', "--")));
    let commit = std::fs::read_to_string(base.join("refs").join(revision))
        .ok()
        .map(|s| s.trim().to_string())
        .or_else(|| is_commit(revision).then(|| revision.to_string()))?;
    let path = base.join("snapshots").join(commit).join(file);
    path.exists().then_some(path)
}

/// Resolves a translation (Marian) model to local files, downloading what is missing (unless
/// offline).
pub fn resolve(source: &ModelSource, opts: &HubOptions) -> Result<ModelFiles, ModelError> {
    resolve_layout(source, opts, Layout::Marian)
}

/// [`resolve`] for a model of the given layout.
pub fn resolve_layout(
    source: &ModelSource,
    opts: &HubOptions,
    layout: Layout,
) -> Result<ModelFiles, ModelError> {
    match source {
        ModelSource::Dir(dir) => resolve_dir(dir, layout),
        ModelSource::Hub { repo, revision } => resolve_hub(repo, revision, opts, layout),
    }
}

/// Downloads every file the model needs into the cache (for offline runs later).
pub fn fetch(repo: &str, revision: &str, opts: &HubOptions) -> Result<ModelFiles, ModelError> {
    fetch_layout(repo, revision, opts, Layout::Marian)
}

/// [`fetch`] for a model of the given layout.
pub fn fetch_layout(
    repo: &str,
    revision: &str,
    opts: &HubOptions,
    layout: Layout,
) -> Result<ModelFiles, ModelError> {
    let online = HubOptions {
        offline: false,
        ..opts.clone()
    };
    resolve_hub(repo, revision, &online, layout)
}

fn resolve_dir(dir: &Path, layout: Layout) -> Result<ModelFiles, ModelError> {
    if !dir.is_dir() {
        return Err(ModelError::NotADir {
            dir: dir.to_path_buf(),
        });
    }
    let required = |f: &str| {
        let p = dir.join(f);
        if p.is_file() {
            Ok(p)
        } else {
            Err(ModelError::MissingFile {
                dir: dir.to_path_buf(),
                file: f.to_string(),
            })
        }
    };
    let optional = |f: &str| Some(dir.join(f)).filter(|p| p.is_file());
    let weights = if let Some(p) = optional(WEIGHTS[0]) {
        WeightsFile::Safetensors(p)
    } else if let Some(p) = optional(WEIGHTS[1]) {
        WeightsFile::Pytorch(p)
    } else {
        return Err(ModelError::NoWeights {
            place: dir.display().to_string(),
        });
    };
    for f in layout.required() {
        required(f)?;
    }
    Ok(files_from(
        &dir.display().to_string(),
        None,
        layout,
        &optional,
        weights,
    ))
}

// The download path as one sequence (cache first, then listing, download, pick the weights'
// format), in the order huggingface_hub itself takes them.
fn resolve_hub(
    repo: &str,
    revision: &str,
    opts: &HubOptions,
    layout: Layout,
) -> Result<ModelFiles, ModelError> {
    let required = layout.required();
    let cached = |f: &str| cached_file(&opts.cache_dir, repo, revision, f);
    let all_cached =
        required.iter().all(|f| cached(f).is_some()) && WEIGHTS.iter().any(|f| cached(f).is_some());
    if opts.offline || all_cached {
        let missing = required
            .iter()
            .find(|f| cached(f).is_none())
            .map(|f| f.to_string())
            .or_else(|| {
                (!WEIGHTS.iter().any(|f| cached(f).is_some()))
                    .then(|| "model.safetensors or pytorch_model.bin".to_string())
            });
        if let Some(file) = missing {
            return Err(ModelError::NotCached {
                repo: repo.into(),
                revision: revision.into(),
                file,
                cache: opts.cache_dir.clone(),
            });
        }
        let weights = cached_weights(&cached);
        return Ok(files_from(repo, Some(revision), layout, &cached, weights));
    }

    let download_error = |file: &str, cause: String| ModelError::Download {
        repo: repo.into(),
        revision: revision.into(),
        file: file.into(),
        cause,
    };
    let mut builder = ApiBuilder::from_cache(Cache::new(opts.cache_dir.clone()))
        .with_progress(std::io::stderr().is_terminal());
    if let Some(endpoint) = &opts.endpoint {
        builder = builder.with_endpoint(endpoint.clone());
    }
    let api = builder
        .build()
        .map_err(|e| download_error("(client)", e.to_string()))?;
    let api_repo = api.repo(Repo::with_revision(
        repo.to_string(),
        RepoType::Model,
        revision.to_string(),
    ));
    let listing = api_repo
        .info()
        .map_err(|e| download_error("(file listing)", e.to_string()))?;
    let has = |f: &str| listing.siblings.iter().any(|s| s.rfilename == f);
    let weights = WEIGHTS
        .iter()
        .find(|f| has(f))
        .ok_or_else(|| ModelError::NoWeights {
            place: format!("model {repo}@{revision}"),
        })?;
    let wanted = required
        .iter()
        .chain(OPTIONAL.iter().filter(|f| has(f)))
        .chain(std::iter::once(weights));
    for f in wanted {
        if cached(f).is_none() {
            api_repo
                .download(f)
                .map_err(|e| download_error(f, e.to_string()))?;
        }
    }
    // Prefer the format the repository lists, even if another one is cached.
    let weights_file = match *weights {
        "model.safetensors" => WeightsFile::Safetensors(cached(weights).expect("downloaded")),
        _ => WeightsFile::Pytorch(cached(weights).expect("downloaded")),
    };
    Ok(files_from(
        repo,
        Some(revision),
        layout,
        &cached,
        weights_file,
    ))
}

/// The cached weights, safetensors preferred.
fn cached_weights(lookup: &dyn Fn(&str) -> Option<PathBuf>) -> WeightsFile {
    match lookup(WEIGHTS[0]) {
        Some(p) => WeightsFile::Safetensors(p),
        None => WeightsFile::Pytorch(lookup(WEIGHTS[1]).unwrap_or_default()),
    }
}

/// Builds the file set from a lookup that has every required file of `layout`.
fn files_from(
    id: &str,
    revision: Option<&str>,
    layout: Layout,
    lookup: &dyn Fn(&str) -> Option<PathBuf>,
    weights: WeightsFile,
) -> ModelFiles {
    let file = |f: &str| lookup(f).unwrap_or_default();
    let tokenizer = match layout {
        Layout::Marian => TokenizerFiles::Marian {
            source_spm: file("source.spm"),
            target_spm: file("target.spm"),
            vocab: file("vocab.json"),
        },
        Layout::Bart => TokenizerFiles::Bpe {
            tokenizer_json: lookup(OPTIONAL[2]),
            vocab: file("vocab.json"),
            merges: file("merges.txt"),
        },
    };
    ModelFiles {
        id: id.to_string(),
        revision: revision.map(str::to_string),
        config: file("config.json"),
        generation_config: lookup(OPTIONAL[0]),
        weights,
        tokenizer,
        tokenizer_config: lookup(OPTIONAL[1]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_lookup_through_refs_or_commit() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("models--a--b");
        let commit = "0123456789abcdef0123456789abcdef01234567";
        std::fs::create_dir_all(base.join("snapshots").join(commit)).unwrap();
        std::fs::write(base.join("snapshots").join(commit).join("x.json"), "{}").unwrap();
        assert!(cached_file(dir.path(), "a/b", commit, "x.json").is_some());
        assert!(cached_file(dir.path(), "a/b", "main", "x.json").is_none());
        std::fs::create_dir_all(base.join("refs")).unwrap();
        std::fs::write(base.join("refs/main"), commit).unwrap();
        assert!(cached_file(dir.path(), "a/b", "main", "x.json").is_some());
        assert!(cached_file(dir.path(), "a/b", "main", "y.json").is_none());
    }
}
