//! A SentencePiece unigram model read straight from its `.spm` file, encoding exactly as the
//! C++ library (v0.2) does: the model's own normaliser (precompiled character map plus the
//! whitespace rules of its normaliser spec), then the unigram Viterbi search over the pieces.
//!
//! Why not `tokenizers`' `Unigram` + `Precompiled`: the precompiled normaliser there replaces
//! per grapheme with the *shortest* trie match, where sentencepiece takes the *longest* match at
//! each position, and its unknown-piece handling differs; both change ids on real text (Arabic
//! presentation forms, spaces). Matching the reference token for token matters more here than
//! reuse, so this module follows sentencepiece's `normalizer.cc` and
//! `unigram_model.cc::EncodeOptimized` directly. The protobuf is decoded with `prost`.

use std::collections::HashMap;
use std::path::Path;

use prost::Message;

/// The subset of `sentencepiece_model.proto` this module reads.
#[derive(Clone, PartialEq, Message)]
struct ModelProto {
    #[prost(message, repeated, tag = "1")]
    pieces: Vec<PieceProto>,
    #[prost(message, optional, tag = "2")]
    trainer_spec: Option<TrainerSpec>,
    #[prost(message, optional, tag = "3")]
    normalizer_spec: Option<NormalizerSpec>,
}

#[derive(Clone, PartialEq, Message)]
struct PieceProto {
    #[prost(string, optional, tag = "1")]
    piece: Option<String>,
    #[prost(float, optional, tag = "2")]
    score: Option<f32>,
    #[prost(int32, optional, tag = "3")]
    kind: Option<i32>,
}

#[derive(Clone, PartialEq, Message)]
struct TrainerSpec {
    #[prost(int32, optional, tag = "3")]
    model_type: Option<i32>,
    #[prost(bool, optional, tag = "24")]
    treat_whitespace_as_suffix: Option<bool>,
    #[prost(bool, optional, tag = "35")]
    byte_fallback: Option<bool>,
    #[prost(string, optional, tag = "44")]
    unk_surface: Option<String>,
}

#[derive(Clone, PartialEq, Message)]
struct NormalizerSpec {
    #[prost(string, optional, tag = "1")]
    name: Option<String>,
    #[prost(bytes = "vec", optional, tag = "2")]
    precompiled_charsmap: Option<Vec<u8>>,
    #[prost(bool, optional, tag = "3")]
    add_dummy_prefix: Option<bool>,
    #[prost(bool, optional, tag = "4")]
    remove_extra_whitespaces: Option<bool>,
    #[prost(bool, optional, tag = "5")]
    escape_whitespaces: Option<bool>,
}

/// Piece types of `ModelProto.SentencePiece.Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PieceKind {
    Normal,
    Unknown,
    Control,
    UserDefined,
    Unused,
    Byte,
}

impl PieceKind {
    fn from_proto(v: Option<i32>) -> Self {
        match v.unwrap_or(1) {
            2 => Self::Unknown,
            3 => Self::Control,
            4 => Self::UserDefined,
            5 => Self::Unused,
            6 => Self::Byte,
            _ => Self::Normal,
        }
    }
}

/// The whitespace marker sentencepiece writes in place of spaces (U+2581).
pub const SPACE: &str = "\u{2581}";
const UNK_PENALTY: f32 = 10.0;

/// A byte trie over strings, each leaf holding a value. Used for the pieces (Viterbi) and for
/// user-defined symbols.
#[derive(Debug, Default, Clone)]
struct Trie {
    nodes: Vec<TrieNode>,
}

#[derive(Debug, Default, Clone)]
struct TrieNode {
    children: Vec<(u8, u32)>,
    value: Option<u32>,
}

impl Trie {
    fn new() -> Self {
        Self {
            nodes: vec![TrieNode::default()],
        }
    }

    fn insert(&mut self, key: &[u8], value: u32) {
        let mut node = 0usize;
        for &b in key {
            node = match self.nodes[node].children.iter().find(|c| c.0 == b) {
                Some(&(_, next)) => next as usize,
                None => {
                    let next = self.nodes.len();
                    self.nodes.push(TrieNode::default());
                    self.nodes[node].children.push((b, next as u32));
                    next
                }
            };
        }
        self.nodes[node].value = Some(value);
    }

    /// Calls `found(length, value)` for every key that is a prefix of `text`, shortest first.
    fn prefixes(&self, text: &[u8], mut found: impl FnMut(usize, u32)) {
        let mut node = 0usize;
        for (i, &b) in text.iter().enumerate() {
            match self.nodes[node].children.iter().find(|c| c.0 == b) {
                Some(&(_, next)) => node = next as usize,
                None => return,
            }
            if let Some(v) = self.nodes[node].value {
                found(i + 1, v);
            }
        }
    }
}

