//! The fake "etcd": objects per resource in key order, plus the server's resourceVersion and the
//! continue tokens used for paging.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::sync::Arc;

use serde_json::{Value, json};

use super::resources::Resource;
use super::routes::ListItem;

/// Creation time given to namespaces derived from objects that carry no `creationTimestamp`.
const DEFAULT_CREATION_TIMESTAMP: &str = "2026-01-01T00:00:00Z";

/// All served objects, each stored complete (with `kind` and `apiVersion`).
#[derive(Debug, Default, Clone)]
pub(super) struct Store {
    /// Per resource plural: key → object. Keys are `namespace/name` (or `name` for cluster-scoped
    /// resources), so iteration order is etcd's key order.
    objects: HashMap<&'static str, BTreeMap<String, Value>>,
    /// The "current etcd revision": at least every object's resourceVersion.
    resource_version: u64,
    /// Per resource plural: objects made on demand instead of stored (see [`Generated`]).
    generated: HashMap<&'static str, Arc<Generated>>,
}

/// Makes object `i` of a generated resource; the same `i` must give the same object.
pub type Generate = Arc<dyn Fn(usize) -> Value + Send + Sync>;

/// A resource whose objects are made when a request reads them, so that a benchmark can serve
/// more objects than would fit in memory as `Value`s: only the keys are kept. Objects must be
/// complete (namespace, uid, resourceVersion); the resource serves only these objects, and
/// they cannot be changed while the server runs.
pub struct Generated {
    /// Keys (`namespace/name`) in order, each with the index given to `make`: a page finds
    /// its start and counts what is left by binary search (remainingItemCount on every page).
    keys: Vec<(String, usize)>,
    make: Generate,
    /// Object `i` as a list item in compact JSON, when made once at startup (see
    /// [`Generated::serialized`]); list pages without selectors are then cut from these bytes.
    serialized: Option<Vec<Box<[u8]>>>,
}

impl Generated {
    /// `keys[i]` is the key of object `i`: `namespace/name`, or `name` if cluster-scoped.
    pub fn new(keys: Vec<String>, make: Generate) -> Self {
        Generated {
            keys: {
                let mut keys: Vec<(String, usize)> =
                    keys.into_iter().enumerate().map(|(i, k)| (k, i)).collect();
                keys.sort_unstable();
                keys
            },
            make,
            serialized: None,
        }
    }

    /// Makes every object once, on every core, and keeps it as list-item JSON (a few KiB an
    /// object instead of tens as a `Value`), so that list pages cost a copy instead of making
    /// and serialising each object: the server then serves pages about as fast as stored ones,
    /// which keeps a benchmark's raw download a client's real floor.
    pub fn serialized(mut self) -> Self {
        let count = self.keys.len();
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let chunk = count.div_ceil(threads).max(1);
        let make = &self.make;
        let parts: Vec<Vec<Box<[u8]>>> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..count)
                .step_by(chunk)
                .map(|start| {
                    scope.spawn(move || {
                        (start..(start + chunk).min(count))
                            .map(|i| {
                                let mut bytes = Vec::new();
                                // Writing JSON into a Vec cannot fail.
                                let _ = serde_json::to_writer(&mut bytes, &ListItem(&make(i)));
                                bytes.into_boxed_slice()
                            })
                            .collect()
                    })
                })
                .collect();
            workers
                .into_iter()
                .map(|worker| worker.join().unwrap_or_default())
                .collect()
        });
        self.serialized = Some(parts.into_iter().flatten().collect());
        self
    }
}

impl std::fmt::Debug for Generated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Generated({} objects)", self.keys.len())
    }
}

