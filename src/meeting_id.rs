//! Pasted text -> meeting ID (digits), with reasons for rejection.
//!
//! [`MeetingId::parse`] accepts bare digits (`914 047 175`), a whole invitation in Chinese or
//! English, or a join link. It first normalises the text (full-width forms, odd spaces and
//! dashes, case), then looks, in this order, for:
//! 1. an ID after a label (`会议ID：`, `会议号`, `Meeting ID:`, `Conference ID` ...);
//! 2. an ID in a join link (`https://meeting.huaweicloud.com/#/j/914047175`);
//! 3. a text made only of digits, spaces and dashes: all its digits;
//! 4. free-standing digit groups that are not a date, a time, a phone number or a password.
//!
//! Before all that it looks for the signs of another service ([`crate::invitation`]): another
//! service's invitation gives [`MeetingIdError::OtherService`], never an ID; a text that also
//! holds a HUAWEI CLOUD Meeting join link takes its ID from that link alone.

use std::fmt;
use std::str::FromStr;

use rust_i18n::t;

use crate::i18n::Lang;
use crate::invitation::{OtherService, signs};

/// A meeting ID: only ASCII digits, 6 to 20 of them.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MeetingId(String);

impl MeetingId {
    /// The fewest digits a meeting ID has.
    pub const MIN_DIGITS: usize = 6;
    /// The most digits a meeting ID has.
    pub const MAX_DIGITS: usize = 20;

    /// Finds the meeting ID in pasted text: bare digits, an invitation or a join link.
    pub fn parse(text: &str) -> Result<MeetingId, MeetingIdError> {
        let normalized = normalize(text);
        let chars: Vec<char> = normalized.trim().chars().collect();
        if chars.is_empty() {
            return Err(MeetingIdError::Empty);
        }
        let signs = signs(&chars);
        if let Some(service) = signs.other {
            // A HUAWEI CLOUD Meeting link decides over another service's ID in the same text.
            if signs.huawei_links.is_empty() {
                return Err(MeetingIdError::OtherService(service));
            }
            return choose(signs.huawei_links.into_iter().map(|link| link.id).collect());
        }
        let labelled = labelled_candidates(&chars);
        if !labelled.is_empty() {
            return choose(labelled);
        }
        let linked = link_candidates(&chars);
        if !linked.is_empty() {
            return choose(linked);
        }
        if chars
            .iter()
            .all(|&c| c.is_ascii_digit() || c == ' ' || c == '-')
        {
            let digits: String = chars.iter().filter(|c| c.is_ascii_digit()).collect();
            if digits.is_empty() {
                return Err(MeetingIdError::NotFound);
            }
            return MeetingId::from_digits(digits);
        }
        choose(free_standing_candidates(&chars))
    }

    /// The digits, as sent to the service.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// For display: groups of three from the left, "914 047 175"; other lengths end in groups of four.
    pub fn grouped(&self) -> String {
        let len = self.0.len();
        // Every group has three or four digits: 7 = 3+4, 8 = 4+4, 11 = 3+4+4.
        let fours = match len % 3 {
            0 => 0,
            1 => 1,
            _ => 2,
        };
        let threes = len.saturating_sub(4 * fours) / 3;
        let sizes = std::iter::repeat_n(3, threes).chain(std::iter::repeat_n(4, fours));
        let mut groups = Vec::new();
        let mut rest = self.0.as_str();
        for size in sizes {
            let (group, tail) = rest.split_at_checked(size).unwrap_or((rest, ""));
            groups.push(group);
            rest = tail;
        }
        if !rest.is_empty() {
            groups.push(rest);
        }
        groups.join(" ")
    }

    /// Wraps `digits` (ASCII digits only) if their count is allowed.
    fn from_digits(digits: String) -> Result<MeetingId, MeetingIdError> {
        let len = digits.len();
        if (Self::MIN_DIGITS..=Self::MAX_DIGITS).contains(&len) {
            Ok(MeetingId(digits))
        } else {
            Err(MeetingIdError::WrongLength { digits, len })
        }
    }
}

impl FromStr for MeetingId {
    type Err = MeetingIdError;

    /// Same as [`MeetingId::parse`].
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        MeetingId::parse(text)
    }
}

impl TryFrom<String> for MeetingId {
    type Error = MeetingIdError;

    /// Same as [`MeetingId::parse`].
    fn try_from(text: String) -> Result<Self, Self::Error> {
        MeetingId::parse(&text)
    }
}

impl From<MeetingId> for String {
    /// The plain digits.
    fn from(id: MeetingId) -> String {
        id.0
    }
}