/// The double-array trie of a precompiled character map (darts-clone's format, as stored in
/// the `.spm` normaliser spec) and the normalised strings it points into.
#[derive(Debug, Clone)]
struct CharsMap {
    units: Vec<u32>,
    normalized: Vec<u8>,
}

impl CharsMap {
    fn parse(blob: &[u8]) -> Option<Self> {
        let size = u32::from_le_bytes(blob.get(0..4)?.try_into().ok()?) as usize;
        let trie = blob.get(4..4 + size)?;
        let units = trie
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        Some(Self {
            units,
            normalized: blob[4 + size..].to_vec(),
        })
    }

    /// The longest rule matching a prefix of `text`: (consumed bytes, replacement).
    fn longest_match(&self, text: &[u8]) -> Option<(usize, &[u8])> {
        let unit = |pos: usize| self.units.get(pos).copied();
        let offset = |u: u32| ((u >> 10) << ((u & (1 << 9)) >> 6)) as usize;
        let label = |u: u32| u & ((1 << 31) | 0xFF);
        let has_leaf = |u: u32| (u >> 8) & 1 == 1;
        let value = |u: u32| (u & ((1 << 31) - 1)) as usize;
        let mut best = None;
        let mut pos = offset(unit(0)?);
        for (i, &b) in text.iter().enumerate() {
            pos ^= b as usize;
            let u = unit(pos)?;
            if label(u) != b as u32 {
                break;
            }
            pos ^= offset(u);
            if has_leaf(u) {
                best = Some((i + 1, value(unit(pos)?)));
            }
        }
        let (len, at) = best?;
        let rest = self.normalized.get(at..)?;
        let end = rest.iter().position(|&c| c == 0).unwrap_or(rest.len());
        Some((len, &rest[..end]))
    }
}

/// Errors reading a `.spm` file (the caller adds the file name).
#[derive(Debug, thiserror::Error)]
pub enum SpmError {
    #[error("not a sentencepiece model ({0})")]
    Decode(String),
    #[error("unsupported sentencepiece model: {0}")]
    Unsupported(String),
}

/// A SentencePiece unigram model.
#[derive(Debug, Clone)]
pub struct SentencePiece {
    pieces: Vec<(String, f32, PieceKind)>,
    piece_ids: HashMap<String, u32>,
    trie: Trie,
    user_defined: Trie,
    has_user_defined: bool,
    chars_map: Option<CharsMap>,
    add_dummy_prefix: bool,
    remove_extra_whitespaces: bool,
    escape_whitespaces: bool,
    treat_whitespace_as_suffix: bool,
    byte_fallback: bool,
    unk_id: u32,
    unk_surface: String,
    min_score: f32,
    max_score: f32,
}

/// One piece of an encoding: its text (for unknown runs, the original normalised text) and
/// whether it is unknown to the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    pub text: String,
    pub unknown: bool,
}

