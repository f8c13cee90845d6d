//! The krew manifest: the release template is a complete Plugin manifest for every platform,
//! and the manifest scripts/package.sh renders for local archives names their real checksums.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

const PLATFORMS: &[(&str, &str)] = &[
    ("linux", "amd64"),
    ("linux", "arm64"),
    ("darwin", "amd64"),
    ("darwin", "arm64"),
    ("windows", "amd64"),
];

fn repo(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// The template with its release-time expressions filled as krew-release-bot would.
fn rendered_template() -> Value {
    let text = std::fs::read_to_string(repo("krew/.krew.yaml")).unwrap();
    let mut out = String::new();
    for line in text.lines() {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix("{{addURIAndSha \"") {
            let uri = rest
                .split('"')
                .next()
                .unwrap()
                .replace("{{ .TagName }}", "v9.9.9");
            let indent = &line[..line.len() - trimmed.len()];
            out.push_str(&format!(
                "{indent}uri: {uri}\n{indent}sha256: {}\n",
                "ab".repeat(32)
            ));
        } else {
            out.push_str(&line.replace("{{ .TagName }}", "v9.9.9"));
            out.push('\n');
        }
    }
    serde_saphyr::from_str(&out).expect("the template renders to valid YAML")
}

fn check_manifest(manifest: &Value, expected_platforms: &[(&str, &str)]) {
    assert_eq!(
        manifest["apiVersion"],
        "krew.googlecontainertools.github.com/v1alpha2"
    );
    assert_eq!(manifest["kind"], "Plugin");
    assert_eq!(manifest["metadata"]["name"], "sidecar");
    let spec = &manifest["spec"];
    assert!(spec["version"].as_str().unwrap().starts_with('v'));
    assert!(spec["homepage"].as_str().unwrap().starts_with("https://"));
    let short = spec["shortDescription"].as_str().unwrap();
    assert!(
        !short.is_empty() && short.len() <= 50,
        "shortDescription: {short}"
    );
    assert!(
        spec["description"]
            .as_str()
            .unwrap()
            .contains("native sidecars")
    );
    assert!(
        spec["caveats"]
            .as_str()
            .unwrap()
            .contains("kubectl_complete-sidecar")
    );

    let platforms = spec["platforms"].as_array().expect("platforms");
    let mut seen = BTreeSet::new();
    for p in platforms {
        let labels = &p["selector"]["matchLabels"];
        let (os, arch) = (
            labels["os"].as_str().unwrap(),
            labels["arch"].as_str().unwrap(),
        );
        assert!(
            seen.insert((os.to_string(), arch.to_string())),
            "{os}/{arch} twice"
        );
        let uri = p["uri"]
            .as_str()
            .unwrap_or_else(|| panic!("{os}/{arch}: uri"));
        let ext = if os == "windows" { "zip" } else { "tar.gz" };
        assert!(uri.ends_with(&format!("_{os}_{arch}.{ext}")), "{uri}");
        let sha = p["sha256"]
            .as_str()
            .unwrap_or_else(|| panic!("{os}/{arch}: sha256"));
        assert!(
            sha.len() == 64 && sha.chars().all(|c| c.is_ascii_hexdigit()),
            "{sha}"
        );
        let bin = p["bin"].as_str().unwrap();
        assert_eq!(
            bin,
            if os == "windows" {
                "kubectl-sidecar.exe"
            } else {
                "kubectl-sidecar"
            }
        );
    }
    let expected: BTreeSet<(String, String)> = expected_platforms
        .iter()
        .map(|(o, a)| (o.to_string(), a.to_string()))
        .collect();
    assert_eq!(seen, expected);
}

#[test]
fn release_template_is_a_complete_manifest() {
    check_manifest(&rendered_template(), PLATFORMS);
}

#[test]
fn locally_packaged_manifest_names_the_real_archive() {
    let manifest_path = repo("dist/sidecar.yaml");
    let Ok(text) = std::fs::read_to_string(&manifest_path) else {
        // scripts/package.sh has not run (it does in .ci/run).
        assert!(
            std::env::var_os("CI").is_none(),
            "CI runs scripts/package.sh before the tests"
        );
        return;
    };
    let manifest: Value = serde_saphyr::from_str(&text).unwrap();
    let entries = manifest["spec"]["platforms"].as_array().unwrap();
    let local: Vec<(&str, &str)> = entries
        .iter()
        .map(|p| {
            let l = &p["selector"]["matchLabels"];
            (l["os"].as_str().unwrap(), l["arch"].as_str().unwrap())
        })
        .collect();
    check_manifest(&manifest, &local);
    for p in entries {
        let uri = p["uri"].as_str().unwrap();
        let archive = repo("dist").join(uri.rsplit('/').next().unwrap());
        let out = std::process::Command::new("sha256sum")
            .arg(&archive)
            .output()
            .unwrap();
        let actual = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            Some(p["sha256"].as_str().unwrap()),
            actual.split_whitespace().next()
        );
    }
}
