//! Paged lists, streamed: the next page is fetched while this one is decoded (on its own
//! thread), and items are handed over a few at a time as soon as they are decoded, so memory holds one page of bytes and one object, not
//! the whole list (10,000 decoded pods are ~500 MiB; their compact views a tenth of that).

use std::fmt::{self, Debug};
use std::marker::PhantomData;

use bytes::Bytes;
use futures::channel::mpsc;
use futures::{SinkExt, StreamExt};
use kube::Resource;
use kube::api::{Api, ListParams};
use serde::de::{DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::lean::Lean;
use super::{Cluster, PAGE_SIZE, compact};
use crate::error::Result;

impl Cluster {
    /// Lists every object, page by page (`limit` + `continue`), each page retried on its own,
    /// calling `visit` for each object in the server's order. `visit` may take the object;
    /// what it leaves is dropped on the decoding thread. Returns how many there were.
    pub(super) async fn list_each<K>(
        &self,
        api: &Api<K>,
        params: ListParams,
        action: &str,
        visit: &mut dyn FnMut(&mut K),
    ) -> Result<usize>
    where
        K: Resource + DeserializeOwned + Debug + Send + 'static,
    {
        // One page ahead: the fetcher runs on a runtime worker while this task decodes.
        let (mut pages, mut received) = mpsc::channel::<Result<Bytes>>(1);
        let fetcher = self.clone();
        let url = api.resource_url().to_string();
        let action_owned = action.to_string();
        let mut params = params.limit(PAGE_SIZE);
        let producer = tokio::spawn(async move {
            loop {
                let request = kube::core::Request::new(&url).list(&params);
                let request = match request {
                    Ok(request) => request,
                    Err(e) => {
                        let error = fetcher.explain(&action_owned, kube::Error::BuildRequest(e));
                        let _ = pages.send(Err(error)).await;
                        return;
                    }
                };
                let page = fetcher.fetch(request, &action_owned).await;
                // A page whose head does not parse is sent anyway: decoding it reports why.
                let token = page.as_ref().ok().and_then(|body| continue_token(body));
                let failed = page.is_err();
                if pages.send(page).await.is_err() || failed {
                    return;
                }
                match token {
                    Some(token) => params = params.continue_token(&token),
                    None => return,
                }
            }
        });
        let _abort_on_return = AbortOnDrop(producer);

        // Decoding is most of a listing's CPU: it runs on its own thread, a few objects at a
        // time, while this task hands the previous ones to `visit`, so a big listing costs
        // about the longer of the two instead of their sum. Visited chunks go back to that
        // thread to be dropped: freeing an object is a good part of its cost, and costs more
        // on a thread other than the one that allocated it. Memory: the pages in flight and up
        // to 4 chunks (128 pods, ~6 MiB) decoded ahead, enough to keep decoding while `ls`
        // writes a 500-pod table chunk (8 chunks added 10 MiB to `diagnose -A` at 150,000
        // pods, 96 MiB in all).
        let (mut chunks, mut decoded) = tokio::sync::mpsc::channel::<Result<Vec<K>>>(4);
        let (spent, spent_chunks) = std::sync::mpsc::channel::<Vec<K>>();
        let decoder = self.clone();
        let action_owned = action.to_string();
        let _decoding = tokio::task::spawn_blocking(move || {
            let mut drop_spent = || spent_chunks.try_iter().for_each(drop);
            while let Some(page) = futures::executor::block_on(received.next()) {
                let sent = match page {
                    Ok(body) => decode_page(&body, &mut chunks, &mut drop_spent)
                        .map_err(|e| decoder.explain(&action_owned, kube::Error::SerdeError(e))),
                    Err(error) => Err(error),
                };
                if let Err(error) = sent {
                    // Dropped by a consumer that stopped first: nothing to report to.
                    let _ = chunks.blocking_send(Err(error));
                    return;
                }
                if chunks.is_closed() {
                    return;
                }
            }
            drop(chunks);
            // The last chunks come back once the consumer is done with them.
            spent_chunks.iter().for_each(drop);
        });

        let mut count = 0;
        while let Some(chunk) = decoded.recv().await {
            let mut chunk = chunk?;
            for item in &mut chunk {
                count += 1;
                visit(item);
            }
            // Once the decoder is gone the chunk is simply dropped here.
            let _ = spent.send(chunk);
        }
        Ok(count)
    }

    /// [`Cluster::list_each`] into a vector, for the small lists (workloads, namespaces, events).
    pub(super) async fn list_all<K>(
        &self,
        api: &Api<K>,
        params: ListParams,
        action: &str,
    ) -> Result<Vec<K>>
    where
        K: Resource + DeserializeOwned + Debug + Default + Send + 'static,
    {
        let mut items = Vec::new();
        self.list_each(api, params, action, &mut |item| {
            items.push(std::mem::take(item))
        })
        .await?;
        Ok(items)
    }
}

/// Objects decoded together and handed over at once: small enough to keep two of them in
/// flight cheaply, big enough that the hand-over costs nothing next to the decoding.
const CHUNK: usize = 32;

/// Decodes one list page, sending its items (compacted) in chunks of [`CHUNK`] and dropping
/// the chunks already visited. A consumer that has gone away stops nothing here: the caller
/// sees the closed channel after the page.
fn decode_page<K: Resource + DeserializeOwned>(
    body: &[u8],
    chunks: &mut tokio::sync::mpsc::Sender<Result<Vec<K>>>,
    drop_spent: &mut dyn FnMut(),
) -> serde_json::Result<()> {
    let mut chunk = Vec::with_capacity(CHUNK);
    let mut on_item = |item: K| {
        chunk.push(compact(item));
        if chunk.len() == CHUNK && !chunks.is_closed() {
            drop_spent();
            let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
            let _ = chunks.blocking_send(Ok(full));
        }
    };
    let seed = ListSeed {
        visit: &mut on_item,
        item: PhantomData,
    };
    // Validating the page's UTF-8 once is cheaper than serde_json checking string by string.
    match std::str::from_utf8(body) {
        Ok(text) => decode_all(seed, serde_json::Deserializer::from_str(text))?,
        Err(_) => decode_all(seed, serde_json::Deserializer::from_slice(body))?,
    }
    if !chunk.is_empty() {
        let _ = chunks.blocking_send(Ok(chunk));
    }
    Ok(())
}

fn decode_all<'de, K: DeserializeOwned, R: serde_json::de::Read<'de>>(
    seed: ListSeed<'_, K>,
    mut decoder: serde_json::Deserializer<R>,
) -> serde_json::Result<()> {
    seed.deserialize(&mut decoder)?;
    decoder.end()
}

/// Stops the page fetcher when the consumer returns early (an error, or a closed pipe).
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The continue token of a list page, read without decoding its items: the API server writes
/// `metadata` before `items`, so reading stops there instead of scanning the whole page.
fn continue_token(body: &[u8]) -> Option<String> {
    #[derive(Deserialize, Default)]
    struct Meta {
        #[serde(default, rename = "continue")]
        continue_: Option<String>,
    }
    struct Head<'a>(&'a mut Option<String>);
    impl<'de> Visitor<'de> for Head<'_> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a Kubernetes list object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                if key == "metadata" {
                    *self.0 = map.next_value::<Meta>()?.continue_;
                    return Ok(());
                }
                map.next_value::<IgnoredAny>()?;
            }
            Ok(())
        }
    }
    let mut token = None;
    // Returning before the end of the object makes serde_json report the unread rest as an
    // error: expected here, the token is already taken. A malformed page fails where its items
    // are decoded.
    let _ = serde_json::Deserializer::from_slice(body).deserialize_map(Head(&mut token));
    token.filter(|token| !token.is_empty())
}

