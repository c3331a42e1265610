//! The translation files: every key in both languages, and every key the code names exists.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use meetjoin::Lang;

/// Reads `assets/locales/*.yml` ("_version: 2": key, then `en:` and `zh-CN:` lines).
fn translations() -> BTreeMap<String, BTreeMap<String, String>> {
    let mut all = BTreeMap::new();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/locales");
    for entry in std::fs::read_dir(dir).expect("locales folder") {
        let path = entry.expect("entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("yml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("readable");
        let mut key: Option<String> = None;
        for line in text.lines() {
            if line.trim().is_empty()
                || line.trim_start().starts_with('#')
                || line.starts_with("_version")
            {
                continue;
            }
            if !line.starts_with(' ') {
                let name = line.trim_end_matches(':').to_owned();
                assert!(
                    !all.contains_key(&name),
                    "{name} defined twice ({})",
                    path.display()
                );
                all.insert(name.clone(), BTreeMap::new());
                key = Some(name);
            } else if let Some((locale, value)) = line.trim().split_once(": ") {
                let name = key
                    .clone()
                    .unwrap_or_else(|| panic!("value before key in {}", path.display()));
                all.get_mut(&name)
                    .expect("key")
                    .insert(locale.to_owned(), value.trim_matches('"').to_owned());
            }
        }
    }
    all
}

#[test]
fn every_key_has_english_and_chinese() {
    let all = translations();
    assert!(all.len() > 150, "only {} keys read", all.len());
    for (key, texts) in &all {
        let locales: BTreeSet<&str> = texts.keys().map(String::as_str).collect();
        assert_eq!(locales, BTreeSet::from(["en", "zh-CN"]), "{key}");
        for (locale, text) in texts {
            assert!(!text.trim().is_empty(), "{key} is empty in {locale}");
        }
        assert_eq!(
            placeholders(&texts["en"]),
            placeholders(&texts["zh-CN"]),
            "{key}: both languages fill the same placeholders"
        );
        // The library really serves both (rust-i18n embedded the file).
        assert_eq!(Lang::En.tr(key), texts["en"].replace("\\\"", "\""), "{key}");
        assert_ne!(Lang::ZhCn.tr(key), *key, "{key}");
    }
}

fn placeholders(text: &str) -> BTreeSet<String> {
    text.split("%{")
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_owned()))
        .collect()
}

/// String literals in the sources that look like translation keys.
fn keys_named_in_code() -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).expect("src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("source");
            for literal in text.split('"').skip(1).step_by(2) {
                let prefixes = [
                    "gui.",
                    "cli.",
                    "error.",
                    "details.",
                    "store.",
                    "server.",
                    "meeting_id.",
                ];
                if prefixes.iter().any(|p| literal.starts_with(p))
                    && literal.len() > 4
                    && literal.chars().all(|c| {
                        c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.'
                    })
                    && !literal.ends_with('.')
                {
                    keys.insert(literal.to_owned());
                }
            }
        }
    }
    keys
}

#[test]
fn every_key_the_code_names_is_translated() {
    let all = translations();
    let named = keys_named_in_code();
    assert!(
        named.len() > 100,
        "only {} keys found in the code",
        named.len()
    );
    let missing: Vec<&String> = named.iter().filter(|k| !all.contains_key(*k)).collect();
    assert!(
        missing.is_empty(),
        "keys used in src/ but not translated: {missing:?}"
    );
}
