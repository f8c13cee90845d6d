//! A spec change a rule proposes, written against the pod: containers and volumes by name,
//! annotations by key. `crate::fix` turns it into a JSON patch for the object that owns the
//! pod spec (a Deployment's template, a CronJob's job template, or the pod itself), where
//! names become indexes guarded by `test` operations.

use serde_json::Value;

/// What an operation's path starts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// The pod spec itself (`terminationGracePeriodSeconds`).
    Spec,
    /// A container (init or regular) by name.
    Container(String),
    /// A volume of `spec.volumes` by name.
    Volume(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Sets a field below `place`, creating the maps on the way (`resources`, `limits`).
    Set {
        place: Place,
        path: Vec<String>,
        value: Value,
    },
    /// Appends to a list below `place` (`args`, `volumeMounts`), creating it if missing.
    Append {
        place: Place,
        path: Vec<String>,
        value: Value,
    },
    /// Moves a regular container to `initContainers` with `restartPolicy: Always`: after
    /// the injected network-setup init containers, before every other init step, so init
    /// containers can use it too (a migration through cloud-sql-proxy).
    MakeNative {
        container: String,
        /// Fields added to it on the way (a startupProbe).
        with: Vec<(String, Value)>,
    },
    /// Sets a pod template annotation (read by an injector when it creates the pod).
    Annotate { key: String, value: String },
}

/// A rule's proposed change with what the engineer must know before applying it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodPatch {
    pub changes: Vec<Change>,
    /// Why these values: `starting point: 1.5 × the limit it was killed at`.
    pub note: String,
    /// The change needs native sidecars (Kubernetes ≥ 1.29).
    pub needs_native_sidecars: bool,
}

impl PodPatch {
    pub fn new(note: impl Into<String>) -> Self {
        PodPatch {
            changes: Vec::new(),
            note: note.into(),
            needs_native_sidecars: false,
        }
    }

    pub fn set(mut self, place: Place, path: &[&str], value: Value) -> Self {
        self.changes.push(Change::Set {
            place,
            path: path.iter().map(|s| s.to_string()).collect(),
            value,
        });
        self
    }

    pub fn append(mut self, place: Place, path: &[&str], value: Value) -> Self {
        self.changes.push(Change::Append {
            place,
            path: path.iter().map(|s| s.to_string()).collect(),
            value,
        });
        self
    }

    pub fn make_native(mut self, container: &str, with: Vec<(String, Value)>) -> Self {
        self.changes.push(Change::MakeNative {
            container: container.to_string(),
            with,
        });
        self.needs_native_sidecars = true;
        self
    }

    pub fn annotate(mut self, key: &str, value: &str) -> Self {
        self.changes.push(Change::Annotate {
            key: key.to_string(),
            value: value.to_string(),
        });
        self
    }

    pub fn native(mut self) -> Self {
        self.needs_native_sidecars = true;
        self
    }
}

/// Memory after a kill, rounded up to a quantity people write: `factor ×` the bytes, in
/// Mi steps of 16 below 1Gi and of 128Mi above (`384Mi`, `1536Mi`).
pub fn raised_memory(bytes: f64, factor: f64) -> String {
    const MI: f64 = 1024.0 * 1024.0;
    let target = (bytes * factor / MI).ceil();
    let step = if target < 1024.0 { 16.0 } else { 128.0 };
    let mi = (target / step).ceil() * step;
    if mi % 1024.0 == 0.0 {
        format!("{}Gi", mi / 1024.0)
    } else {
        format!("{mi}Mi")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raised_memory_rounds_to_quantities_people_write() {
        const MI: f64 = 1024.0 * 1024.0;
        assert_eq!(raised_memory(256.0 * MI, 1.5), "384Mi");
        assert_eq!(raised_memory(64.0 * MI, 1.5), "96Mi");
        assert_eq!(raised_memory(100.0 * MI, 1.5), "160Mi");
        assert_eq!(raised_memory(1024.0 * MI, 1.5), "1536Mi");
        assert_eq!(raised_memory(2048.0 * MI, 1.5), "3Gi");
    }
}
