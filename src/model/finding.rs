//! Findings: the plain data every analysis (order, volumes, diagnose) produces and every
//! renderer consumes. Analyses never print; they return these.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    // Declared most severe first so sorting puts critical findings on top.
    Critical,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// One thing worth telling the user about a pod, with the evidence behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// Stable kebab-case rule ID (documented in docs/rules.md).
    pub rule: &'static str,
    pub severity: Severity,
    /// The container the finding is about, when it is about one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// One line naming the concrete numbers.
    pub summary: String,
    /// Status fields, spec values and event reasons that support the summary.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    /// What to do about it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// The rule of the finding on the same pod this one follows from (it then has no fix
    /// of its own: the cause's fix applies).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caused_by: Option<&'static str>,
    /// The volume a `volumes` finding is about (`kubectl sidecar volumes` shows it).
    #[serde(skip)]
    pub volume: Option<String>,
    /// Every container a `volumes` finding involves, the one it is about first.
    #[serde(skip)]
    pub containers: Vec<String>,
    /// The fix as a spec change, when it is one (`diagnose --fix` turns it into a patch of
    /// the pod's owner).
    #[serde(skip)]
    pub patch: Option<super::patch::PodPatch>,
}

impl Finding {
    pub fn new(rule: &'static str, severity: Severity, summary: impl Into<String>) -> Self {
        Finding {
            rule,
            severity,
            container: None,
            summary: summary.into(),
            evidence: Vec::new(),
            fix: None,
            caused_by: None,
            volume: None,
            containers: Vec::new(),
            patch: None,
        }
    }

    pub fn container(mut self, name: impl Into<String>) -> Self {
        self.container = Some(name.into());
        self
    }

    pub fn evidence(mut self, line: impl Into<String>) -> Self {
        self.evidence.push(line.into());
        self
    }

    pub fn fix(mut self, text: impl Into<String>) -> Self {
        self.fix = Some(text.into());
        self
    }

    pub fn patch(mut self, patch: impl Into<Option<super::patch::PodPatch>>) -> Self {
        self.patch = patch.into();
        self
    }

    /// [`Finding::patch`], with the patch built only when `wanted` (the rule's
    /// `PodContext::patches`): only `--fix` prints patches, and building one (serialising a
    /// probe, writing its note) can cost more than the finding itself.
    pub fn patch_if<P: Into<Option<super::patch::PodPatch>>>(
        self,
        wanted: bool,
        make: impl FnOnce() -> P,
    ) -> Self {
        if wanted { self.patch(make()) } else { self }
    }
}