impl Store {
    /// Builds the store from raw objects (lists already flattened). Later objects replace earlier
    /// ones with the same kind, namespace and name. Objects of kinds the fake does not serve are
    /// ignored except that their namespace still exists.
    ///
    /// Normalisation, so that every object looks like one read back from a real server: a
    /// namespaced object without namespace goes to `default`; missing `metadata.uid` and
    /// `metadata.resourceVersion` are filled in deterministically. Every namespace used by an
    /// object gets a Namespace object unless one was given.
    pub fn build(objects: Vec<Value>, generated: Vec<(&'static Resource, Generated)>) -> Store {
        let mut store = Store::default();
        let mut used_namespaces: BTreeMap<String, String> = BTreeMap::new();
        for (resource, generated) in generated {
            if resource.namespaced {
                for (key, _) in &generated.keys {
                    if let Some((namespace, _)) = key.split_once('/') {
                        used_namespaces.entry(namespace.to_string()).or_default();
                    }
                }
            }
            store
                .generated
                .insert(resource.store_key(), Arc::new(generated));
        }
        let mut unversioned = Vec::new();

        for mut obj in objects {
            let api_version = obj["apiVersion"].as_str().unwrap_or_default().to_string();
            let kind = obj["kind"].as_str().unwrap_or_default().to_string();
            let resource = Resource::for_object(&api_version, &kind);
            let namespaced = resource.is_none_or(|r| r.namespaced);
            if namespaced
                && obj
                    .pointer("/metadata/namespace")
                    .and_then(Value::as_str)
                    .is_none()
            {
                obj["metadata"]["namespace"] = json!("default");
            }
            if namespaced {
                let namespace = text(&obj, "/metadata/namespace");
                let created = text(&obj, "/metadata/creationTimestamp");
                let earliest = used_namespaces
                    .entry(namespace)
                    .or_insert_with(|| created.clone());
                if !created.is_empty() && (earliest.is_empty() || created < *earliest) {
                    *earliest = created;
                }
            }
            let Some(resource) = resource else { continue };
            match text(&obj, "/metadata/resourceVersion").parse::<u64>() {
                Ok(rv) => store.resource_version = store.resource_version.max(rv),
                Err(_) => unversioned.push((resource.store_key(), key_of(resource, &obj))),
            }
            store.insert(resource, obj);
        }

        for (namespace, created) in used_namespaces {
            let key = namespace.clone();
            if store
                .objects
                .get("namespaces")
                .is_some_and(|m| m.contains_key(&key))
            {
                continue;
            }
            let created = if created.is_empty() {
                DEFAULT_CREATION_TIMESTAMP.to_string()
            } else {
                created
            };
            let namespace_obj = json!({
                "kind": "Namespace",
                "apiVersion": "v1",
                "metadata": {
                    "name": namespace,
                    "creationTimestamp": created,
                    "labels": {"kubernetes.io/metadata.name": namespace},
                },
                "spec": {"finalizers": ["kubernetes"]},
                "status": {"phase": "Active"},
            });
            unversioned.push(("namespaces", key));
            store.insert(Resource::namespaces(), namespace_obj);
        }

        // Objects without a resourceVersion are "written" after all the others.
        store.resource_version = store.resource_version.max(100);
        for (plural, key) in unversioned {
            store.resource_version += 1;
            let rv = store.resource_version.to_string();
            if let Some(obj) = store.objects.get_mut(plural).and_then(|m| m.get_mut(&key)) {
                obj["metadata"]["resourceVersion"] = json!(rv);
            }
        }
        for (plural, objects) in &mut store.objects {
            for obj in objects.values_mut() {
                if obj
                    .pointer("/metadata/uid")
                    .and_then(Value::as_str)
                    .is_none()
                {
                    let seed = format!(
                        "{plural}/{}/{}",
                        text(obj, "/metadata/namespace"),
                        text(obj, "/metadata/name")
                    );
                    obj["metadata"]["uid"] = json!(fake_uid(&seed));
                }
            }
        }
        store
    }

    fn insert(&mut self, resource: &'static Resource, obj: Value) {
        let key = key_of(resource, &obj);
        self.objects
            .entry(resource.store_key())
            .or_default()
            .insert(key, obj);
    }

    /// Creates or replaces an object while the server runs, like a write to etcd: the object
    /// gets the next resourceVersion; a namespaced object without namespace goes to `default`;
    /// without `metadata.uid` it keeps the uid of the object it replaces (an update) or gets a
    /// new one (a create); a new namespace gets its Namespace object. Returns the stored object.
    pub fn put(&mut self, mut obj: Value) -> Result<Value, String> {
        let api_version = text(&obj, "/apiVersion");
        let kind = text(&obj, "/kind");
        let resource = Resource::for_object(&api_version, &kind)
            .ok_or_else(|| format!("the fake does not serve {api_version} {kind}"))?;
        if self.generated.contains_key(resource.store_key()) {
            return Err(format!(
                "{} are generated: they cannot be written",
                resource.store_key()
            ));
        }
        if text(&obj, "/metadata/name").is_empty() {
            return Err(format!("a {kind} needs metadata.name"));
        }
        let namespace = resource.namespaced.then(|| {
            let namespace = text(&obj, "/metadata/namespace");
            if namespace.is_empty() {
                "default".to_string()
            } else {
                namespace
            }
        });
        if let Some(namespace) = &namespace {
            obj["metadata"]["namespace"] = json!(namespace);
            if self.get(Resource::namespaces(), None, namespace).is_none() {
                self.put(json!({
                    "kind": "Namespace",
                    "apiVersion": "v1",
                    "metadata": {
                        "name": namespace,
                        "creationTimestamp": DEFAULT_CREATION_TIMESTAMP,
                        "labels": {"kubernetes.io/metadata.name": namespace},
                    },
                    "spec": {"finalizers": ["kubernetes"]},
                    "status": {"phase": "Active"},
                }))?;
            }
        }
        if obj
            .pointer("/metadata/uid")
            .and_then(Value::as_str)
            .is_none()
        {
            let name = text(&obj, "/metadata/name");
            let uid = match self.get(resource, namespace.as_deref(), &name) {
                Some(old) => text(&old, "/metadata/uid"),
                None => fake_uid(&format!(
                    "{}/{}/{name}/{}",
                    resource.store_key(),
                    namespace.as_deref().unwrap_or_default(),
                    self.resource_version + 1
                )),
            };
            obj["metadata"]["uid"] = json!(uid);
        }
        self.resource_version += 1;
        obj["metadata"]["resourceVersion"] = json!(self.resource_version.to_string());
        self.insert(resource, obj.clone());
        Ok(obj)
    }

    /// Deletes an object; None when there was none.
    pub fn delete(
        &mut self,
        resource: &Resource,
        namespace: Option<&str>,
        name: &str,
    ) -> Option<Value> {
        let key = match namespace {
            Some(ns) if resource.namespaced => format!("{ns}/{name}"),
            _ => name.to_string(),
        };
        let removed = self.objects.get_mut(resource.store_key())?.remove(&key)?;
        self.resource_version += 1;
        Some(removed)
    }

    /// The current resourceVersion, as lists report it.
    pub fn resource_version(&self) -> u64 {
        self.resource_version
    }

    pub fn get(
        &self,
        resource: &Resource,
        namespace: Option<&str>,
        name: &str,
    ) -> Option<Cow<'_, Value>> {
        let key = match namespace {
            Some(ns) if resource.namespaced => format!("{ns}/{name}"),
            _ => name.to_string(),
        };
        if let Some(generated) = self.generated.get(resource.store_key()) {
            let at = generated
                .keys
                .binary_search_by(|(k, _)| k.as_str().cmp(&key))
                .ok()?;
            return Some(Cow::Owned((generated.make)(generated.keys[at].1)));
        }
        self.objects
            .get(resource.store_key())?
            .get(&key)
            .map(Cow::Borrowed)
    }

