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

/// Diagnoses an example as `diagnose -f FILE` would: its pods, with the Events and
/// PodMetrics documents beside them as evidence.
fn diagnose_example(rule: &Rule, yaml: &str) -> Vec<Finding> {
    crate::diagnose::diagnose_text(yaml)
        .unwrap_or_else(|e| panic!("{}: the example does not load: {e:?}", rule.id))
        .findings()
        .map(|f| f.finding.clone())
        .collect()
}

fn of_rule(findings: &[Finding], rule: &Rule) -> Vec<Finding> {
    findings
        .iter()
        .filter(|f| f.rule == rule.id)
        .cloned()
        .collect()
}

#[test]
fn every_rule_is_documented_in_all_sections() {
    for rule in CATALOG {
        let sections = doc::sections(rule.doc);
        let headings: Vec<&str> = sections.iter().map(|(h, _)| *h).collect();
        assert_eq!(
            headings,
            doc::SECTIONS,
            "{}: the doc comment needs exactly these sections, in order",
            rule.id
        );
        for (heading, body) in &sections {
            assert!(
                !body.trim().is_empty(),
                "{}: empty section {heading}",
                rule.id
            );
        }
        let (trigger, near_miss) = doc::examples(rule);
        assert!(
            trigger.is_some() && near_miss.is_some(),
            "{}: the Example section needs a yaml pod that triggers the rule and a near miss",
            rule.id
        );
    }
}

#[test]
fn every_rule_fires_on_its_example_and_not_on_its_near_miss() {
    for rule in CATALOG {
        let (Some(trigger), Some(near_miss)) = doc::examples(rule) else {
            panic!("{}: no examples", rule.id);
        };
        let fired = of_rule(&diagnose_example(rule, &trigger), rule);
        assert!(
            !fired.is_empty(),
            "{}: its example does not trigger it",
            rule.id
        );
        let missed = of_rule(&diagnose_example(rule, &near_miss), rule);
        assert!(
            missed.is_empty(),
            "{}: its near miss triggers it: {missed:#?}",
            rule.id
        );
    }
}

#[test]
fn every_rule_follows_its_severity_policy() {
    for rule in CATALOG {
        let (Some(trigger), _) = doc::examples(rule) else {
            panic!("{}: no examples", rule.id);
        };
        for finding in of_rule(&diagnose_example(rule, &trigger), rule) {
            assert!(
                rule.policy.allows(finding.severity),
                "{}: {:?} is outside its policy {:?}",
                rule.id,
                finding.severity,
                rule.policy
            );
        }
        // A manifest cannot be down now: without its status the example may still show a
        // hazard, but only a spec that cannot work at all is critical.
        if rule.policy != Policy::Broken {
            let spec_only = without_status(&trigger);
            for finding in of_rule(&diagnose_example(rule, &spec_only), rule) {
                assert_ne!(
                    finding.severity,
                    Severity::Critical,
                    "{}: critical on its example's spec alone",
                    rule.id
                );
            }
        }
    }
}

/// The example's pods without their `status` and deletion marks (a manifest, as
/// `kubectl apply` would send).
fn without_status(yaml: &str) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for line in yaml.lines() {
        let field = line.trim_start();
        if field.starts_with("deletionTimestamp:")
            || field.starts_with("deletionGracePeriodSeconds:")
        {
            continue;
        }
        if line.starts_with("status:") {
            skipping = true;
            continue;
        }
        if skipping && (line.starts_with(' ') || line.starts_with("- ")) {
            continue;
        }
        skipping = false;
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[test]
fn rules_marked_patch_propose_one_on_their_example() {
    for rule in CATALOG.iter().filter(|r| r.patch) {
        let (Some(trigger), _) = doc::examples(rule) else {
            panic!("{}: no examples", rule.id);
        };
        // Some patches only fit the spec-level case (sidecar-as-init: once the pod is stuck,
        // the field was stripped on the way in and patching it again changes nothing).
        let with_patch = |yaml: &str| {
            of_rule(&diagnose_example(rule, yaml), rule)
                .iter()
                .any(|f| f.patch.is_some())
        };
        assert!(
            with_patch(&trigger) || with_patch(&without_status(&trigger)),
            "{}: marked patch: true, but its example's finding has no patch",
            rule.id
        );
    }
}

#[test]
fn without_fix_no_patch_is_built_and_the_findings_are_the_same() {
    for rule in CATALOG.iter().filter(|r| r.patch) {
        let (Some(trigger), _) = doc::examples(rule) else {
            panic!("{}: no examples", rule.id);
        };
        for yaml in [without_status(&trigger), trigger] {
            let mut with_fix = diagnose_example(rule, &yaml);
            let without_fix: Vec<Finding> = crate::diagnose::diagnose_text_with(&yaml, false)
                .unwrap_or_else(|e| panic!("{}: the example does not load: {e:?}", rule.id))
                .findings()
                .map(|f| f.finding.clone())
                .collect();
            assert!(
                without_fix.iter().all(|f| f.patch.is_none()),
                "{}: a patch was built without --fix",
                rule.id
            );
            with_fix.iter_mut().for_each(|f| f.patch = None);
            assert_eq!(with_fix, without_fix, "{}", rule.id);
        }
    }
}

#[test]
fn rules_not_marked_patch_never_propose_one() {
    for rule in CATALOG.iter().filter(|r| !r.patch) {
        let (Some(trigger), Some(near_miss)) = doc::examples(rule) else {
            panic!("{}: no examples", rule.id);
        };
        for yaml in [trigger, near_miss] {
            let patched: Vec<&'static str> = diagnose_example(rule, &yaml)
                .iter()
                .filter(|f| f.patch.is_some() && !find(f.rule).is_some_and(|r| r.patch))
                .map(|f| f.rule)
                .collect();
            assert!(
                patched.is_empty(),
                "{patched:?} propose patches but are not marked"
            );
        }
    }
}

#[test]
fn groups_select_their_rules() {
    for group in Group::ALL {
        assert!(
            CATALOG.iter().any(|r| r.group == group),
            "group {group:?} has no rule"
        );
    }
    // `order` and `volumes` show exactly their group's rules.
    let order: Vec<&str> = CATALOG
        .iter()
        .filter(|r| r.group == Group::Order)
        .map(|r| r.id)
        .collect();
    assert_eq!(
        order,
        [
            "init-blocked",
            "sidecar-as-init",
            "startup-order",
            "shutdown-order"
        ]
    );
}

#[test]
fn the_generated_rules_doc_is_fresh() {
    let path = format!("{}/docs/rules.md", env!("CARGO_MANIFEST_DIR"));
    let current = std::fs::read_to_string(&path).expect("docs/rules.md exists");
    let fresh = doc::with_catalog(&current).expect("docs/rules.md has the catalog markers");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &fresh).expect("write docs/rules.md");
        return;
    }
    assert!(
        current == fresh,
        "docs/rules.md is stale: run UPDATE_GOLDEN=1 cargo test the_generated_rules_doc_is_fresh"
    );
}
