//! The translation files, read as YAML (not through rust-i18n, which falls back to English for
//! a missing Chinese text and returns `"<locale>.<key>"` for a missing key): both languages have
//! the same keys, every key the code names has a text in both, the placeholders agree with each
//! other and with the code that fills them, and the Chinese texts are Chinese.
#![allow(clippy::expect_used, reason = "a test fails by panicking")]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::Duration;

use meetjoin::api::{ApiError, ErrorKind};
use meetjoin::server::ServerError;
use meetjoin::{Lang, MeetingId, MeetingIdError};
use regex::Regex;

/// Texts that read the same in Chinese (names, a shortcut, an example address), with no CJK.
const SAME_IN_BOTH: [(&str, &str); 17] = [
    ("app.name", "the product name"),
    ("gui.window_title", "the product name"),
    ("gui.result.copy_shortcut", "a key chord"),
    ("gui.check.enter_hint", "a key's name"),
    ("gui.check.esc_hint", "a key's name"),
    (
        "gui.sign_in.tab_app_id",
        "HUAWEI CLOUD's own Chinese console says App ID",
    ),
    (
        "gui.sign_in.app_id",
        "HUAWEI CLOUD's own Chinese console says App ID",
    ),
    (
        "gui.sign_in.app_key",
        "HUAWEI CLOUD's own Chinese console says App Key",
    ),
    (
        "cli.app_key_prompt",
        "HUAWEI CLOUD's own Chinese console says App Key",
    ),
    ("gui.settings.custom_hint", "an example address"),
    (
        "gui.settings.lang_en",
        "a language is offered in its own name",
    ),
    (
        "invitation.service.voov_meeting",
        "a product known by its own name",
    ),
    ("invitation.service.zoom", "a product known by its own name"),
    ("invitation.service.lark", "a product known by its own name"),
    (
        "invitation.service.microsoft_teams",
        "a product known by its own name",
    ),
    (
        "invitation.service.webex",
        "a product known by its own name",
    ),
    (
        "invitation.service.google_meet",
        "a product known by its own name",
    ),
];

/// Every text of the translation files: language code → key → text.
struct Locales {
    /// The texts of each language.
    texts: BTreeMap<String, BTreeMap<String, String>>,
    /// Which file defines each key.
    files: BTreeMap<String, String>,
}

impl Locales {
    /// The text of `key` in `lang`, if the files have one.
    fn text(&self, lang: Lang, key: &str) -> Option<&str> {
        self.texts.get(lang.code())?.get(key).map(String::as_str)
    }

    /// Every key of every language.
    fn all_keys(&self) -> BTreeSet<&str> {
        self.texts
            .values()
            .flat_map(|texts| texts.keys().map(String::as_str))
            .collect()
    }
}

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Reads every `assets/locales/*.yml` (rust-i18n's `_version: 2` layout: key, then one text per
/// language) with the YAML parser rust-i18n itself uses.
fn locales() -> Locales {
    let dir = manifest_dir().join("assets/locales");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("assets/locales")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no locale files in {}", dir.display());
    let mut locales = Locales {
        texts: BTreeMap::new(),
        files: BTreeMap::new(),
    };
    for path in paths {
        let name = path.file_name().expect("a file name").to_string_lossy();
        let text = std::fs::read_to_string(&path).expect("a readable locale file");
        add_file(&mut locales, &name, &text).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    locales
}

/// Adds one locale file's texts; an error names what is wrong with it.
fn add_file(locales: &mut Locales, name: &str, text: &str) -> Result<(), String> {
    let mapping: serde_yaml::Mapping = serde_yaml::from_str(text).map_err(|e| e.to_string())?;
    for (key, value) in mapping {
        let key = key
            .as_str()
            .ok_or(format!("a key that is not text: {key:?}"))?;
        if key == "_version" {
            if value.as_u64() != Some(2) {
                return Err(format!("_version is {value:?}, not 2"));
            }
            continue;
        }
        if let Some(first) = locales.files.insert(key.to_owned(), name.to_owned()) {
            return Err(format!("{key} is also defined in {first}"));
        }
        let texts = value
            .as_mapping()
            .ok_or(format!("{key}: not a map of languages to texts"))?;
        for (lang, text) in texts {
            let lang = lang.as_str().ok_or(format!("{key}: a language {lang:?}"))?;
            let text = text
                .as_str()
                .ok_or(format!("{key}: the {lang} text is not a string: {text:?}"))?;
            locales
                .texts
                .entry(lang.to_owned())
                .or_default()
                .insert(key.to_owned(), text.to_owned());
        }
    }
    Ok(())
}

/// The `%{name}` placeholders of a text.
fn placeholders(text: &str) -> BTreeSet<String> {
    static PLACEHOLDER: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"%\{(\w+)\}").expect("a valid regex"));
    PLACEHOLDER
        .captures_iter(text)
        .map(|c| c[1].to_owned())
        .collect()
}

