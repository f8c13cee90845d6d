//! RFC 6902 JSON Patch, the operations `--fix` emits (`test`, `add`, `move`, and `remove`,
//! `replace`), applied to print the patched owner (`diagnose --fix -o yaml`). All or nothing:
//! a failed operation leaves the document unchanged.

use serde_json::Value;

pub fn apply(document: &Value, ops: &[Value]) -> Result<Value, String> {
    let mut doc = document.clone();
    for (i, op) in ops.iter().enumerate() {
        let path = op["path"]
            .as_str()
            .ok_or_else(|| format!("operation {i} has no path"))?;
        let kind = op["op"].as_str().unwrap_or_default();
        let result = match kind {
            "test" => match doc.pointer(path) {
                Some(found) if *found == op["value"] => Ok(()),
                Some(found) => Err(format!("test failed at {path}: found {found}")),
                None => Err(format!("test failed at {path}: nothing there")),
            },
            "add" => add(&mut doc, path, op["value"].clone()),
            "remove" => remove(&mut doc, path).map(|_| ()),
            "replace" => {
                remove(&mut doc, path).and_then(|_| add(&mut doc, path, op["value"].clone()))
            }
            "move" => match op["from"].as_str() {
                Some(from) => remove(&mut doc, from).and_then(|moved| add(&mut doc, path, moved)),
                None => Err("no from".to_string()),
            },
            other => Err(format!("unsupported operation {other:?}")),
        };
        result.map_err(|e| format!("operation {i} ({kind} {path}): {e}"))?;
    }
    Ok(doc)
}

/// `(parent pointer, last token)`, unescaped.
fn split(path: &str) -> Result<(&str, String), String> {
    let (parent, last) = path.rsplit_once('/').ok_or("not a JSON pointer")?;
    Ok((parent, last.replace("~1", "/").replace("~0", "~")))
}

fn add(doc: &mut Value, path: &str, value: Value) -> Result<(), String> {
    if path.is_empty() {
        *doc = value;
        return Ok(());
    }
    let (parent, key) = split(path)?;
    match doc.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.insert(key, value);
            Ok(())
        }
        Some(Value::Array(items)) => {
            let index = if key == "-" {
                items.len()
            } else {
                key.parse::<usize>()
                    .map_err(|_| format!("bad index {key}"))?
            };
            if index > items.len() {
                return Err(format!("index {index} out of range"));
            }
            items.insert(index, value);
            Ok(())
        }
        Some(_) => Err("parent is not a container".to_string()),
        None => Err(format!("no parent at {parent}")),
    }
}

fn remove(doc: &mut Value, path: &str) -> Result<Value, String> {
    let (parent, key) = split(path)?;
    match doc.pointer_mut(parent) {
        Some(Value::Object(map)) => map.remove(&key).ok_or_else(|| format!("nothing at {path}")),
        Some(Value::Array(items)) => {
            let index = key
                .parse::<usize>()
                .map_err(|_| format!("bad index {key}"))?;
            (index < items.len())
                .then(|| items.remove(index))
                .ok_or_else(|| format!("index {index} out of range"))
        }
        _ => Err(format!("nothing at {path}")),
    }
}