/// Decodes a `…List` object, handing each element of `items` to `visit` as it is decoded
/// and skipping every other field.
struct ListSeed<'a, K> {
    visit: &'a mut dyn FnMut(K),
    item: PhantomData<K>,
}

impl<'de, K: DeserializeOwned> DeserializeSeed<'de> for ListSeed<'_, K> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, K: DeserializeOwned> Visitor<'de> for ListSeed<'_, K> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Kubernetes list object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == "items" {
                map.next_value_seed(ItemsSeed {
                    visit: &mut *self.visit,
                    item: PhantomData,
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

struct ItemsSeed<'a, K> {
    visit: &'a mut dyn FnMut(K),
    item: PhantomData<K>,
}

impl<'de, K: DeserializeOwned> DeserializeSeed<'de> for ItemsSeed<'_, K> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        // `"items": null` is how some servers say "none".
        deserializer.deserialize_option(self)
    }
}

impl<'de, K: DeserializeOwned> Visitor<'de> for ItemsSeed<'_, K> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of objects")
    }

    fn visit_none<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(item) = seq.next_element_seed(Lean(PhantomData))? {
            (self.visit)(item);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::Pod;

    fn decode(body: &str) -> serde_json::Result<Vec<String>> {
        let mut names = Vec::new();
        let mut visit = |pod: Pod| names.push(pod.metadata.name.unwrap_or_default());
        let seed = ListSeed {
            visit: &mut visit,
            item: PhantomData,
        };
        let mut decoder = serde_json::Deserializer::from_str(body);
        seed.deserialize(&mut decoder)?;
        decoder.end()?;
        Ok(names)
    }

    #[test]
    fn items_are_visited_in_order_whatever_the_key_order() {
        let body = r#"{"apiVersion":"v1","items":[{"metadata":{"name":"a"}},{"metadata":{"name":"b"}}],"kind":"PodList","metadata":{"continue":"x"}}"#;
        assert_eq!(
            decode(body).ok(),
            Some(vec!["a".to_string(), "b".to_string()])
        );
        let body = r#"{"kind":"PodList","metadata":{},"items":[{"metadata":{"name":"c"}}]}"#;
        assert_eq!(decode(body).ok(), Some(vec!["c".to_string()]));
    }

    #[test]
    fn pages_are_decoded_in_chunks_without_managed_fields_and_bad_utf8_is_an_error() {
        let (mut chunks, mut received) = tokio::sync::mpsc::channel(8);
        let page = br#"{"items":[{"metadata":{"name":"a","managedFields":[{"manager":"m"}]}},{"metadata":{"name":"b"}}]}"#;
        decode_page::<Pod>(page, &mut chunks, &mut || {}).unwrap();
        let chunk = received.try_recv().unwrap().unwrap();
        let names: Vec<_> = chunk.iter().map(|p| p.metadata.name.as_deref()).collect();
        assert_eq!(names, [Some("a"), Some("b")]);
        assert!(chunk.iter().all(|p| p.metadata.managed_fields.is_none()));
        let invalid = b"{\"items\":[{\"metadata\":{\"name\":\"\xff\"}}]}";
        assert!(decode_page::<Pod>(invalid, &mut chunks, &mut || {}).is_err());
    }

    #[test]
    fn null_or_missing_items_are_an_empty_list() {
        assert_eq!(
            decode(r#"{"kind":"PodList","items":null}"#).ok(),
            Some(vec![])
        );
        assert_eq!(decode(r#"{"kind":"PodList"}"#).ok(), Some(vec![]));
    }

    #[test]
    fn malformed_pages_are_errors() {
        assert!(decode(r#"{"items":[{"metadata":{"name":3}}]}"#).is_err());
        assert!(decode(r#"{"items":[]} trailing"#).is_err());
        assert!(decode("[]").is_err());
    }

    #[test]
    fn the_continue_token_is_read_from_the_head() {
        let page = br#"{"kind":"PodList","metadata":{"continue":"abc","remainingItemCount":3},"items":[{"metadata":{"name":"a"}}]}"#;
        assert_eq!(continue_token(page).as_deref(), Some("abc"));
        assert_eq!(
            continue_token(br#"{"metadata":{"continue":""},"items":[]}"#),
            None
        );
        assert_eq!(continue_token(br#"{"items":[]}"#), None);
        assert_eq!(continue_token(b"not json"), None);
        // Reading stops after `metadata`: the items are not even scanned…
        let truncated = br#"{"metadata":{"continue":"abc"},"items":[{"metadata":{"na"#;
        assert_eq!(continue_token(truncated).as_deref(), Some("abc"));
        // …and a server writing `metadata` last is still understood.
        let late = br#"{"items":[{"metadata":{"name":"a"}}],"metadata":{"continue":"xyz"}}"#;
        assert_eq!(continue_token(late).as_deref(), Some("xyz"));
    }
}