impl SentencePiece {
    pub fn from_file(path: &Path) -> Result<Self, SpmError> {
        let bytes = std::fs::read(path).map_err(|e| SpmError::Decode(e.to_string()))?;
        Self::from_bytes(&bytes)
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SpmError> {
        let proto = ModelProto::decode(bytes).map_err(|e| SpmError::Decode(e.to_string()))?;
        if proto.pieces.is_empty() {
            return Err(SpmError::Decode("the model has no pieces".into()));
        }
        let trainer = proto.trainer_spec.unwrap_or_default();
        if let Some(t) = trainer.model_type {
            if t != 1 {
                return Err(SpmError::Unsupported(format!(
                    "model type {t} (only unigram models, type 1, are supported)"
                )));
            }
        }
        let norm = proto.normalizer_spec.unwrap_or_default();
        let chars_map =
            match norm.precompiled_charsmap.as_deref() {
                Some(blob) if !blob.is_empty() => Some(CharsMap::parse(blob).ok_or_else(|| {
                    SpmError::Decode("malformed precompiled character map".into())
                })?),
                _ => None,
            };
        let mut pieces = Vec::with_capacity(proto.pieces.len());
        let mut piece_ids = HashMap::new();
        let mut trie = Trie::new();
        let mut user_defined = Trie::new();
        let mut has_user_defined = false;
        let mut unk_id = None;
        let (mut min_score, mut max_score) = (f32::MAX, f32::MIN);
        for (i, p) in proto.pieces.into_iter().enumerate() {
            let text = p.piece.unwrap_or_default();
            let score = p.score.unwrap_or(0.0);
            let kind = PieceKind::from_proto(p.kind);
            let id = i as u32;
            match kind {
                PieceKind::Normal | PieceKind::UserDefined | PieceKind::Unused => {
                    trie.insert(text.as_bytes(), id);
                    piece_ids.insert(text.clone(), id);
                }
                PieceKind::Unknown => unk_id = Some(id),
                _ => {}
            }
            if kind == PieceKind::UserDefined {
                user_defined.insert(text.as_bytes(), id);
                has_user_defined = true;
            }
            if kind == PieceKind::Normal {
                min_score = min_score.min(score);
                max_score = max_score.max(score);
            }
            pieces.push((text, score, kind));
        }
        let unk_id =
            unk_id.ok_or_else(|| SpmError::Decode("the model has no <unk> piece".into()))?;
        Ok(Self {
            pieces,
            piece_ids,
            trie,
            user_defined,
            has_user_defined,
            chars_map,
            add_dummy_prefix: norm.add_dummy_prefix.unwrap_or(true),
            remove_extra_whitespaces: norm.remove_extra_whitespaces.unwrap_or(true),
            escape_whitespaces: norm.escape_whitespaces.unwrap_or(true),
            treat_whitespace_as_suffix: trainer.treat_whitespace_as_suffix.unwrap_or(false),
            byte_fallback: trainer.byte_fallback.unwrap_or(false),
            unk_id,
            unk_surface: trainer
                .unk_surface
                .unwrap_or_else(|| " \u{2047} ".to_string()),
            min_score,
            max_score,
        })
    }

    /// The kind of a piece string, if the model has it.
    pub fn kind_of(&self, piece: &str) -> Option<PieceKind> {
        if let Some(&id) = self.piece_ids.get(piece) {
            return Some(self.pieces[id as usize].2);
        }
        self.pieces
            .iter()
            .find(|p| {
                p.0 == piece
                    && matches!(
                        p.2,
                        PieceKind::Control | PieceKind::Unknown | PieceKind::Byte
                    )
            })
            .map(|p| p.2)
    }

    /// One normalisation step (sentencepiece's `NormalizePrefix`): the replacement for the
    /// longest rule matching at the start of `text`, and how many bytes it consumes.
    fn normalize_prefix<'a>(&'a self, text: &'a str) -> (&'a [u8], usize) {
        if self.has_user_defined {
            let mut longest = 0;
            self.user_defined
                .prefixes(text.as_bytes(), |len, _| longest = longest.max(len));
            if longest > 0 {
                return (&text.as_bytes()[..longest], longest);
            }
        }
        if let Some(map) = &self.chars_map {
            if let Some((len, replacement)) = map.longest_match(text.as_bytes()) {
                return (replacement, len);
            }
        }
        let len = text.chars().next().map_or(1, char::len_utf8);
        (&text.as_bytes()[..len], len)
    }