    /// Objects of a resource in key order, in one namespace or (None) everywhere, each with its
    /// key relative to the list prefix (`name` within a namespace, `namespace/name` across all),
    /// starting at the relative key `from` (a continue token's start: the last key plus NUL).
    pub fn list<'a>(
        &'a self,
        resource: &Resource,
        namespace: Option<&str>,
        from: Option<&str>,
    ) -> Box<dyn Iterator<Item = (String, Cow<'a, Value>)> + 'a> {
        if let Some(generated) = self.generated.get(resource.store_key()) {
            return Box::new(
                self.keys(resource, namespace, from)
                    .map(move |(key, i)| (key, Cow::Owned((generated.make)(i)))),
            );
        }
        let prefix = match namespace {
            Some(ns) if resource.namespaced => format!("{ns}/"),
            _ => String::new(),
        };
        let from = Bound::Included(format!("{prefix}{}", from.unwrap_or_default()));
        Box::new(
            self.objects
                .get(resource.store_key())
                .into_iter()
                .flat_map(move |objects| objects.range((from.clone(), Bound::Unbounded)))
                .map(move |(key, obj)| (key.strip_prefix(prefix.as_str()), obj))
                .map_while(|(relative, obj)| Some((relative?.to_string(), Cow::Borrowed(obj)))),
        )
    }

    /// [`Store::list`] as list-item JSON, when the resource was made [`Generated::serialized`].
    pub fn list_serialized<'a>(
        &'a self,
        resource: &Resource,
        namespace: Option<&str>,
        from: Option<&str>,
    ) -> Option<impl Iterator<Item = (String, &'a [u8])> + 'a> {
        let serialized = self
            .generated
            .get(resource.store_key())?
            .serialized
            .as_ref()?;
        Some(
            self.keys(resource, namespace, from)
                .map(move |(key, i)| (key, &*serialized[i])),
        )
    }

    /// How many objects [`Store::list`] would give, without making generated ones.
    pub fn count(&self, resource: &Resource, namespace: Option<&str>, from: Option<&str>) -> usize {
        if let Some(generated) = self.generated.get(resource.store_key()) {
            let (prefix, start) = Self::start_of(resource, namespace, from);
            let keys = &generated.keys;
            let begin = keys.partition_point(|(k, _)| *k < start);
            // Keys with the prefix follow every smaller key and precede the rest.
            let end = keys
                .partition_point(|(k, _)| k.as_str() < prefix.as_str() || k.starts_with(&prefix));
            return end.saturating_sub(begin);
        }
        self.list(resource, namespace, from).count()
    }

    /// The relative keys and indexes of a generated resource, as [`Store::list`] walks them.
    fn keys<'a>(
        &'a self,
        resource: &Resource,
        namespace: Option<&str>,
        from: Option<&str>,
    ) -> impl Iterator<Item = (String, usize)> + 'a {
        let (prefix, start) = Self::start_of(resource, namespace, from);
        self.generated
            .get(resource.store_key())
            .into_iter()
            .flat_map(move |generated| {
                let begin = generated.keys.partition_point(|(k, _)| *k < start);
                &generated.keys[begin..]
            })
            .map(move |(key, i)| (key.strip_prefix(prefix.as_str()), *i))
            .map_while(|(relative, i)| Some((relative?.to_string(), i)))
    }

    /// The key prefix of a listing (`namespace/`, or "" across namespaces) and its first key.
    fn start_of(
        resource: &Resource,
        namespace: Option<&str>,
        from: Option<&str>,
    ) -> (String, String) {
        let prefix = match namespace {
            Some(ns) if resource.namespaced => format!("{ns}/"),
            _ => String::new(),
        };
        let start = format!("{prefix}{}", from.unwrap_or_default());
        (prefix, start)
    }
}