/// True for a Chinese character (CJK Unified Ideographs and Extension A).
fn is_cjk(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c) || ('\u{3400}'..='\u{4DBF}').contains(&c)
}

/// Every Rust file under `src/`, with its comment lines blanked (doc examples name no real key).
fn sources() -> Vec<(String, String)> {
    let mut files = Vec::new();
    let mut stack = vec![manifest_dir().join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("a readable source file");
                let code: Vec<&str> = text
                    .lines()
                    .map(|line| {
                        if line.trim_start().starts_with("//") {
                            ""
                        } else {
                            line
                        }
                    })
                    .collect();
                let name = path
                    .strip_prefix(manifest_dir())
                    .unwrap_or(&path)
                    .display()
                    .to_string();
                files.push((name, code.join("\n")));
            }
        }
    }
    files.sort();
    assert!(files.len() > 10, "only {} source files found", files.len());
    files
}

/// Where the code names a translation key: the first text of `lang.tr(…)`, `Lang::tr(lang, …)`,
/// and `t!(…)`, and any literal shaped like a key of a namespace the files use
/// (the `(choice, "gui.settings.theme_dark")` tables and `label_key` functions).
fn keys_named_in_code(namespaces: &BTreeSet<&str>) -> BTreeMap<String, String> {
    static CALL: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"(?:\.tr\(|\bLang::tr\([^,()"]+,|\bt!\()\s*"([^"\\]*)""#)
            .expect("a valid regex")
    });
    static KEY_SHAPED: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#""([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)""#).expect("a valid regex")
    });
    let mut keys = BTreeMap::new();
    for (file, code) in sources() {
        for captures in CALL.captures_iter(&code) {
            keys.insert(captures[1].to_owned(), file.clone());
        }
        for captures in KEY_SHAPED.captures_iter(&code) {
            let key = &captures[1];
            let namespace = key.split('.').next().unwrap_or_default();
            // Host names are key-shaped too ("meetings.feishu.cn" in the invitation reader).
            let host = key
                .rsplit('.')
                .next()
                .is_some_and(|tld| ["cn", "com", "us", "net", "org"].contains(&tld));
            if namespaces.contains(namespace) && !host {
                keys.insert(key.to_owned(), file.clone());
            }
        }
    }
    keys
}

/// A translation call with a literal key: the key and the names it fills.
struct Call {
    /// The file it is in.
    file: String,
    /// The key.
    key: String,
    /// The `name = value` arguments' names (not `locale`); `None` for `lang.tr(key)`.
    fills: Option<BTreeSet<String>>,
}

