//! Reference points the summarizer is measured against (README, tests/summary_devset.rs):
//! the lead (the first k sentences) and TextRank (Mihalcea and Tarau, 2004).

use super::terms;

/// LEAD-k: the first `k` of `n` sentences.
pub fn lead(n: usize, k: usize) -> Vec<usize> {
    (0..n.min(k)).collect()
}

/// TextRank-k: PageRank (damping 0.85) over the graph whose edge weights are TextRank's
/// sentence similarity, word overlap / (ln |a| + ln |b|); the `k` best in article order,
/// ties to the earlier sentence.
pub fn textrank(sentences: &[&str], k: usize) -> Vec<usize> {
    let n = sentences.len();
    let words: Vec<Vec<String>> = sentences
        .iter()
        .map(|s| {
            let mut t = terms(s);
            t.sort_unstable();
            t.dedup();
            t
        })
        .collect();
    let mut w = vec![vec![0.0f64; n]; n];
    for i in 0..n {
        for j in i + 1..n {
            let (a, b) = (&words[i], &words[j]);
            let denom = (a.len() as f64).ln() + (b.len() as f64).ln();
            if denom > 0.0 {
                let overlap = a.iter().filter(|t| b.binary_search(t).is_ok()).count();
                w[i][j] = overlap as f64 / denom;
                w[j][i] = w[i][j];
            }
        }
    }
    let out_sum: Vec<f64> = w.iter().map(|row| row.iter().sum()).collect();
    let mut rank = vec![1.0 / n.max(1) as f64; n];
    for _ in 0..50 {
        rank = (0..n)
            .map(|i| {
                let inflow: f64 = (0..n)
                    .filter(|&j| out_sum[j] > 0.0)
                    .map(|j| w[j][i] / out_sum[j] * rank[j])
                    .sum();
                0.15 / n as f64 + 0.85 * inflow
            })
            .collect();
    }
    top_k_in_order(&rank, k)
}

/// The indices of the `k` highest scores, ties to the earlier index, in ascending order.
pub(crate) fn top_k_in_order(score: &[f64], k: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..score.len()).collect();
    order.sort_by(|&a, &b| score[b].total_cmp(&score[a]).then(a.cmp(&b)));
    order.truncate(k);
    order.sort_unstable();
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lead_and_textrank_are_bounded_and_ordered() {
        assert_eq!(lead(5, 3), vec![0, 1, 2]);
        assert_eq!(lead(2, 3), vec![0, 1]);
        let s = [
            "الحكومة تعلن خطة جديدة للتعليم",
            "الخطة الجديدة للتعليم تشمل المدارس",
            "الطقس حار اليوم",
            "المدارس تبدأ الخطة الجديدة",
        ];
        let t = textrank(&s, 2);
        assert_eq!(t.len(), 2);
        assert!(!t.contains(&2), "the off-topic sentence: {t:?}");
        assert!(textrank(&[], 3).is_empty());
    }
}