impl fmt::Display for MeetingId {
    /// The plain digits, "914047175".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why no meeting ID could be taken from a text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MeetingIdError {
    /// The text is empty or only whitespace.
    #[error("no meeting ID: the text is empty")]
    Empty,
    /// The text holds no meeting ID.
    #[error("no meeting ID found in the text")]
    NotFound,
    /// The text holds several different meeting IDs, in order of appearance.
    #[error("several different meeting IDs in the text: {}", .0.join(", "))]
    Ambiguous(Vec<String>),
    /// The one candidate has too few or too many digits.
    #[error("found {len} digits ({digits}), a meeting ID has 6 to 20")]
    WrongLength {
        /// The digits found.
        digits: String,
        /// How many digits were found.
        len: usize,
    },
    /// The text is another service's invitation (Tencent Meeting, Zoom ...): never sent.
    #[error("a {} invitation, not a HUAWEI CLOUD Meeting one", .0.id())]
    OtherService(OtherService),
}

impl MeetingIdError {
    /// One sentence for the user, in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        let min = MeetingId::MIN_DIGITS;
        let max = MeetingId::MAX_DIGITS;
        match self {
            MeetingIdError::Empty => lang.tr("meeting_id.error.empty"),
            MeetingIdError::NotFound => t!(
                "meeting_id.error.not_found",
                locale = lang.code(),
                min = min,
                max = max
            )
            .into_owned(),
            MeetingIdError::Ambiguous(candidates) => {
                let separator = lang.tr("meeting_id.list_separator");
                t!(
                    "meeting_id.error.ambiguous",
                    locale = lang.code(),
                    candidates = candidates.join(&separator)
                )
                .into_owned()
            }
            MeetingIdError::WrongLength { digits, len } => t!(
                "meeting_id.error.wrong_length",
                locale = lang.code(),
                digits = digits,
                len = len,
                min = min,
                max = max
            )
            .into_owned(),
            MeetingIdError::OtherService(service) => service.message(lang),
        }
    }
}

/// Labels that introduce a meeting ID, lowercase; a space stands for optional spaces.
/// Longer labels come first (`会议号码` before `会议号`).
const ID_LABELS: [&str; 6] = [
    "会议号码",
    "会议号",
    "会议 id",
    "meeting id",
    "meeting number",
    "conference id",
];

/// What may stand between an ID label and the digits: `会议ID：914…`, `会议号为 914…`.
const AFTER_ID_LABEL: [char; 6] = [' ', ':', '#', '=', '为', '是'];

/// Labels after which digits on the same line are not a meeting ID (phones, passwords).
const OTHER_LABELS: [&str; 19] = [
    "tel",
    "telephone",
    "phone",
    "mobile",
    "fax",
    "hotline",
    "dial",
    "password",
    "passcode",
    "pwd",
    "pin",
    "电话",
    "手机",
    "传真",
    "热线",
    "拨打",
    "拨号",
    "密码",
    "口令",
];

