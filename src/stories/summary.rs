//! A story's summary across its sources: sentences from all its articles, each saying
//! something the ones before it did not.
//!
//! The story opens with the most central article's first candidate; then the articles take
//! turns, the most central first. On its turn an article gives, of its candidates that are not
//! a repeat, the one that adds the most new weight to the summary, its own summary's sentences
//! before the few other sentences its index entry keeps. Choosing by new weight rather than in
//! order keeps a short, vague sentence ("his statements carried many messages") from taking
//! the turn of an informative one. A repeat is a sentence whose content terms (the words
//! clustering compares, weighted by their rarity in general Arabic) are mostly the same as one
//! chosen sentence's, or mostly already said by all of them together. Chosen from the Arabic
//! alone, so a translation error cannot change which sentences a reader gets.

use std::collections::{BTreeMap, BTreeSet};

use super::similarity::background_idf;
use super::terms::terms;
use super::{Pick, Report};

/// Fewest and most sentences in a story summary: one per article, within these bounds (a
/// story of two articles still gets three sentences; one of twenty stays short).
pub const SUMMARY_SENTENCES: (usize, usize) = (3, 6);

/// Cosine similarity (IDF-weighted content terms) at which two sentences say the same thing.
/// Leads that retell the event with a detail or two of their own (the sample story's five
/// sources, `retold_leads_give_way_to_each_source_s_next_news`) score 0.49–0.52 against the
/// first lead; a sentence with news of its own scores under 0.25.
const REPEAT_SIMILARITY: f32 = 0.45;
/// The share of a sentence's weight that must be new to the summary so far.
const MIN_NEW_SHARE: f32 = 0.35;
/// Sentences with fewer content terms (a heading, a "he said") carry no fact of their own.
const MIN_TERMS: usize = 4;

/// A sentence's content terms with their weights, and its norm.
struct Bag {
    weights: BTreeMap<String, f32>,
    norm: f32,
}

impl Bag {
    fn of(ar: &str) -> Self {
        let mut weights: BTreeMap<String, f32> = BTreeMap::new();
        for t in terms(ar) {
            let idf = background_idf(&t);
            *weights.entry(t).or_default() += idf;
        }
        let norm = weights.values().map(|w| w * w).sum::<f32>().sqrt();
        Self { weights, norm }
    }

    fn cosine(&self, other: &Bag) -> f32 {
        if self.norm == 0.0 || other.norm == 0.0 {
            return 0.0;
        }
        let dot: f32 = self
            .weights
            .iter()
            .filter_map(|(t, w)| other.weights.get(t).map(|v| w * v))
            .sum();
        dot / (self.norm * other.norm)
    }

    /// The weight of the sentence's terms not yet covered.
    fn new_weight(&self, covered: &BTreeSet<&str>) -> f32 {
        self.weights
            .iter()
            .filter(|(t, _)| !covered.contains(t.as_str()))
            .map(|(_, w)| w)
            .sum()
    }

    /// The share of the sentence's weight in terms not yet covered.
    fn new_share(&self, covered: &BTreeSet<&str>) -> f32 {
        let total: f32 = self.weights.values().sum();
        if total == 0.0 {
            0.0
        } else {
            self.new_weight(covered) / total
        }
    }

    /// Whether the sentence has news for a summary of `chosen` that covers `covered`: enough
    /// terms, not a repeat of one chosen sentence, and enough not yet said.
    fn is_news(&self, chosen: &[&Bag], covered: &BTreeSet<&str>) -> bool {
        self.weights.len() >= MIN_TERMS
            && chosen.iter().all(|c| self.cosine(c) < REPEAT_SIMILARITY)
            && self.new_share(covered) >= MIN_NEW_SHARE
    }
}

