//! A site's template, learnt from a batch: a line that several unrelated articles of one run
//! share (a menu, a footer, a slogan, a widget label, a "most read" teaser) is boilerplate in
//! all of them.
//!
//! "Unrelated" matters: the same wire story published by two sites, or one file saved twice,
//! shares whole paragraphs, and those are the article, not a template. Articles that share
//! two long prose lines (or one that is most of one's prose) are joined into one *story
//! group* first (union-find),
//! and a line counts as template only when it occurs in two or more story groups. All of it is
//! hash maps over the lines: linear in the size of the batch.

use std::collections::HashMap;

use super::lines::{split, Line};
use crate::disjoint_sets::DisjointSets;

/// Lines seen in two or more unrelated articles of a batch, with how many articles share each.
#[derive(Debug, Clone, Default)]
pub struct SiteTemplate {
    shared: HashMap<String, usize>,
}

/// Long prose: a line that only the same story would repeat word for word.
fn is_story_line(l: &Line) -> bool {
    l.words >= 12 && l.is_prose()
}

/// Joins articles that tell the same story: two shared prose lines, or one that is most of
/// one article's prose. (One shared sentence alone may be a site's standard closing line.)
fn story_groups(docs: &[Vec<Line>]) -> DisjointSets {
    let prose: Vec<usize> = docs
        .iter()
        .map(|d| d.iter().filter(|l| is_story_line(l)).count())
        .collect();
    let mut first_with: HashMap<&str, usize> = HashMap::new();
    let mut pairs: HashMap<(usize, usize), usize> = HashMap::new();
    for (d, lines) in docs.iter().enumerate() {
        for l in lines.iter().filter(|l| is_story_line(l)) {
            match first_with.get(l.folded.as_str()) {
                Some(&other) if other != d => *pairs.entry((other, d)).or_insert(0) += 1,
                Some(_) => {}
                None => {
                    first_with.insert(&l.folded, d);
                }
            }
        }
    }
    let mut groups = DisjointSets::new(docs.len());
    for ((a, b), shared) in pairs {
        if shared >= 2 || shared * 2 > prose[a].min(prose[b]) {
            groups.union(a, b);
        }
    }
    groups
}

impl SiteTemplate {
    /// Learns the template of a batch of article texts.
    pub fn learn<'a>(texts: impl IntoIterator<Item = &'a str>) -> Self {
        let docs: Vec<Vec<Line>> = texts.into_iter().map(split).collect();
        let mut groups = story_groups(&docs);
        // Count, for each line, the story groups it occurs in.
        let mut seen: HashMap<&str, (usize, usize)> = HashMap::new(); // line → (last group, count)
        for (d, lines) in docs.iter().enumerate() {
            let g = groups.find(d);
            for l in lines {
                let e = seen.entry(&l.folded).or_insert((usize::MAX, 0));
                if e.0 != g {
                    // Groups are visited in no particular order, so a group may come back;
                    // counting it twice only overstates lines no template would keep anyway.
                    *e = (g, e.1 + 1);
                }
            }
        }
        let shared = seen
            .into_iter()
            .filter(|(_, (_, n))| *n >= 2)
            .map(|(k, (_, n))| (k.to_string(), n))
            .collect();
        SiteTemplate { shared }
    }

    /// How many unrelated articles of the batch have this line (folded), if two or more.
    pub fn shared(&self, folded: &str) -> Option<usize> {
        self.shared.get(folded).copied()
    }

    /// Whether nothing was learnt (one article, or nothing shared).
    pub fn is_empty(&self) -> bool {
        self.shared.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STORY: &str =
        "قال الرئيس إن المحادثات مع الجانب الآخر مستمرة وإن الاتفاق بات قريبا جدا من الإنجاز.";

    #[test]
    fn shared_menu_is_template_but_a_shared_story_is_not() {
        let a = format!("الرئيسية سياسة اقتصاد\nعنوان أول\n{STORY}\nجميع الحقوق محفوظة");
        let b = "الرئيسية سياسة اقتصاد\nعنوان ثان\nوأعلنت الوزارة عن خطة جديدة للنقل في المدن الكبرى خلال العام المقبل.\nجميع الحقوق محفوظة".to_string();
        let c = format!("عنوان أول\n{STORY}");
        let t = SiteTemplate::learn([a.as_str(), b.as_str(), c.as_str()]);
        assert_eq!(t.shared("الرئيسيه سياسه اقتصاد"), Some(2));
        // a and c are the same story: their title and paragraph are not template.
        assert_eq!(t.shared("عنوان اول"), None);
        assert_eq!(
            t.shared(&crate::text::normalize::fold_for_matching(STORY)),
            None
        );
    }
}