/// Maps full-width forms to ASCII, odd spaces to ' ', dashes to '-', line breaks to '\n', and lowercases.
fn normalize(text: &str) -> String {
    text.chars()
        .filter_map(normalize_char)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// One character as [`normalize`] maps it, case kept; `None` for an invisible one.
pub(crate) fn normalize_char(c: char) -> Option<char> {
    Some(match c {
        '\r' | '\u{2028}' | '\u{2029}' => '\n',
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' => return None,
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' => '-',
        '\u{2236}' | '\u{FE55}' => ':',
        c if c.is_whitespace() && c != '\n' => ' ',
        c => c,
    })
}

/// Labels that introduce a meeting password, lowercase; longer ones first.
const PASSWORD_LABELS: [&str; 9] = [
    "与会者密码",
    "会议密码",
    "入会密码",
    "来宾密码",
    "密码",
    "口令",
    "password",
    "passcode",
    "pwd",
];

/// What may stand between a password label and the password: `密码：123456`, `pwd=123456`.
const AFTER_PASSWORD_LABEL: [char; 6] = [' ', ':', '#', '=', '为', '是'];

/// Words just before a password label that make it the host's password, not a guest's.
const HOST_WORDS: [&str; 4] = ["主持人", "host", "chair", "moderator"];

/// The meeting password in a pasted invitation (`会议密码：123456`, `密码 123456`,
/// `Password: 123456`, `Passcode: 123456`), case kept. `None` when there is none, when it is
/// not a password at all (`密码：无`, `Password: required`: a password has a digit and 4 to 32
/// letters and digits), or when the text gives two different ones; a host's password is skipped.
/// Another service's invitation has no password here, even beside a HUAWEI CLOUD Meeting link:
/// its password must never be sent to this service.
pub fn invitation_password(text: &str) -> Option<String> {
    let kept: Vec<char> = text.chars().filter_map(normalize_char).collect();
    let lower: Vec<char> = kept.iter().map(char::to_ascii_lowercase).collect();
    if signs(&lower).other.is_some() {
        return None;
    }
    let mut found: Vec<String> = Vec::new();
    for at in 0..lower.len() {
        let Some(mut i) = PASSWORD_LABELS
            .iter()
            .find_map(|label| label_end(&lower, at, label))
        else {
            continue;
        };
        if host_word_before(&lower, at) {
            continue;
        }
        while lower
            .get(i)
            .is_some_and(|c| AFTER_PASSWORD_LABEL.contains(c))
        {
            i += 1;
        }
        let mut end = i;
        while kept.get(end).is_some_and(char::is_ascii_alphanumeric) {
            end += 1;
        }
        let candidate: String = kept[i..end].iter().collect();
        let shaped =
            (4..=32).contains(&candidate.len()) && candidate.chars().any(|c| c.is_ascii_digit());
        if shaped && !found.contains(&candidate) {
            found.push(candidate);
        }
    }
    match found.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

/// True if a host word ends within a few characters before `at` (`主持人密码`, `Host password`).
fn host_word_before(chars: &[char], at: usize) -> bool {
    let from = at.saturating_sub(12);
    let before: String = chars[from..at].iter().collect();
    let before = before.trim_end();
    HOST_WORDS.iter().any(|word| before.ends_with(word))
}

/// Digit groups joined by single spaces or dashes, like `914 047 175`, at `start..end`.
struct DigitRun {
    /// Index of the first digit.
    start: usize,
    /// Index just past the last digit.
    end: usize,
    /// The groups of digits, without separators.
    groups: Vec<String>,
}

impl DigitRun {
    /// All the digits, without separators.
    fn digits(&self) -> String {
        self.groups.concat()
    }
}

/// The index just past the digits that start at `at`.
fn digits_end(chars: &[char], at: usize) -> usize {
    let mut end = at;
    while chars.get(end).is_some_and(char::is_ascii_digit) {
        end += 1;
    }
    end
}

/// True if the digits at `at` are the first part of a time, date or number (`10:00`, `11/25`, `25日`).
fn starts_time_or_date(chars: &[char], at: usize) -> bool {
    let end = digits_end(chars, at);
    let next_is_digit = chars.get(end + 1).is_some_and(char::is_ascii_digit);
    match chars.get(end) {
        Some(':' | '/' | '.') => next_is_digit,
        Some(c) => "年月日时点分秒号".contains(*c),
        None => false,
    }
}

/// The run of digit groups starting at `at`, if a digit is there.
fn digit_run(chars: &[char], at: usize) -> Option<DigitRun> {
    if !chars.get(at).is_some_and(char::is_ascii_digit) {
        return None;
    }
    let mut groups = Vec::new();
    let mut group_start = at;
    loop {
        let end = digits_end(chars, group_start);
        groups.push(chars[group_start..end].iter().collect());
        let joins_next = matches!(chars.get(end), Some(' ' | '-'))
            && chars.get(end + 1).is_some_and(char::is_ascii_digit)
            && !starts_time_or_date(chars, end + 1);
        if !joins_next {
            return Some(DigitRun {
                start: at,
                end,
                groups,
            });
        }
        group_start = end + 1;
    }
}

/// True if `text` appears at `at`.
pub(crate) fn text_at(chars: &[char], at: usize, text: &str) -> bool {
    text.chars()
        .enumerate()
        .all(|(offset, expected)| chars.get(at + offset) == Some(&expected))
}

/// The index just past `label` if it starts at `at` as a whole word (a space in `label` matches any spaces).
pub(crate) fn label_end(chars: &[char], at: usize, label: &str) -> Option<usize> {
    let starts_word = label.starts_with(|c: char| c.is_ascii_alphabetic());
    if starts_word && at > 0 && chars.get(at - 1).is_some_and(char::is_ascii_alphanumeric) {
        return None;
    }
    let mut i = at;
    for (index, word) in label.split(' ').enumerate() {
        if index > 0 {
            while chars.get(i) == Some(&' ') {
                i += 1;
            }
        }
        if !text_at(chars, i, word) {
            return None;
        }
        i += word.chars().count();
    }
    let ends_word = !chars.get(i).is_some_and(char::is_ascii_alphabetic);
    ends_word.then_some(i)
}

/// Step 1: digits right after a meeting ID label.
fn labelled_candidates(chars: &[char]) -> Vec<String> {
    let mut found = Vec::new();
    for at in 0..chars.len() {
        let Some(mut i) = ID_LABELS
            .iter()
            .find_map(|label| label_end(chars, at, label))
        else {
            continue;
        };
        while chars.get(i).is_some_and(|c| AFTER_ID_LABEL.contains(c)) {
            i += 1;
        }
        if let Some(run) = digit_run(chars, i) {
            found.push(run.digits());
        }
    }
    found
}

/// Step 2: digits in join links, `…/#/j/914047175`.
fn link_candidates(chars: &[char]) -> Vec<String> {
    const LINK: &str = "#/j/";
    (0..chars.len())
        .filter(|&at| text_at(chars, at, LINK))
        .filter_map(|at| {
            let start = at + LINK.len();
            let end = digits_end(chars, start);
            (end > start).then(|| chars[start..end].iter().collect())
        })
        .collect()
}

/// Step 4: free-standing digit groups that look like a meeting ID.
fn free_standing_candidates(chars: &[char]) -> Vec<String> {
    let mut found = Vec::new();
    let mut at = 0;
    while at < chars.len() {
        match digit_run(chars, at) {
            Some(run) => {
                if looks_like_meeting_id(chars, &run) {
                    found.push(run.digits());
                }
                at = run.end;
            }
            None => at += 1,
        }
    }
    found
}

/// True if a free-standing run has the length and shape of a meeting ID and nothing marks it as something else.
fn looks_like_meeting_id(chars: &[char], run: &DigitRun) -> bool {
    let digits = run.digits();
    let shaped = run.groups.len() == 1 || run.groups.iter().all(|g| (3..=4).contains(&g.len()));
    (MeetingId::MIN_DIGITS..=MeetingId::MAX_DIGITS).contains(&digits.len())
        && shaped
        && !is_phone_number(&digits)
        && !glued_to_neighbours(chars, run)
        && !follows_other_label(chars, run.start)
}

/// True for a Chinese mobile number (`138 0013 8000`) or a 400/800 hotline (`400-888-0000`).
fn is_phone_number(digits: &str) -> bool {
    let mobile = digits.len() == 11 && matches!(digits.as_bytes(), [b'1', b'3'..=b'9', ..]);
    let hotline = digits.len() == 10 && (digits.starts_with("400") || digits.starts_with("800"));
    mobile || hotline
}

/// True if the run is part of something larger: a word, URL, time, date, decimal or `+86` phone.
fn glued_to_neighbours(chars: &[char], run: &DigitRun) -> bool {
    let at = |i: Option<usize>| i.and_then(|i| chars.get(i)).copied();
    let before = at(run.start.checked_sub(1));
    let before2 = at(run.start.checked_sub(2));
    let after = at(Some(run.end));
    let after2 = at(Some(run.end + 1));
    let glued_before = match before {
        Some(c) if c.is_ascii_alphabetic() => true,
        Some(
            '+' | '/' | '\\' | '.' | '=' | '#' | '@' | '_' | '%' | '$' | '&' | '?' | '~' | '*',
        ) => true,
        Some(':') => before2.is_some_and(|c| c.is_ascii_digit()),
        Some('-') => before2.is_some_and(|c| c.is_ascii_alphanumeric()),
        _ => false,
    };
    let glued_after = match after {
        Some(c) if c.is_ascii_alphabetic() => true,
        Some(c) if "/\\@_%年月日时点分秒号".contains(c) => true,
        Some(':' | '.' | '-' | ',') => after2.is_some_and(|c| c.is_ascii_alphanumeric()),
        _ => false,
    };
    glued_before || glued_after
}

/// True if a phone or password label precedes `start` on the same line.
fn follows_other_label(chars: &[char], start: usize) -> bool {
    let line_start = chars[..start]
        .iter()
        .rposition(|&c| c == '\n')
        .map_or(0, |i| i + 1);
    (line_start..start).any(|at| {
        OTHER_LABELS
            .iter()
            .any(|label| label_end(chars, at, label).is_some())
    })
}

/// Keeps the first of each candidate; one is the ID, several are ambiguous, none is not found.
fn choose(candidates: Vec<String>) -> Result<MeetingId, MeetingIdError> {
    let mut distinct: Vec<String> = Vec::new();
    for candidate in candidates {
        if !distinct.contains(&candidate) {
            distinct.push(candidate);
        }
    }
    if distinct.len() > 1 {
        return Err(MeetingIdError::Ambiguous(distinct));
    }
    match distinct.pop() {
        Some(digits) => MeetingId::from_digits(digits),
        None => Err(MeetingIdError::NotFound),
    }
}