/// Every `t!("key", …)` and `.tr("key")` in `src/`.
fn calls_in_code() -> Vec<Call> {
    static START: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(\.tr|\bt!)\(").expect("a valid regex"));
    static LITERAL: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r#"^"([^"\\]*)"$"#).expect("a valid regex"));
    static NAMED: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^([A-Za-z_][A-Za-z0-9_]*)\s*=[^=]").expect("a valid regex"));
    let mut calls = Vec::new();
    for (file, code) in sources() {
        for start in START.captures_iter(&code) {
            let whole = start.get(0).expect("the match");
            let Some(args) = call_arguments(&code[whole.end()..]) else {
                continue;
            };
            let Some(key) = args.first().and_then(|a| LITERAL.captures(a)) else {
                continue;
            };
            let fills = (&start[1] == "t!").then(|| {
                args.iter()
                    .skip(1)
                    .filter_map(|arg| NAMED.captures(arg).map(|c| c[1].to_owned()))
                    .filter(|name| name != "locale")
                    .collect()
            });
            calls.push(Call {
                file: file.clone(),
                key: key[1].to_owned(),
                fills,
            });
        }
    }
    calls
}

/// The arguments of a call whose `(` was just read, split at top-level commas.
fn call_arguments(rest: &str) -> Option<Vec<String>> {
    let (mut depth, mut in_string, mut escaped) = (1usize, false, false);
    let (mut args, mut current) = (Vec::new(), String::new());
    for c in rest.chars() {
        if in_string {
            current.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => {
                depth -= 1;
                if depth == 0 {
                    args.push(current.trim().to_owned());
                    args.retain(|a| !a.is_empty());
                    return Some(args);
                }
            }
            ',' if depth == 1 => {
                args.push(current.trim().to_owned());
                current.clear();
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    None
}

#[test]
fn both_languages_have_the_same_keys() {
    let locales = locales();
    let langs: BTreeSet<&str> = locales.texts.keys().map(String::as_str).collect();
    let expected: BTreeSet<&str> = Lang::ALL.iter().map(|l| l.code()).collect();
    assert_eq!(langs, expected, "the languages of the files");
    let all = locales.all_keys();
    assert!(all.len() > 150, "only {} keys read", all.len());
    for lang in Lang::ALL {
        let missing: Vec<&&str> = all
            .iter()
            .filter(|key| locales.text(lang, key).is_none())
            .collect();
        assert!(
            missing.is_empty(),
            "no {} text for {missing:?}",
            lang.code()
        );
        let empty: Vec<&&str> = all
            .iter()
            .filter(|key| locales.text(lang, key).is_some_and(|t| t.trim().is_empty()))
            .collect();
        assert!(empty.is_empty(), "empty {} text for {empty:?}", lang.code());
    }
}

#[test]
fn every_key_the_code_names_has_a_text_in_both_languages() {
    let locales = locales();
    let all = locales.all_keys();
    let namespaces: BTreeSet<&str> = all.iter().filter_map(|k| k.split('.').next()).collect();
    let named = keys_named_in_code(&namespaces);
    assert!(
        named.len() > 120,
        "only {} keys found in the code",
        named.len()
    );
    let mut missing = Vec::new();
    for (key, file) in &named {
        for lang in Lang::ALL {
            if locales.text(lang, key).is_none_or(|t| t.trim().is_empty()) {
                missing.push(format!("{key} ({file}) has no {} text", lang.code()));
            }
        }
    }
    assert!(missing.is_empty(), "{missing:#?}");
}

#[test]
fn every_text_in_the_files_is_used() {
    let locales = locales();
    let all = locales.all_keys();
    let namespaces: BTreeSet<&str> = all.iter().filter_map(|k| k.split('.').next()).collect();
    let mut used: BTreeSet<String> = keys_named_in_code(&namespaces).into_keys().collect();
    used.extend(ErrorKind::ALL.iter().map(|kind| kind.message_key()));
    let unused: Vec<String> = all
        .iter()
        .filter(|key| !used.contains(**key))
        .map(|key| format!("{key} ({})", locales.files[*key]))
        .collect();
    assert!(unused.is_empty(), "texts no code names: {unused:#?}");
}

#[test]
fn every_error_kind_has_a_message_in_both_languages() {
    let locales = locales();
    let mut missing = Vec::new();
    for kind in ErrorKind::ALL {
        let key = kind.message_key();
        for lang in Lang::ALL {
            if locales.text(lang, &key).is_none_or(|t| t.trim().is_empty()) {
                missing.push(format!("{kind}: no {} text for {key}", lang.code()));
            }
        }
    }
    assert!(missing.is_empty(), "{missing:#?}");
    // Two kinds never share a message: each kind tells the user something different.
    for lang in Lang::ALL {
        let messages: BTreeSet<String> = ErrorKind::ALL.iter().map(|k| k.message(lang)).collect();
        assert_eq!(messages.len(), ErrorKind::ALL.len(), "{}", lang.code());
    }
}

#[test]
fn both_languages_have_the_same_placeholders() {
    let locales = locales();
    let mut wrong = Vec::new();
    for key in locales.all_keys() {
        let [en, zh] = [Lang::En, Lang::ZhCn].map(|lang| locales.text(lang, key));
        match (en, zh) {
            (Some(en), Some(zh)) if placeholders(en) == placeholders(zh) => {}
            (Some(en), Some(zh)) => wrong.push(format!(
                "{key}: en fills {:?}, zh-CN fills {:?}",
                placeholders(en),
                placeholders(zh)
            )),
            _ => wrong.push(format!("{key}: not in both languages")),
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn every_call_fills_exactly_the_placeholders_of_its_text() {
    let locales = locales();
    let calls = calls_in_code();
    assert!(calls.len() > 150, "only {} calls found", calls.len());
    let mut wrong = Vec::new();
    for call in &calls {
        let Some(en) = locales.text(Lang::En, &call.key) else {
            continue; // Reported by every_key_the_code_names_has_a_text_in_both_languages.
        };
        let wanted = placeholders(en);
        let filled = call.fills.clone().unwrap_or_default();
        if wanted != filled {
            wrong.push(format!(
                "{} in {}: the text has {wanted:?}, the call fills {filled:?}",
                call.key, call.file
            ));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn chinese_texts_are_chinese() {
    let locales = locales();
    let same: BTreeMap<&str, &str> = SAME_IN_BOTH.into_iter().collect();
    let mut wrong = Vec::new();
    for key in locales.all_keys() {
        let (Some(en), Some(zh)) = (locales.text(Lang::En, key), locales.text(Lang::ZhCn, key))
        else {
            wrong.push(format!("{key}: not in both languages"));
            continue;
        };
        let words = placeholders(en).iter().fold(en.to_owned(), |text, name| {
            text.replace(&format!("%{{{name}}}"), "")
        });
        let has_letters = words.chars().any(|c| c.is_ascii_alphabetic());
        let chinese = zh.chars().any(is_cjk);
        match (has_letters && !chinese, same.get(key)) {
            (true, None) => wrong.push(format!("{key}: the zh-CN text {zh:?} has no Chinese")),
            (false, Some(why)) => wrong.push(format!(
                "{key} is listed as the same in both ({why}) but is translated: drop it from SAME_IN_BOTH"
            )),
            _ => {}
        }
    }
    for key in same.keys() {
        if locales.text(Lang::En, key).is_none() {
            wrong.push(format!("{key} is listed in SAME_IN_BOTH but is not a key"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn rust_i18n_serves_the_texts_of_the_files() {
    let locales = locales();
    let mut wrong = Vec::new();
    for key in locales.all_keys() {
        for lang in Lang::ALL {
            let served = lang.tr(key);
            match locales.text(lang, key) {
                Some(text) if served == text => {}
                Some(text) => wrong.push(format!(
                    "{key} in {}: served {served:?}, file says {text:?}",
                    lang.code()
                )),
                None => wrong.push(format!(
                    "{key} in {}: not in the files (served {served:?})",
                    lang.code()
                )),
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn library_messages_are_the_files_texts_filled_in() {
    let locales = locales();
    let fill = |lang: Lang, key: &str, values: &[(&str, String)]| {
        let text = locales.text(lang, key).expect("a text").to_owned();
        values.iter().fold(text, |text, (name, value)| {
            text.replace(&format!("%{{{name}}}"), value)
        })
    };
    let (min, max) = (
        MeetingId::MIN_DIGITS.to_string(),
        MeetingId::MAX_DIGITS.to_string(),
    );
    for lang in Lang::ALL {
        let wrong_length = MeetingIdError::WrongLength {
            digits: "12345".into(),
            len: 5,
        };
        let expected = fill(
            lang,
            "meeting_id.error.wrong_length",
            &[
                ("digits", "12345".into()),
                ("len", "5".into()),
                ("min", min.clone()),
                ("max", max.clone()),
            ],
        );
        assert_eq!(wrong_length.message(lang), expected);

        let ambiguous = MeetingIdError::Ambiguous(vec!["914047175".into(), "123456789".into()]);
        let separator = locales
            .text(lang, "meeting_id.list_separator")
            .expect("a separator");
        let candidates = format!("914047175{separator}123456789");
        let expected = fill(
            lang,
            "meeting_id.error.ambiguous",
            &[("candidates", candidates)],
        );
        assert_eq!(ambiguous.message(lang), expected);

        let scheme = ServerError::Scheme("ftp".into());
        let expected = fill(lang, "server.scheme", &[("scheme", "ftp".into())]);
        assert_eq!(scheme.message(lang), expected);

        let mut limited = ApiError::new(ErrorKind::RateLimited);
        limited.retry_after = Some(Duration::from_secs(42));
        let wait = fill(lang, "error.wait.seconds", &[("s", "42".into())]);
        let expected = lang.join_sentences(
            &fill(lang, "error.rate_limited_short", &[]),
            &fill(lang, "error.retry_after", &[("time", wait)]),
        );
        assert_eq!(limited.message(lang), expected);
        // Said once: the message for a known wait does not also say "a moment" or "a while".
        let plain = fill(lang, &ErrorKind::RateLimited.message_key(), &[]);
        assert!(
            !limited.message(lang).contains(&plain),
            "{}",
            limited.message(lang)
        );
        let later = limited.message_waiting(lang, Some(Duration::from_secs(125)));
        let wait = fill(
            lang,
            "error.wait.minutes_seconds",
            &[("m", "2".into()), ("s", "5".into())],
        );
        assert!(later.contains(&wait), "{later}");
        let now = limited.message_waiting(lang, Some(Duration::ZERO));
        assert!(now.ends_with(&fill(lang, "error.retry_now", &[])), "{now}");
        // No space after a Chinese full stop.
        if lang == Lang::ZhCn {
            assert!(
                !limited.message(lang).contains("。 "),
                "{}",
                limited.message(lang)
            );
        }
    }
}

#[test]
fn a_key_defined_twice_is_caught() {
    let mut locales = Locales {
        texts: BTreeMap::new(),
        files: BTreeMap::new(),
    };
    let within = "_version: 2\na.b:\n  en: x\n  zh-CN: 甲\na.b:\n  en: y\n  zh-CN: 乙\n";
    assert!(add_file(&mut locales, "one.yml", within).is_err());
    let once = "_version: 2\na.c:\n  en: x\n  zh-CN: 甲\n";
    assert!(add_file(&mut locales, "one.yml", once).is_ok());
    let error = add_file(&mut locales, "two.yml", once).expect_err("defined twice");
    assert!(error.contains("one.yml"), "{error}");
}

/// Chinese sentences follow each other without a space after "。" (nor after "，", "：").
#[test]
fn no_space_after_chinese_punctuation() {
    let locales = locales();
    let mut wrong = Vec::new();
    for key in locales.all_keys() {
        if let Some(text) = locales.text(Lang::ZhCn, key)
            && ["。 ", "， ", "： ", "； "]
                .iter()
                .any(|p| text.contains(p))
        {
            wrong.push(format!("{key}: {text:?}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    // Joined sentences too.
    assert_eq!(Lang::ZhCn.join_sentences("一。", "二。"), "一。二。");
    assert_eq!(Lang::En.join_sentences("One.", "Two."), "One. Two.");
}

/// Two full-width punctuation marks side by side each bring their own half-width gap, which
/// reads as a doubled gap ("（RTC），是"): the Chinese texts never put two together (an
/// ellipsis "……" or a dash "——" is one mark), nor a space beside one.
#[test]
fn no_doubled_gap_around_full_width_punctuation() {
    const FULL_WIDTH: &str = "。，、；：？！）（《》「」『』【】“”‘’";
    let locales = locales();
    let mut wrong = Vec::new();
    for key in locales.all_keys() {
        let Some(text) = locales.text(Lang::ZhCn, key) else {
            continue;
        };
        let chars: Vec<char> = text.chars().collect();
        let doubled = chars.windows(2).any(|pair| {
            let marks = pair.iter().filter(|c| FULL_WIDTH.contains(**c)).count();
            let spaced = pair.contains(&' ');
            marks == 2 || (marks == 1 && spaced)
        });
        if doubled {
            wrong.push(format!("{key}: {text:?}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