fn key_of(resource: &Resource, obj: &Value) -> String {
    let name = text(obj, "/metadata/name");
    if resource.namespaced {
        format!("{}/{name}", text(obj, "/metadata/namespace"))
    } else {
        name
    }
}

fn text(obj: &Value, pointer: &str) -> String {
    obj.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// A stable UUID-shaped id derived from `seed` (FNV-1a, twice).
fn fake_uid(seed: &str) -> String {
    let fnv = |salt: u64| {
        seed.bytes().fold(0xcbf2_9ce4_8422_2325 ^ salt, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    };
    let hex = format!("{:016x}{:016x}", fnv(0), fnv(0x9e37_79b9_7f4a_7c15));
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

// ---------------------------------------------------------------------------------------------
// Continue tokens
// ---------------------------------------------------------------------------------------------

/// Encodes a continue token like the apiserver: unpadded URL-safe base64 of
/// `{"v":"meta.k8s.io/v1","rv":N,"start":"<key after the last returned one>"}`.
pub(super) fn encode_continue(resource_version: u64, last_key: &str) -> String {
    let start = serde_json::to_string(&format!("{last_key}\u{0}")).unwrap_or_default();
    let json = format!(r#"{{"v":"meta.k8s.io/v1","rv":{resource_version},"start":{start}}}"#);
    base64_url_encode(json.as_bytes())
}

/// Decodes a continue token into (start key, resourceVersion). The error is the text after
/// `invalid continue token: `, worded like the apiserver's `storage.DecodeContinue`.
pub(super) fn decode_continue(token: &str) -> Result<(String, u64), String> {
    const INVALID: &str = "continue key is not valid";
    let data = base64_url_decode(token)
        .map_err(|at| format!("{INVALID}: illegal base64 data at input byte {at}"))?;
    let parsed: Value = serde_json::from_slice(&data).map_err(|e| format!("{INVALID}: {e}"))?;
    let version = parsed["v"].as_str().unwrap_or_default();
    if version != "meta.k8s.io/v1" {
        return Err(format!(
            "{INVALID}: server does not recognize this encoded version {version}"
        ));
    }
    let rv = parsed["rv"].as_u64().unwrap_or(0);
    if rv == 0 {
        return Err(format!(
            "{INVALID}: incorrect encoded start resourceVersion (version meta.k8s.io/v1)"
        ));
    }
    let start = parsed["start"].as_str().unwrap_or_default();
    if start.is_empty() {
        return Err(format!(
            "{INVALID}: encoded start key empty (version meta.k8s.io/v1)"
        ));
    }
    Ok((start.to_string(), rv))
}

const BASE64_URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Go's `base64.RawURLEncoding.EncodeToString`.
fn base64_url_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(BASE64_URL[(n >> (18 - 6 * i) & 0x3f) as usize]));
        }
    }
    out
}

/// Go's `base64.RawURLEncoding.DecodeString`; the error is the offset of the bad byte.
fn base64_url_decode(text: &str) -> Result<Vec<u8>, usize> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for (i, c) in text.bytes().enumerate() {
        let value = BASE64_URL.iter().position(|&b| b == c).ok_or(i)?;
        acc = acc << 6 | value as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // A lone trailing character cannot encode a byte.
    if text.len() % 4 == 1 {
        return Err(text.len() - 1);
    }
    Ok(out)
}
