//! User-visible text in English and Simplified Chinese, from `assets/locales/*.yml`.
//!
//! A plain text is `lang.tr("key")`; a text with placeholders is filled by rust-i18n itself:
//! `rust_i18n::t!("key", locale = lang.code(), name = value)` replaces `%{name}`.

use serde::{Deserialize, Serialize};

/// A language meetjoin speaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Simplified Chinese.
    ZhCn,
}

impl Lang {
    /// Every supported language, in menu order.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::ZhCn];

    /// The locale code used in the translation files.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhCn => "zh-CN",
        }
    }

    /// Picks a language from a BCP 47 or POSIX tag (`zh_CN.UTF-8`, `zh-Hans`, `en-US`).
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let lower = tag.trim().to_ascii_lowercase();
        if lower.is_empty() || lower == "c" || lower == "posix" {
            return None;
        }
        if lower.starts_with("zh") {
            Some(Lang::ZhCn)
        } else {
            Some(Lang::En)
        }
    }

    /// The language of the user's environment (`LC_ALL`, `LC_MESSAGES`, `LANG`, then the OS), English if unknown.
    pub fn from_system() -> Lang {
        for var in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let Ok(value) = std::env::var(var)
                && let Some(lang) = Lang::from_tag(&value)
            {
                return lang;
            }
        }
        sys_locale::get_locale()
            .and_then(|tag| Lang::from_tag(&tag))
            .unwrap_or_default()
    }

    /// Two sentences one after the other: a space between them in English, none after a
    /// Chinese full stop ("请重试。请在 5 秒后重试。").
    pub fn join_sentences(self, first: &str, second: &str) -> String {
        match self {
            Lang::En => format!("{first} {second}"),
            Lang::ZhCn => format!("{first}{second}"),
        }
    }

    /// The text for `key` in this language (a text with `%{name}` placeholders: see the module).
    pub fn tr(self, key: &str) -> String {
        rust_i18n::t!(key, locale = self.code()).into_owned()
    }
}
