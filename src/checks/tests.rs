//! Registry tests: the catalog's IDs, groups, policies and documentation.

use super::*;

#[test]
fn ids_are_unique_and_kebab_case() {
    let mut seen = std::collections::BTreeSet::new();
    for rule in CATALOG {
        assert!(seen.insert(rule.id), "duplicate rule id {}", rule.id);
        assert!(
            !rule.id.starts_with('-')
                && !rule.id.ends_with('-')
                && !rule.id.contains("--")
                && rule.id.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
            "{} is not kebab-case",
            rule.id
        );
        assert!(!rule.title.is_empty(), "{} has no title", rule.id);
    }
}