    /// Normalises like sentencepiece's `Normalizer::Normalize`: character map, leading and
    /// trailing whitespace removed, inner runs collapsed, spaces escaped as `▁`, dummy prefix.
    pub fn normalize(&self, text: &str) -> String {
        let mut input = text;
        if self.remove_extra_whitespaces {
            while !input.is_empty() {
                let (sp, consumed) = self.normalize_prefix(input);
                if sp != b" " {
                    break;
                }
                input = &input[consumed..];
            }
        }
        if input.is_empty() {
            return String::new();
        }
        let space: &[u8] = if self.escape_whitespaces {
            SPACE.as_bytes()
        } else {
            b" "
        };
        let mut out: Vec<u8> = Vec::with_capacity(input.len() * 3);
        if !self.treat_whitespace_as_suffix && self.add_dummy_prefix {
            out.extend_from_slice(space);
        }
        let mut prev_space = self.remove_extra_whitespaces;
        while !input.is_empty() {
            let (mut sp, consumed) = self.normalize_prefix(input);
            if prev_space && self.remove_extra_whitespaces {
                while let Some((b' ', rest)) = sp.split_first() {
                    sp = rest;
                }
            }
            if !sp.is_empty() {
                for &b in sp {
                    if self.escape_whitespaces && b == b' ' {
                        out.extend_from_slice(SPACE.as_bytes());
                    } else {
                        out.push(b);
                    }
                }
                prev_space = sp.ends_with(b" ");
            }
            input = &input[consumed..];
            if !self.remove_extra_whitespaces {
                prev_space = false;
            }
        }
        if self.remove_extra_whitespaces {
            while out.ends_with(space) {
                out.truncate(out.len() - space.len());
            }
        }
        if self.treat_whitespace_as_suffix && self.add_dummy_prefix {
            out.extend_from_slice(space);
        }
        // Replacement strings are valid UTF-8 and cuts are at rule boundaries.
        String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into())
    }

    /// Encodes already-normalised text: the best unigram segmentation (sentencepiece's
    /// `EncodeOptimized`), with runs of unknown characters merged into one piece.
    // One function, as sentencepiece's `EncodeOptimized` is: the lattice pass and the
    // back-trace share its state, and it is checked id for id against the reference.
    pub fn encode_normalized(&self, normalized: &str) -> Vec<Piece> {
        #[derive(Clone, Copy)]
        struct Best {
            id: u32,
            score: f32,
            start: Option<usize>,
        }
        let bytes = normalized.as_bytes();
        let size = bytes.len();
        let unk_score = self.min_score - UNK_PENALTY;
        let mut best = vec![
            Best {
                id: 0,
                score: 0.0,
                start: None,
            };
            size + 1
        ];
        let mut start = 0;
        while start < size {
            let here = best[start].score;
            let char_len = normalized[start..].chars().next().map_or(1, char::len_utf8);
            let mut single = false;
            self.trie.prefixes(&bytes[start..], |len, id| {
                let (_, score, kind) = &self.pieces[id as usize];
                if *kind == PieceKind::Unused {
                    return;
                }
                let score = if *kind == PieceKind::UserDefined {
                    len as f32 * self.max_score - 0.1
                } else {
                    *score
                };
                let candidate = score + here;
                let target = &mut best[start + len];
                if target.start.is_none() || candidate > target.score {
                    *target = Best {
                        id,
                        score: candidate,
                        start: Some(start),
                    };
                }
                if len == char_len {
                    single = true;
                }
            });
            if !single {
                let candidate = unk_score + here;
                let target = &mut best[start + char_len];
                if target.start.is_none() || candidate > target.score {
                    *target = Best {
                        id: self.unk_id,
                        score: candidate,
                        start: Some(start),
                    };
                }
            }
            start += char_len;
        }
        let mut path = Vec::new();
        let mut end = size;
        while end > 0 {
            let node = best[end];
            let begin = node.start.unwrap_or(0);
            path.push((begin, end, node.id == self.unk_id));
            end = begin;
        }
        path.reverse();
        let mut pieces: Vec<Piece> = Vec::with_capacity(path.len());
        for (begin, end, unknown) in path {
            let text = &normalized[begin..end];
            match pieces.last_mut() {
                Some(prev) if unknown && prev.unknown => prev.text.push_str(text),
                _ => pieces.push(Piece {
                    text: text.to_string(),
                    unknown,
                }),
            }
        }
        if self.byte_fallback {
            pieces = pieces
                .into_iter()
                .flat_map(|p| -> Vec<Piece> {
                    if p.unknown {
                        p.text
                            .bytes()
                            .map(|b| Piece {
                                text: format!("<0x{b:02X}>"),
                                unknown: false,
                            })
                            .collect()
                    } else {
                        vec![p]
                    }
                })
                .collect();
        }
        pieces
    }

    /// Normalises and encodes `text` into piece strings.
    pub fn encode(&self, text: &str) -> Vec<Piece> {
        self.encode_normalized(&self.normalize(text))
    }

    /// Joins piece strings back into text like `DecodePieces`: control pieces vanish, pieces
    /// the model does not know are kept as they are, `<unk>` becomes its surface (` ⁇ `), `▁`
    /// becomes a space and the first piece loses its leading `▁`.
    pub fn decode_pieces<S: AsRef<str>>(&self, pieces: &[S]) -> String {
        let mut out = String::new();
        let mut at_start = true;
        for p in pieces {
            let p = p.as_ref();
            let surface: String = match self.kind_of(p) {
                Some(PieceKind::Control) => String::new(),
                Some(PieceKind::Unknown) => self.unk_surface.clone(),
                None => p.to_string(),
                Some(_) => {
                    let mut s = p;
                    if at_start && !self.treat_whitespace_as_suffix {
                        s = s.strip_prefix(SPACE).unwrap_or(s);
                    }
                    s.replace(SPACE, " ")
                }
            };
            if at_start && !surface.is_empty() {
                at_start = false;
            }
            out.push_str(&surface);
        }
        out
    }
}
