//! What the passes found for one line, in words: the signals `nashra clean --explain` prints
//! beside each decision.

use super::page::Page;

impl Page<'_> {
    /// What the passes measured and found for line `i`, in words (for `--explain`).
    pub fn signals(&self, i: usize) -> Vec<String> {
        let l = &self.lines[i];
        let letters = (l.arabic_letters + l.latin_letters).max(1);
        let mut s = vec![
            format!("{} words", l.words),
            format!("{} function words", l.function_words),
            format!("{}% Arabic letters", l.arabic_letters * 100 / letters),
        ];
        if l.digits > 0 {
            s.push(format!("{} digits", l.digits));
        }
        if self.good[i] {
            s.push("prose".into());
        } else if l.headline_like() {
            s.push("headline-shaped".into());
        }
        s.push(match self.body {
            Some((a, _)) if i < a => "above the body".into(),
            Some((_, b)) if i > b => "below the body".into(),
            Some(_) => "in the body run".into(),
            None => "no body found".into(),
        });
        if let Some(m) = self.markers[i] {
            s.push(format!("marker {m:?}"));
        }
        if let Some(m) = self.meta[i] {
            s.push(format!("{m:?} shape"));
        }
        if self.repeated[i] {
            s.push("repeated on the page".into());
        }
        if let Some(n) = self.shared[i] {
            s.push(format!("shared with {n} other articles"));
        }
        s
    }
}