/// The story summary of `reports` (the most central first, then the story's order): which
/// sentence of which report, in reading order. Deterministic: the same reports in the same
/// order give the same picks.
pub fn story_summary(reports: &[Report]) -> Vec<Pick> {
    let budget = reports
        .len()
        .clamp(SUMMARY_SENTENCES.0, SUMMARY_SENTENCES.1);
    let bags: Vec<Vec<Bag>> = reports
        .iter()
        .map(|r| r.sentences.iter().map(|s| Bag::of(s.0)).collect())
        .collect();
    let mut picks: Vec<Pick> = Vec::new();
    let mut covered: BTreeSet<&str> = BTreeSet::new();
    // Each report's candidates not yet chosen nor ruled out. One ruled out stays out: the
    // summary only grows, so a repeat stays a repeat.
    let mut open: Vec<Vec<usize>> = reports
        .iter()
        .map(|r| (0..r.sentences.len()).collect())
        .collect();
    while picks.len() < budget {
        let mut progressed = false;
        for (report, open) in open.iter_mut().enumerate() {
            if picks.len() == budget {
                break;
            }
            let chosen: Vec<&Bag> = picks.iter().map(|p| &bags[p.report][p.sentence]).collect();
            open.retain(|&s| bags[report][s].is_news(&chosen, &covered));
            let choice = if picks.is_empty() {
                open.first().copied()
            } else {
                most_news(open, &bags[report], reports[report].summary_len, &covered)
            };
            let Some(sentence) = choice else { continue };
            open.retain(|&s| s != sentence);
            covered.extend(bags[report][sentence].weights.keys().map(String::as_str));
            picks.push(Pick { report, sentence });
            progressed = true;
        }
        if !progressed {
            break;
        }
    }
    picks
}

