//! Disjoint sets (union-find), for the three places that group items by links: a batch's
//! story groups when learning a site's template, stories in the index, and a story's figures
//! that differ.
//!
//! Written here rather than taken from a crate: it is twenty lines, and the rule that makes
//! the groups deterministic (the smaller index is always the root, so groups come out the
//! same whatever order the links are joined in) is not one a general union-find promises.

/// Items `0..n`, each in exactly one set.
#[derive(Debug, Clone)]
pub struct DisjointSets {
    parent: Vec<usize>,
}

impl DisjointSets {
    /// `n` items, each alone.
    pub fn new(n: usize) -> Self {
        DisjointSets {
            parent: (0..n).collect(),
        }
    }

    /// The set's smallest item, which stands for it (path halving on the way).
    pub fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    /// Joins the sets of `a` and `b`.
    pub fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        self.parent[ra.max(rb)] = ra.min(rb);
    }

    /// Every set, its items ascending, sets in the order of their smallest item.
    pub fn into_groups(mut self) -> Vec<Vec<usize>> {
        let mut slot = vec![usize::MAX; self.parent.len()];
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for x in 0..self.parent.len() {
            let root = self.find(x);
            if slot[root] == usize::MAX {
                slot[root] = groups.len();
                groups.push(Vec::new());
            }
            groups[slot[root]].push(x);
        }
        groups
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_do_not_depend_on_the_order_of_the_links() {
        let links = [(4, 2), (0, 3), (2, 5), (3, 1)];
        let mut forward = DisjointSets::new(7);
        links.iter().for_each(|&(a, b)| forward.union(a, b));
        let mut backward = DisjointSets::new(7);
        links.iter().rev().for_each(|&(a, b)| backward.union(b, a));
        assert_eq!(forward.find(5), 2);
        assert_eq!(backward.find(5), 2);
        let expected = vec![vec![0, 1, 3], vec![2, 4, 5], vec![6]];
        assert_eq!(forward.into_groups(), expected);
        assert_eq!(backward.into_groups(), expected);
    }
}
