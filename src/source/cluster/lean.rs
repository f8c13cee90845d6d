//! Decoding a listed object without its `metadata.managedFields`.
//!
//! Server-side apply writes a field set per manager into every object; for a pod it is about
//! a sixth of its JSON, decoded into `serde_json::Value` trees (a map per field) that
//! [`super::compact`] throws away at once. At 150,000 pods that was a tenth of the client's
//! CPU. [`Lean`] wraps the deserializer of one list item so that the item's `metadata` map
//! skips that key (read over, never built); every other field, and every other object, is
//! decoded exactly as `K`'s own `Deserialize` does it.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::{BorrowedStrDeserializer, StringDeserializer};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};

/// The key skipped inside the top-level `metadata` of each item.
const SKIPPED: &str = "managedFields";

/// A seed decoding one `K` whose `metadata.managedFields` is skipped.
pub(super) struct Lean<K>(pub PhantomData<K>);

impl<'de, K: de::Deserialize<'de>> DeserializeSeed<'de> for Lean<K> {
    type Value = K;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<K, D::Error> {
        K::deserialize(Filtered {
            inner: deserializer,
            level: Level::Object,
        })
    }
}

/// Where a filtered map sits: the item itself, or its `metadata`.
#[derive(Clone, Copy, PartialEq)]
enum Level {
    Object,
    Metadata,
}

/// A deserializer that hands maps and structs (also inside an `Option`) over as
/// [`FilteredMap`]s and forwards everything else untouched.
struct Filtered<D> {
    inner: D,
    level: Level,
}

macro_rules! forward {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            self.inner.$method(visitor)
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Filtered<D> {
    type Error = D::Error;

    forward! {
        deserialize_any deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32
        deserialize_i64 deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32
        deserialize_u64 deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char
        deserialize_str deserialize_string deserialize_bytes deserialize_byte_buf
        deserialize_unit deserialize_seq deserialize_identifier
        deserialize_ignored_any
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_unit_struct(name, visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_newtype_struct(name, visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_tuple(len, visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_tuple_struct(name, len, visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_enum(name, variants, visitor)
    }

    // k8s-openapi decodes every field as an `Option` first.
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_option(FilteredVisitor {
            inner: visitor,
            level: self.level,
        })
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_map(FilteredVisitor {
            inner: visitor,
            level: self.level,
        })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_struct(
            name,
            fields,
            FilteredVisitor {
                inner: visitor,
                level: self.level,
            },
        )
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }
}

/// Passes the map of a filtered object on as a [`FilteredMap`].
struct FilteredVisitor<V> {
    inner: V,
    level: Level,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for FilteredVisitor<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        self.inner.expecting(f)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.inner.visit_map(FilteredMap {
            inner: map,
            level: self.level,
            value_is_metadata: false,
        })
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.inner.visit_seq(seq)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<V::Value, D::Error> {
        self.inner.visit_some(Filtered {
            inner: deserializer,
            level: self.level,
        })
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.inner.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.inner.visit_unit()
    }
}

/// The entries of a filtered map: `managedFields` read over inside `metadata`, the value of
/// `metadata` filtered in turn inside the object.
struct FilteredMap<A> {
    inner: A,
    level: Level,
    value_is_metadata: bool,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for FilteredMap<A> {
    type Error = A::Error;

    fn next_key_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, A::Error> {
        loop {
            let Some(key) = self.inner.next_key::<Key<'de>>()? else {
                return Ok(None);
            };
            let name = key.as_str();
            if self.level == Level::Metadata && name == SKIPPED {
                self.inner.next_value::<IgnoredAny>()?;
                continue;
            }
            self.value_is_metadata = self.level == Level::Object && name == "metadata";
            return match key {
                Key::Borrowed(s) => seed.deserialize(BorrowedStrDeserializer::new(s)),
                Key::Owned(s) => seed.deserialize(StringDeserializer::new(s)),
            }
            .map(Some);
        }
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        if std::mem::take(&mut self.value_is_metadata) {
            self.inner.next_value_seed(MetadataSeed(seed))
        } else {
            self.inner.next_value_seed(seed)
        }
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

/// Decodes the value of `metadata` through a [`Filtered`] deserializer.
struct MetadataSeed<S>(S);

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for MetadataSeed<S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<S::Value, D::Error> {
        self.0.deserialize(Filtered {
            inner: deserializer,
            level: Level::Metadata,
        })
    }
}

/// A map key, borrowed from the page when it has no escapes (nearly always).
enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Key<'_> {
    fn as_str(&self) -> &str {
        match self {
            Key::Borrowed(s) => s,
            Key::Owned(s) => s,
        }
    }
}

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Key<'de>, E> {
                Ok(Key::Borrowed(s))
            }
            fn visit_str<E>(self, s: &str) -> Result<Key<'de>, E> {
                Ok(Key::Owned(s.to_string()))
            }
            fn visit_string<E>(self, s: String) -> Result<Key<'de>, E> {
                Ok(Key::Owned(s))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::Pod;

    fn lean(json: &str) -> serde_json::Result<Pod> {
        let mut decoder = serde_json::Deserializer::from_str(json);
        let pod = Lean(PhantomData).deserialize(&mut decoder)?;
        decoder.end()?;
        Ok(pod)
    }

    const POD: &str = r#"{
      "apiVersion": "v1", "kind": "Pod",
      "metadata": {
        "name": "web-0", "namespace": "shop",
        "labels": {"managedFields": "a label may be called that", "app": "web"},
        "managedFields": [{"manager": "kubelet", "operation": "Update", "apiVersion": "v1",
          "fieldsType": "FieldsV1", "fieldsV1": {"f:status": {"f:phase": {}}}}],
        "annotations": {"note": "kept"}
      },
      "spec": {"containers": [{"name": "app", "image": "nginx",
        "env": [{"name": "managedFields", "value": "kept"}]}]},
      "status": {"phase": "Running"}
    }"#;

    #[test]
    fn managed_fields_are_skipped_and_everything_else_is_decoded_as_usual() {
        let pod = lean(POD).unwrap();
        let mut plain: Pod = serde_json::from_str(POD).unwrap();
        assert!(plain.metadata.managed_fields.is_some());
        assert_eq!(pod.metadata.managed_fields, None);
        plain.metadata.managed_fields = None;
        assert_eq!(pod, plain);
        let labels = pod.metadata.labels.unwrap();
        assert_eq!(labels.len(), 2, "only metadata's own key is skipped");
    }

    #[test]
    fn escaped_keys_and_errors_behave_as_without_the_filter() {
        let escaped =
            r#"{"metadata":{"n\u0061me":"x","managedFields":[]},"spec":{"containers":[]}}"#;
        let pod = lean(escaped).unwrap();
        assert_eq!(pod.metadata.name.as_deref(), Some("x"));
        assert!(lean(r#"{"metadata":{"name":3}}"#).is_err());
        assert!(lean(r#"{"metadata":{"managedFields":[}}"#).is_err());
        assert!(lean("[]").is_err());
    }
}