/// Of a report's `open` candidates, the one of its own summary (the first `summary_len`),
/// else of the rest, that adds the most weight not yet `covered`; the earliest on a tie.
fn most_news(
    open: &[usize],
    bags: &[Bag],
    summary_len: usize,
    covered: &BTreeSet<&str>,
) -> Option<usize> {
    let mut best: Option<(bool, f32, usize)> = None;
    for &s in open {
        let key = (s < summary_len, bags[s].new_weight(covered));
        if best.is_none_or(|(in_summary, weight, _)| key > (in_summary, weight)) {
            best = Some((key.0, key.1, s));
        }
    }
    best.map(|(_, _, s)| s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report<'a>(sentences: &[&'a str]) -> Report<'a> {
        Report {
            source: None,
            sentences: sentences.iter().map(|s| (*s, "")).collect(),
            summary_len: sentences.len(),
        }
    }

    fn picks(reports: &[Report]) -> Vec<(usize, usize)> {
        story_summary(reports)
            .into_iter()
            .map(|p| (p.report, p.sentence))
            .collect()
    }

    const CALL: &str =
        "أجرى الرئيس الروسي فلاديمير بوتين اتصالا هاتفيا مع الرئيس الأمريكي دونالد ترامب استمر ساعتين";
    const CALL_AGAIN: &str =
        "اتصال هاتفي بين الرئيس الروسي فلاديمير بوتين والرئيس الأمريكي دونالد ترامب استمر ساعتين";
    const TALKS: &str =
        "واتفق الجانبان على بدء مفاوضات مباشرة بين موسكو وكييف في إسطنبول الأسبوع المقبل";
    const PRISONERS: &str = "وأعلن الكرملين تبادل ألف أسير مع أوكرانيا قبل نهاية الشهر الجاري";
    const EUROPE: &str = "ورحبت عواصم أوروبية بالمكالمة لكنها طالبت بوقف فوري لإطلاق النار";
    /// The sample story's fifth source, on Putin's thanks to Trump.
    const THANKS: &str = "من جهة، أبدى امتنانًا واضحًا لـ «ترامب» لمشاركته في جهود استئناف \
        المحادثات بين روسيا وأوكرانيا، وهو ما قد يُفسَّر على أنه موافقة روسية ضمنية على وساطة \
        أمريكية في الملف الأوكراني، بعد سنوات من الاتهامات المتبادلة والتصعيد العسكري.";

    #[test]
    fn every_source_adds_what_the_others_did_not_say() {
        let reports = [
            report(&[CALL, TALKS]),
            report(&[CALL_AGAIN, PRISONERS]),
            report(&[CALL_AGAIN, TALKS, EUROPE]),
        ];
        // The second and third lead with the call already told: each gives its next news;
        // three articles, three sentences.
        assert_eq!(picks(&reports), vec![(0, 0), (1, 1), (2, 1)]);
    }

    #[test]
    fn retold_leads_give_way_to_each_source_s_next_news() {
        // The sample story (samples/articles): four sites lead with the same phone call.
        let putin_said = "قال الرئيس الروسي فلاديمير بوتين، إن المكالمة الهاتفية التي أجراها \
            اليوم الاثنين مع نظيره الأميركي دونالد ترامب، “كانت ذات معنى وصريحة ومفيدة للغاية”.";
        let lengthy = "أجرى الرئيس الروسي فلاديمير بوتين مكالمة هاتفية مطولة مع الرئيس الأمريكي \
            دونالد ترامب، وُصفت من الجانب الروسي بأنها إيجابية وبنّاءة وجرت في أجواء من الثقة.";
        let cnn = "وأكدت شبكة \"سي إن إن\" الأمريكية، أن المكالمة التي استمرت نحو ساعتين ونصف \
            كانت هي الثامنة بين الزعيمين خلال الأشهر الثمانية الأخيرة، وتأتي قبيل لقاء مرتقب بين \
            ترامب والرئيس الأوكراني فولوديمير زيلينسكي في واشنطن.";
        let frank = "في خطوة تعكس تحركًا تكتيكيًا جديدًا من الكرملين، وصف الرئيس الروسي فلاديمير \
            بوتين مكالمته الهاتفية الأخيرة مع نظيره الأمريكي دونالد ترامب بأنها كانت «صريحة، ذات \
            معنى، ومفيدة للغاية» في إشارات تبدو كأنها تمهيد لدور أمريكي محتمل في رعاية مفاوضات \
            مباشرة بين موسكو وكييف.";
        let reports = [
            report(&[putin_said]),
            report(&[lengthy, cnn]),
            report(&[frank, THANKS]),
        ];
        assert_eq!(picks(&reports), vec![(0, 0), (1, 1), (2, 1)]);
    }

    #[test]
    fn a_vague_sentence_gives_way_to_its_article_s_informative_one() {
        // The sample story's fifth source: its summary's second sentence ("Putin's statements
        // carried messages in many directions") is news by the filters, but says little.
        let vague = "تصريحات بوتين حملت رسائل متعددة الاتجاهات.";
        let reports = [
            report(&[CALL]),
            report(&[CALL_AGAIN, TALKS]),
            report(&[CALL_AGAIN, vague, THANKS]),
        ];
        assert_eq!(picks(&reports), vec![(0, 0), (1, 1), (2, 2)]);
    }

    #[test]
    fn an_article_s_own_summary_comes_before_its_other_sentences() {
        // The long sentence would add more, but it is only one its entry keeps beside its
        // summary: it waits for the article's next turn.
        let long = "من جهة، أبدى امتنانًا واضحًا لـ «ترامب» لمشاركته في جهود استئناف المحادثات \
            بين روسيا وأوكرانيا، وهو ما قد يُفسَّر على أنه موافقة روسية ضمنية على وساطة أمريكية.";
        let mut second = report(&[CALL_AGAIN, PRISONERS, long]);
        second.summary_len = 2;
        assert_eq!(
            picks(&[report(&[CALL]), second]),
            vec![(0, 0), (1, 1), (1, 2)]
        );
    }

    #[test]
    fn headings_and_repeats_are_skipped_and_the_budget_holds() {
        let reports = [report(&["بوتين وترامب", CALL]), report(&[CALL])];
        assert_eq!(picks(&reports), vec![(0, 1)]);
        let many: Vec<Report> = (0..10)
            .map(|_| report(&[CALL, TALKS, PRISONERS, EUROPE]))
            .collect();
        // Four sentences to tell, one a turn, whichever adds the most first.
        let told = picks(&many);
        assert_eq!(told.iter().map(|p| p.0).collect::<Vec<_>>(), [0, 1, 2, 3]);
        let mut sentences: Vec<usize> = told.iter().map(|p| p.1).collect();
        sentences.sort_unstable();
        assert_eq!(sentences, [0, 1, 2, 3]);
        assert!(picks(&[]).is_empty());
    }
}
