//! Pasted text -> meeting ID, through the public API only.

use meetjoin::{Invitation, Lang, MeetingId, MeetingIdError, OtherService, Site};
use proptest::prelude::*;
use secrecy::ExposeSecret;

/// 48 hex characters, as in `…/#/j/<id>/<hex>` links.
const HEX: &str = "7a3f9c2e1b4d8a6f0e5c3b2a1d9f8e7c6b5a4d3c2e1f0a9b";
/// 48 hex characters that start with a long run of digits.
const HEX_DIGITS_FIRST: &str = "123456789012abcdef0123456789abcdef0123456789abcd";

const CHINESE_INVITATION: &str = "张三 邀请您参加华为云会议
会议主题：2026 年第四季度产品规划评审
会议时间：2026年11月25日 10:00-11:00 (GMT+08:00) 北京
会议ID：914 047 175
会议密码：123456
点击链接入会，或添加至会议列表：
https://meeting.huaweicloud.com/#/j/914047175/7a3f9c2e1b4d8a6f0e5c3b2a1d9f8e7c6b5a4d3c2e1f0a9b
手机一键拨入：+86 10 1234 5678,,914047175#
根据您的位置拨号：
+86 10 1234 5678（中国大陆）
400-888-0000（全国免费）
如有问题请联系 138 0013 8000
";

const ENGLISH_INVITATION: &str = "John Smith is inviting you to a HUAWEI CLOUD Meeting.

Subject: Q4 Product Planning Review
Time: Nov 25, 2026 10:00 AM - 11:00 AM (GMT+08:00) Beijing
Date: 2026-11-25 (2026/11/25)
Meeting ID: 914 047 175
Password: 123456

Join the meeting:
https://www.meeting.huaweicloud.com/#/j/914047175/7a3f9c2e1b4d8a6f0e5c3b2a1d9f8e7c6b5a4d3c2e1f0a9b?lang=en-US

One tap mobile: +86 10 1234 5678,,914047175#
Dial by your location:
    +86 10 1234 5678 (Beijing)
    400-888-0000 (toll free)
Questions? Call 138 0013 8000.
";

/// What parsing a text should give.
fn ok(id: &str) -> Result<String, MeetingIdError> {
    Ok(id.to_owned())
}

fn ambiguous(ids: &[&str]) -> Result<String, MeetingIdError> {
    Err(MeetingIdError::Ambiguous(
        ids.iter().map(|id| id.to_string()).collect(),
    ))
}

fn wrong_length(digits: &str) -> Result<String, MeetingIdError> {
    Err(MeetingIdError::WrongLength {
        digits: digits.to_owned(),
        len: digits.len(),
    })
}

fn cases() -> Vec<(String, Result<String, MeetingIdError>)> {
    let not_found = Err(MeetingIdError::NotFound);
    let empty = Err(MeetingIdError::Empty);
    let id = "914047175";
    let table: Vec<(&str, Result<String, MeetingIdError>)> = vec![
        // Bare digits, with separators and odd whitespace.
        ("914047175", ok(id)),
        ("914 047 175", ok(id)),
        ("914-047-175", ok(id)),
        ("９１４０４７１７５", ok(id)),
        ("９１４　０４７　１７５", ok(id)),
        ("９１４－０４７－１７５", ok(id)),
        ("  914047175  ", ok(id)),
        ("\n\n914 047 175\r\n", ok(id)),
        ("\t914\t047\t175\t", ok(id)),
        ("914\u{a0}047\u{a0}175", ok(id)),
        ("914\u{2013}047\u{2014}175", ok(id)),
        ("\u{feff}914\u{200b}047175", ok(id)),
        ("914  047 - 175", ok(id)),
        ("123456", ok("123456")),
        ("12345678901234567890", ok("12345678901234567890")),
        ("400-888-0000", ok("4008880000")),
        // Labelled, Chinese and English, any case, full-width colons.
        ("会议ID：914 047 175", ok(id)),
        ("会议 ID: 914-047-175", ok(id)),
        ("会议号: 914047175", ok(id)),
        ("会议号码：914047175", ok(id)),
        ("会议号为 914047175", ok(id)),
        ("会议ＩＤ：９１４ ０４７ １７５", ok(id)),
        ("Meeting ID: 914 047 175", ok(id)),
        ("MEETING ID:914047175", ok(id)),
        ("meeting id 914047175", ok(id)),
        ("Conference ID: 914-047-175", ok(id)),
        ("Meeting number: 914047175", ok(id)),
        (
            "会议时间：2026-11-25 10:00-11:00\n会议ID：914 047 175\n会议密码：123456",
            ok(id),
        ),
        ("Password: 123456 Meeting ID: 914047175", ok(id)),
        ("会议ID：914 047 175\nMeeting ID: 914-047-175", ok(id)),
        // Join links.
        ("https://meeting.huaweicloud.com/#/j/914047175", ok(id)),
        ("http://meeting.huaweicloud.com/#/j/914047175", ok(id)),
        ("https://www.meeting.huaweicloud.com/#/j/914047175", ok(id)),
        (
            "https://meeting.huaweicloud.com/#/j/914047175?lang=zh-CN&x=1",
            ok(id),
        ),
        (
            "点击链接入会：https://meeting.huaweicloud.com/#/j/914047175/7a3f9c2e1b4d8a6f0e5c3b2a1d9f8e7c6b5a4d3c2e1f0a9b",
            ok(id),
        ),
        (
            "https://meeting.huaweicloud.com/#/j/914047175/123456789012abcdef0123456789abcdef0123456789abcd",
            ok(id),
        ),
        (
            "Join: https://meeting.huaweicloud.com/#/j/914047175 Password: 123456",
            ok(id),
        ),
        // Free-standing IDs among dates, times, phones and passwords.
        ("明天 10:00-11:00 开会，914 047 175，密码另行通知", ok(id)),
        (
            "2026/11/25 10:00 请加入 914-047-175 电话 138 0013 8000",
            ok(id),
        ),
        (
            "2026年11月25日 join 914047175 at 10:00, dial +86 10 1234 5678",
            ok(id),
        ),
        ("(914 047 175).", ok(id)),
        ("Phone: 400-888-0000\n914047175", ok(id)),
        // Full invitations.
        (CHINESE_INVITATION, ok(id)),
        (ENGLISH_INVITATION, ok(id)),
        // Empty.
        ("", empty.clone()),
        ("   ", empty.clone()),
        ("\n\t \u{3000}\u{a0}\r\n", empty.clone()),
        ("\u{200b}", empty),
        // Not found.
        ("hello", not_found.clone()),
        ("- - -", not_found.clone()),
        ("会议密码: 123456", not_found.clone()),
        ("Password: 123456", not_found.clone()),
        ("2026-11-25 10:00-11:00", not_found.clone()),
        ("2026/11/25", not_found.clone()),
        ("2026年11月25日 10:00", not_found.clone()),
        ("+86 10 1234 5678", not_found.clone()),
        ("Call 400-888-0000", not_found.clone()),
        ("mobile 138 0013 8000", not_found.clone()),
        ("https://example.com/rooms/914047175", not_found.clone()),
        ("code ABC914047175", not_found.clone()),
        ("Meeting ID: to be announced", not_found),
        // Ambiguous.
        (
            "914047175 or 123456789",
            ambiguous(&["914047175", "123456789"]),
        ),
        (
            "914047175\n123456789\n914 047 175",
            ambiguous(&["914047175", "123456789"]),
        ),
        (
            "会议ID：914047175\nMeeting ID: 123 456 789",
            ambiguous(&["914047175", "123456789"]),
        ),
        (
            "https://meeting.huaweicloud.com/#/j/914047175 https://meeting.huaweicloud.com/#/j/123456789",
            ambiguous(&["914047175", "123456789"]),
        ),
        // Wrong length.
        ("12345", wrong_length("12345")),
        ("123 45", wrong_length("12345")),
        (
            "123456789012345678901",
            wrong_length("123456789012345678901"),
        ),
        ("会议ID：12345", wrong_length("12345")),
        (
            "https://meeting.huaweicloud.com/#/j/12345",
            wrong_length("12345"),
        ),
    ];
    table
        .into_iter()
        .map(|(input, expected)| (input.to_owned(), expected))
        .collect()
}

#[test]
fn parses_the_table() {
    let cases = cases();
    assert!(cases.len() >= 40, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for (input, expected) in &cases {
        let got = MeetingId::parse(input).map(|id| id.as_str().to_owned());
        if &got != expected {
            failures.push(format!("{input:?}: got {got:?}, expected {expected:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn link_parts_are_well_formed() {
    assert_eq!(HEX.len(), 48);
    assert_eq!(HEX_DIGITS_FIRST.len(), 48);
    assert!(CHINESE_INVITATION.contains(HEX));
    assert!(ENGLISH_INVITATION.contains(HEX));
}

#[test]
fn from_str_display_and_grouping() {
    let id: MeetingId = "会议ID：914 047 175".parse().unwrap();
    assert_eq!(id.as_str(), "914047175");
    assert_eq!(id.to_string(), "914047175");
    assert_eq!(id.grouped(), "914 047 175");
    let grouped = |digits: &str| MeetingId::parse(digits).unwrap().grouped();
    assert_eq!(grouped("123456"), "123 456");
    assert_eq!(grouped("1234567"), "123 4567");
    assert_eq!(grouped("12345678"), "1234 5678");
    assert_eq!(grouped("1234567890"), "123 456 7890");
    assert_eq!(grouped("12345678901"), "123 4567 8901");
    assert_eq!(grouped("123456789012"), "123 456 789 012");
    assert_eq!(grouped("12345678901234567890"), "123 456 789 012 3456 7890");
    assert_eq!(
        MeetingId::try_from("914-047-175".to_owned()),
        Ok(id.clone())
    );
    assert_eq!(String::from(id), "914047175");
}

#[test]
fn serde_is_a_plain_validated_string() {
    let id = MeetingId::parse("914047175").unwrap();
    let json = serde_json::to_string(&id).unwrap();
    assert_eq!(json, "\"914047175\"");
    assert_eq!(serde_json::from_str::<MeetingId>(&json).unwrap(), id);
    assert!(serde_json::from_str::<MeetingId>("\"12345\"").is_err());
    assert!(serde_json::from_str::<MeetingId>("\"hello\"").is_err());
    assert!(serde_json::from_str::<MeetingId>("914047175").is_err());
}

#[test]
fn every_message_is_translated() {
    let errors = [
        MeetingIdError::Empty,
        MeetingIdError::NotFound,
        MeetingIdError::Ambiguous(vec!["914047175".into(), "123456789".into()]),
        MeetingIdError::WrongLength {
            digits: "12345".into(),
            len: 5,
        },
        MeetingIdError::OtherService(OtherService::TencentMeeting),
    ];
    let mut seen = Vec::new();
    for error in &errors {
        let en = error.message(Lang::En);
        let zh = error.message(Lang::ZhCn);
        for text in [&en, &zh] {
            assert!(!text.trim().is_empty(), "{error:?}");
            assert!(!text.contains("meeting_id."), "missing key: {text}");
            assert!(!text.contains("%{"), "unfilled placeholder: {text}");
            assert!(!seen.contains(text), "repeated message: {text}");
            seen.push(text.clone());
        }
        assert_ne!(en, zh, "{error:?}");
        assert!(
            zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{zh}"
        );
        assert!(!error.to_string().is_empty());
    }
    for lang in Lang::ALL {
        let ambiguous = errors[2].message(lang);
        assert!(ambiguous.contains("914047175") && ambiguous.contains("123456789"));
        let wrong = errors[3].message(lang);
        for part in ["5", "12345", "6", "20"] {
            assert!(wrong.contains(part), "{wrong} lacks {part}");
        }
    }
}

proptest! {
    #[test]
    fn parse_never_panics(text in any::<String>()) {
        let _ = MeetingId::parse(&text);
    }

    #[test]
    fn parse_never_panics_on_digit_soup(text in "[0-9 :/#j+\\-.年月日\n会议号ID密码a-f]{0,60}") {
        let _ = MeetingId::parse(&text);
    }

    #[test]
    fn digits_parse_to_themselves(digits in "[0-9]{6,20}") {
        let id = MeetingId::parse(&digits).unwrap();
        prop_assert_eq!(id.as_str(), digits.as_str());
    }

    #[test]
    fn separators_are_ignored(
        parts in proptest::collection::vec(("[0-9]", "[ \\-]{0,2}"), 6..=20),
        lead in "[ \t\n]{0,2}",
        trail in "[ \t\n]{0,2}",
    ) {
        let digits: String = parts.iter().map(|(digit, _)| digit.as_str()).collect();
        let body: String = parts.iter().map(|(digit, sep)| format!("{digit}{sep}")).collect();
        let text = format!("{lead}{body}{trail}");
        let id = MeetingId::parse(&text).unwrap();
        prop_assert_eq!(id.as_str(), digits.as_str());
    }

    #[test]
    fn full_width_digits_parse(digits in "[0-9]{6,20}") {
        let wide: String = digits
            .chars()
            .filter_map(|c| char::from_u32(u32::from(c) + 0xFEE0))
            .collect();
        let id = MeetingId::parse(&wide).unwrap();
        prop_assert_eq!(id.as_str(), digits.as_str());
    }

    #[test]
    fn display_and_grouped_round_trip(digits in "[0-9]{6,20}") {
        let id = MeetingId::parse(&digits).unwrap();
        prop_assert_eq!(MeetingId::parse(&id.to_string()).unwrap(), id.clone());
        prop_assert_eq!(MeetingId::parse(&id.grouped()).unwrap(), id);
    }
}

// What every parse promises, and IDs as people write them inside whole invitations. Like the
// properties above, each runs 256 cases; `PROPTEST_CASES=1000000 cargo test --release --test
// meeting_id` runs a million (proptest reads the variable in `ProptestConfig::default`). No
// strategy rejects cases, so any count runs without hitting proptest's reject limits.

/// Lines found around a meeting ID in invitations: dates, times, phones, passwords, none of
/// them a meeting ID.
const FILLER_LINES: [&str; 15] = [
    "",
    "张三 邀请您参加华为云会议",
    "会议主题：2026 年第四季度产品规划评审",
    "会议时间：2026年11月25日 10:00-11:00 (GMT+08:00) 北京",
    "会议密码：123456",
    "手机一键拨入：+86 10 1234 5678",
    "400-888-0000（全国免费）",
    "如有问题请联系 138 0013 8000",
    "John Smith is inviting you to a HUAWEI CLOUD Meeting.",
    "Subject: Q4 Product Planning Review",
    "Time: Nov 25, 2026 10:00 AM - 11:00 AM (GMT+08:00) Beijing",
    "Date: 2026-11-25 (2026/11/25)",
    "Password: 123456",
    "    +86 10 1234 5678 (Beijing)",
    "Questions? Call 138 0013 8000.",
];

/// Labels people put before a meeting ID.
const LABELS: [&str; 13] = [
    "会议ID：",
    "会议ID:",
    "会议 ID：",
    "会议ＩＤ：",
    "会议号：",
    "会议号码：",
    "会议号为 ",
    "Meeting ID: ",
    "MEETING ID:",
    "meeting id ",
    "Meeting ID：",
    "Conference ID: ",
    "Meeting number: ",
];

/// What may stand between two digits of a written ID: nothing, a space or a dash of any kind,
/// or a zero-width space.
const DIGIT_SEPARATORS: [&str; 10] = [
    "", "", " ", "-", "\u{a0}", "\u{3000}", "\u{2013}", "\u{ff0d}", "\u{2212}", "\u{200b}",
];

/// Lines of filler text, any number of them in any order.
fn filler() -> impl Strategy<Value = Vec<&'static str>> {
    proptest::collection::vec(proptest::sample::select(&FILLER_LINES[..]), 0..5)
}

/// A digit in ASCII or full-width.
fn widen(digit: char, wide: bool) -> char {
    if wide {
        char::from_u32(u32::from(digit) + 0xFEE0).unwrap_or(digit)
    } else {
        digit
    }
}

/// `digits` written with a separator (maybe none) before each digit but the first, each digit
/// in ASCII or full-width.
fn written(digits: &str, separators: &[&str], wide: &[bool]) -> String {
    let mut text = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 {
            text.push_str(separators[i % separators.len()]);
        }
        text.push(widen(digit, wide[i % wide.len()]));
    }
    text
}

/// The digits of a meeting ID and the ways to write each of them.
fn id_as_written(
    digits: &'static str,
) -> impl Strategy<Value = (String, Vec<&'static str>, Vec<bool>)> {
    (
        digits,
        proptest::collection::vec(proptest::sample::select(&DIGIT_SEPARATORS[..]), 20),
        proptest::collection::vec(any::<bool>(), 20),
    )
}

/// Checks what any parse result promises: an ID is 6 to 20 ASCII digits and parses back to
/// itself, grouped or not; each error holds what it says.
fn check_outcome(
    text: &str,
    parsed: &Result<MeetingId, MeetingIdError>,
) -> Result<(), TestCaseError> {
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let blank = text.chars().all(|c| {
        c.is_whitespace() || matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
    });
    prop_assert_eq!(blank, parsed == &Err(MeetingIdError::Empty), "{:?}", text);
    match parsed {
        Ok(id) => {
            prop_assert!(all_digits(id.as_str()), "{:?} from {:?}", id, text);
            let len = id.as_str().len();
            prop_assert!((MeetingId::MIN_DIGITS..=MeetingId::MAX_DIGITS).contains(&len));
            prop_assert_eq!(&MeetingId::parse(id.as_str()), &Ok(id.clone()));
            prop_assert_eq!(&MeetingId::parse(&id.grouped()), &Ok(id.clone()));
        }
        Err(MeetingIdError::Empty | MeetingIdError::NotFound | MeetingIdError::OtherService(_)) => {
        }
        Err(MeetingIdError::Ambiguous(candidates)) => {
            prop_assert!(candidates.len() >= 2, "{:?}", candidates);
            for (i, candidate) in candidates.iter().enumerate() {
                prop_assert!(all_digits(candidate), "{:?}", candidates);
                prop_assert!(!candidates[..i].contains(candidate), "{:?}", candidates);
            }
        }
        Err(MeetingIdError::WrongLength { digits, len }) => {
            prop_assert!(all_digits(digits), "{:?}", digits);
            prop_assert_eq!(*len, digits.len());
            prop_assert!(!(MeetingId::MIN_DIGITS..=MeetingId::MAX_DIGITS).contains(len));
        }
    }
    Ok(())
}

proptest! {
    #[test]
    fn any_text_gives_a_valid_id_or_a_reason(text in any::<String>()) {
        check_outcome(&text, &MeetingId::parse(&text))?;
    }

    #[test]
    fn digit_soup_gives_a_valid_id_or_a_reason(
        text in "[0-9０-９ :：/#j+\\-－.年月日\n会议号ID密码a-f\u{a0}\u{3000}\u{200b}]{0,60}",
    ) {
        check_outcome(&text, &MeetingId::parse(&text))?;
    }

    #[test]
    fn invitation_soup_gives_a_valid_id_or_a_reason(
        before in filler(),
        middle in "[0-9 \\-]{0,24}",
        label in proptest::option::of(proptest::sample::select(&LABELS[..])),
        after in filler(),
    ) {
        let text = format!(
            "{}\n{}{middle}\n{}",
            before.join("\n"),
            label.unwrap_or(""),
            after.join("\n")
        );
        check_outcome(&text, &MeetingId::parse(&text))?;
    }

    #[test]
    fn a_labelled_id_is_found_in_any_invitation(
        (digits, separators, wide) in id_as_written("[0-9]{6,20}"),
        label in proptest::sample::select(&LABELS[..]),
        before in filler(),
        after in filler(),
        link in any::<bool>(),
        tail in proptest::sample::select(&["", " ", "（请勿外传）", " (Beijing)", "。"][..]),
    ) {
        let line = format!("{label}{}{tail}", written(&digits, &separators, &wide));
        let mut lines = before;
        lines.push(&line);
        let link_line = format!("https://meeting.huaweicloud.com/#/j/{digits}");
        if link {
            lines.push(&link_line);
        }
        lines.extend(after);
        let text = lines.join("\n");
        let parsed = MeetingId::parse(&text);
        prop_assert_eq!(parsed.as_ref().map(MeetingId::as_str), Ok(digits.as_str()), "{}", text);
        check_outcome(&text, &parsed)?;
    }

    #[test]
    fn a_nine_digit_id_is_found_among_dates_phones_and_passwords(
        digits in "[0-9]{9}",
        separator in proptest::sample::select(&["", " ", "-", "\u{a0}", "\u{3000}", "\u{2013}"][..]),
        wide in any::<bool>(),
        line in proptest::sample::select(
            &["{}", "请加入 {}", "Join {} at 10:00", "({}).", "会议：{}，密码另行通知"][..],
        ),
        before in filler(),
        after in filler(),
    ) {
        let id: String = digits
            .as_bytes()
            .chunks(3)
            .map(|group| group.iter().map(|&d| widen(char::from(d), wide)).collect::<String>())
            .collect::<Vec<_>>()
            .join(separator);
        let line = line.replace("{}", &id);
        let mut lines = before;
        lines.push(&line);
        lines.extend(after);
        let text = lines.join("\n");
        let parsed = MeetingId::parse(&text);
        prop_assert_eq!(parsed.as_ref().map(MeetingId::as_str), Ok(digits.as_str()), "{}", text);
        check_outcome(&text, &parsed)?;
    }
}

/// The password of a pasted invitation, in the forms people paste.
#[test]
fn the_password_of_an_invitation_is_found() {
    use meetjoin::meeting_id::invitation_password;
    let cases: &[(&str, Option<&str>)] = &[
        (CHINESE_INVITATION, Some("123456")),
        (ENGLISH_INVITATION, Some("123456")),
        ("会议ID：914 047 175\n会议密码：123456", Some("123456")),
        ("会议ID：914 047 175\n会议密码:123456", Some("123456")),
        ("会议号 914047175 密码 654321", Some("654321")),
        ("入会密码为 112233", Some("112233")),
        ("来宾密码：８８６６９９", Some("886699")),
        ("Meeting ID: 914 047 175\nPassword: 123456", Some("123456")),
        (
            "Meeting ID: 914 047 175\nMeeting password: 123456",
            Some("123456"),
        ),
        ("Meeting ID: 914 047 175\nPasscode: 98a7B6", Some("98a7B6")),
        ("PASSCODE 445566", Some("445566")),
        (
            "https://meeting.huaweicloud.com/#/j/914047175?pwd=778899",
            Some("778899"),
        ),
        // No password, or words where one would be.
        ("会议ID：914 047 175", None),
        ("会议密码：无", None),
        ("Password: none", None),
        ("Password: required", None),
        ("密码：12", None),
        ("914 047 175", None),
        ("", None),
        // The host's password is not the guest's.
        ("主持人密码：111222\n来宾密码：333444", Some("333444")),
        (
            "Host password: 111222\nGuest password: 333444",
            Some("333444"),
        ),
        ("Host passcode: 111222", None),
        // Two different passwords: no guess.
        ("密码：123456\n密码：654321", None),
        // The same password twice is one.
        ("会议密码：123456\n密码 123456", Some("123456")),
    ];
    for (text, expected) in cases {
        assert_eq!(
            invitation_password(text).as_deref(),
            *expected,
            "password of {text:?}"
        );
    }
}

/// 33 letters and digits, as in newer `…/#/j/<id>/<suffix>` links.
const SUFFIX_33: &str = "xEEsAoCaA2QTqpOoast0vQj8VMtbYo9Mq";
/// Another 48-hex suffix.
const HEX_2: &str = "040ee979b8d2bfd591920b7f499aee25f0ef0f3e2f047cb1";

/// What reading an invitation should give.
enum Read {
    /// A HUAWEI CLOUD Meeting: the ID, the password written in the text, and the link found
    /// (its site and the https link Join would open), if any.
    Huawei {
        id: &'static str,
        password: Option<&'static str>,
        link: Option<(Site, String)>,
    },
    /// Another service's invitation.
    Other(OtherService),
}

fn huawei(id: &'static str, password: Option<&'static str>, link: Option<(Site, String)>) -> Read {
    Read::Huawei { id, password, link }
}

fn link(site: Site, host: &str, id: &str, suffix: Option<&str>) -> Option<(Site, String)> {
    let suffix = suffix.map(|s| format!("/{s}")).unwrap_or_default();
    Some((site, format!("https://{host}/#/j/{id}{suffix}")))
}

/// Invitations as people receive them (API.md section 8): HUAWEI CLOUD Meeting's own, with and
/// without a password or a link suffix, on both sites, and every other service's, in Chinese
/// and in English.
fn invitations() -> Vec<(String, Read)> {
    use OtherService::*;
    let china = Site::China;
    let intl = Site::International;
    vec![
        // HUAWEI CLOUD Meeting, as the organiser copies it.
        (
            CHINESE_INVITATION.to_owned(),
            huawei("914047175", Some("123456"), link(china, "meeting.huaweicloud.com", "914047175", Some(HEX))),
        ),
        (
            ENGLISH_INVITATION.to_owned(),
            huawei("914047175", Some("123456"), link(china, "www.meeting.huaweicloud.com", "914047175", Some(HEX))),
        ),
        (
            "王五 邀请您参加华为云会议\n会议主题：周例会\n会议时间：2026年12月7日 14:00-15:00 (GMT+08:00) 北京\n\
             会议ID：960 338 114\n点击链接入会，或添加至会议列表：\nhttps://meeting.huaweicloud.com/#/j/960338114\n"
                .to_owned(),
            huawei("960338114", None, link(china, "meeting.huaweicloud.com", "960338114", None)),
        ),
        (
            format!(
                "王五 邀请您参加华为云会议\n会议主题：项目启动会\n会议时间：2026-12-08 09:30-10:30 (GMT+08:00)\n\
                 会议ID：987 654 321\n点击链接入会：\nhttps://bmeeting.huaweicloud.com/#/j/987654321/{SUFFIX_33}\n"
            ),
            huawei("987654321", None, link(china, "bmeeting.huaweicloud.com", "987654321", Some(SUFFIX_33))),
        ),
        (
            format!(
                "Anna Müller is inviting you to a HUAWEI CLOUD Meeting.\nSubject: EMEA partner sync\n\
                 Time: Dec 8, 2026 16:00 - 17:00 (GMT+01:00) Berlin\nMeeting ID: 931 550 672\n\
                 Meeting password: 482913\nJoin: https://intl.meeting.huaweicloud.com/#/j/931550672/{HEX_2}\n"
            ),
            huawei("931550672", Some("482913"), link(intl, "intl.meeting.huaweicloud.com", "931550672", Some(HEX_2))),
        ),
        (
            "Join my meeting: https://intl.meeting.huaweicloud.com/#/j/931550672".to_owned(),
            huawei("931550672", None, link(intl, "intl.meeting.huaweicloud.com", "931550672", None)),
        ),
        (
            format!("Meeting ID: 914 047 175\nPasscode: 7Hq2x9\nhttps://c.meeting.huaweicloud.com/#/j/914047175/{SUFFIX_33}"),
            huawei("914047175", Some("7Hq2x9"), link(china, "c.meeting.huaweicloud.com", "914047175", Some(SUFFIX_33))),
        ),
        (
            "会议号：914047175\n入会密码：556677\nhttps://meeting.huaweicloud.com/#/j/914047175".to_owned(),
            huawei("914047175", Some("556677"), link(china, "meeting.huaweicloud.com", "914047175", None)),
        ),
        (
            "会议ID：914 047 175\n主持人密码：111222\n来宾密码：333444".to_owned(),
            huawei("914047175", Some("333444"), None),
        ),
        (
            "https://meeting.huaweicloud.com/#/j/914047175?pwd=778899".to_owned(),
            huawei("914047175", Some("778899"), link(china, "meeting.huaweicloud.com", "914047175", None)),
        ),
        (
            format!("https://meeting.huaweicloud.com/#/j/987654321/{HEX_2}"),
            huawei("987654321", None, link(china, "meeting.huaweicloud.com", "987654321", Some(HEX_2))),
        ),
        (
            format!(
                "点击链接入会：https://meeting.huaweicloud.com/#/j/914047175\n\
                 或：https://meeting.huaweicloud.com/#/j/914047175/{SUFFIX_33}"
            ),
            huawei("914047175", None, link(china, "meeting.huaweicloud.com", "914047175", Some(SUFFIX_33))),
        ),
        (
            "会议ID：914 047 175\n会议密码：无".to_owned(),
            huawei("914047175", None, None),
        ),
        // A service named in the subject decides nothing.
        (
            "张三 邀请您参加华为云会议\n会议主题：腾讯会议：迁移复盘\n会议ID：914 047 175\n会议密码：123456".to_owned(),
            huawei("914047175", Some("123456"), None),
        ),
        (
            "Subject: Join Zoom Meeting retrospective\nMeeting ID: 914 047 175\nPassword: 123456".to_owned(),
            huawei("914047175", Some("123456"), None),
        ),
        // A HUAWEI CLOUD Meeting link beside another service's ID: the link decides, and the
        // other service's password is not taken.
        (
            "#腾讯会议：382-197-699\n会议密码：1234\n华为云会议备用链接：https://meeting.huaweicloud.com/#/j/914047175".to_owned(),
            huawei("914047175", None, link(china, "meeting.huaweicloud.com", "914047175", None)),
        ),
        // Tencent Meeting and VooV.
        (
            "张三 邀请您参加腾讯会议\n会议主题：张三的快速会议\n\
             会议时间：2026/12/08 10:00-11:00 (GMT+08:00) 中国标准时间 - 北京\n\n\
             点击链接入会，或添加至会议列表：\nhttps://meeting.tencent.com/dm/8mKJ2aQzX1fE\n\n\
             #腾讯会议：382-197-699\n会议密码：1234\n\n手机一键拨号入会\n\
             +8675536550000,,382197699#,,#,1234# (中国大陆)\n"
                .to_owned(),
            Read::Other(TencentMeeting),
        ),
        ("#腾讯会议：382-197-699".to_owned(), Read::Other(TencentMeeting)),
        (
            "Zhang San invites you to a Tencent Meeting\n#Tencent Meeting: 382-197-699\nMeeting Password: 1234"
                .to_owned(),
            Read::Other(TencentMeeting),
        ),
        ("腾讯会议：382 197 699\n密码：1234".to_owned(), Read::Other(TencentMeeting)),
        (
            "Zhang San invites you to a VooV Meeting\nMeeting Topic: Weekly sync\n\
             Time: 2026/12/08 10:00-11:00 (GMT+08:00) China Standard Time - Beijing\n\n\
             Click the link to join or add to your meeting list:\nhttps://voovmeeting.com/dm/a1B2c3D4e5F6\n\n\
             #VooV Meeting: 382-197-699\nMeeting Passcode: 1234\n"
                .to_owned(),
            Read::Other(VooVMeeting),
        ),
        // Zoom, WeLink on Zoom, Zhumu.
        (
            "John Smith is inviting you to a scheduled Zoom meeting.\n\nTopic: Q4 Planning\n\
             Time: Dec 8, 2026 10:00 AM Beijing, Shanghai\n\nJoin Zoom Meeting\n\
             https://us02web.zoom.us/j/88141469208?pwd=aBcDeFgHiJkLmNoPqRsTuVwXyZ.1\n\n\
             Meeting ID: 881 4146 9208\nPasscode: 123456\n"
                .to_owned(),
            Read::Other(Zoom),
        ),
        (
            "张三 正在邀请您参加预先安排的 Zoom 会议。\n\n主题：季度规划\n时间：2026年12月8日 10:00 上午 北京，上海\n\n\
             加入 Zoom 会议\nhttps://zoom.com.cn/j/88141469208?pwd=abc\n\n会议号：881 4146 9208\n密码：123456\n"
                .to_owned(),
            Read::Other(Zoom),
        ),
        (
            "Join Zoom Meeting\nMeeting ID: 881 4146 9208\nPasscode: 123456".to_owned(),
            Read::Other(Zoom),
        ),
        (
            "WeLink 会议\n会议号：987 6543 2101\nhttps://welink-meeting.zoom.us/j/98765432101".to_owned(),
            Read::Other(Zoom),
        ),
        (
            "会议号：654 321 987\n点击入会：https://welink.zhumu.com/j/654321987".to_owned(),
            Read::Other(Zhumu),
        ),
        // Feishu and Lark.
        (
            "李四 邀请你加入飞书视频会议\n会议主题：设计评审\n会议时间：2026年12月8日 14:00-15:00 (GMT+8)\n\n\
             点击链接直接加入会议：\nhttps://vc.feishu.cn/j/123456789\n\n会议 ID：123 456 789\n"
                .to_owned(),
            Read::Other(Feishu),
        ),
        ("飞书视频会议\n会议 ID：123 456 789".to_owned(), Read::Other(Feishu)),
        (
            "Li Si invited you to a Lark video meeting\nMeeting topic: Design review\n\
             Time: Dec 8, 2026 14:00-15:00 (GMT+8)\nJoin: https://vc.larksuite.com/j/123456789\n\
             Meeting ID: 123 456 789\n"
                .to_owned(),
            Read::Other(Lark),
        ),
        // DingTalk.
        (
            "王五 邀请您参加钉钉会议\n会议主题：月度复盘\n会议时间：12月8日 周二 15:00-16:00\n\
             会议链接：https://meeting.dingtalk.com/j/AbCdEf12345\n会议号：234 567 890\n"
                .to_owned(),
            Read::Other(DingTalk),
        ),
        ("钉钉会议 会议号：234 567 890".to_owned(), Read::Other(DingTalk)),
        // Microsoft Teams.
        (
            "________________________________________________________________________________\n\
             Microsoft Teams meeting\nJoin on your computer, mobile app or room device\n\
             Click here to join the meeting<https://teams.microsoft.com/l/meetup-join/19%3ameeting_NjE5ZTc0%40thread.v2/0?context=%7b%22Tid%22%3a%22a1b2%22%7d>\n\
             Meeting ID: 234 567 890 123\nPasscode: aBc123\n"
                .to_owned(),
            Read::Other(MicrosoftTeams),
        ),
        (
            "Microsoft Teams 会议\n在计算机、移动应用或会议室设备上加入\n会议 ID: 234 567 890 123\n密码: aBc123".to_owned(),
            Read::Other(MicrosoftTeams),
        ),
        // Webex.
        (
            "Join Webex meeting\nhttps://acme.webex.com/acme/j.php?MTID=m1234567890abcdef\n\
             Meeting number (access code): 2634 123 4567\nMeeting password: Abc123\n"
                .to_owned(),
            Read::Other(Webex),
        ),
        (
            "加入 Webex 会议\n会议号：2634 123 4567\n会议密码：Abc123".to_owned(),
            Read::Other(Webex),
        ),
        // Google Meet.
        (
            "Q4 planning\nTuesday, December 8 · 10:00 – 11:00am\nTime zone: Asia/Shanghai\n\
             Google Meet joining info\nVideo call link: https://meet.google.com/abc-defg-hij\n\
             Or dial: (US) +1 650-123-4567 PIN: 123 456 789#\n"
                .to_owned(),
            Read::Other(GoogleMeet),
        ),
        ("https://meet.google.com/abc-defg-hij".to_owned(), Read::Other(GoogleMeet)),
    ]
}

#[test]
fn invitations_as_they_really_arrive() {
    use meetjoin::meeting_id::invitation_password;
    assert_eq!(SUFFIX_33.len(), 33);
    assert_eq!(HEX_2.len(), 48);
    let table = invitations();
    assert!(table.len() >= 30, "only {} texts", table.len());
    let services: std::collections::HashSet<OtherService> = table
        .iter()
        .filter_map(|(_, read)| match read {
            Read::Other(service) => Some(*service),
            Read::Huawei { .. } => None,
        })
        .collect();
    assert_eq!(services.len(), OtherService::ALL.len(), "every service");
    let mut failures = Vec::new();
    for (text, expected) in &table {
        let read = Invitation::read(text);
        let parsed = MeetingId::parse(text);
        let password = invitation_password(text);
        let got = match (expected, &read) {
            (Read::Other(service), Err(MeetingIdError::OtherService(found))) => (found == service
                && parsed == Err(MeetingIdError::OtherService(*service))
                && password.is_none())
            .then_some(())
            .ok_or(format!(
                "{found:?}, parse {parsed:?}, password {password:?}"
            )),
            (
                Read::Huawei {
                    id,
                    password: want,
                    link: want_link,
                },
                Ok(invitation),
            ) => {
                let got_link = invitation
                    .link
                    .as_ref()
                    .map(|l| (l.site, l.url().expose_secret().to_owned()));
                let got_password = invitation
                    .password
                    .as_ref()
                    .map(|p| p.expose_secret().to_owned());
                (invitation.meeting_id.as_str() == *id
                    && parsed.as_ref().map(MeetingId::as_str) == Ok(*id)
                    && got_password.as_deref() == *want
                    && password.as_deref() == *want
                    && &got_link == want_link)
                    .then_some(())
                    .ok_or(format!(
                        "{} / {got_password:?} / {got_link:?}",
                        invitation.meeting_id
                    ))
            }
            (_, other) => Err(format!("{other:?}")),
        };
        if let Err(got) = got {
            failures.push(format!("{text:?}: got {got}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn another_service_is_named_in_both_languages() {
    for service in OtherService::ALL {
        let error = MeetingIdError::OtherService(service);
        for lang in Lang::ALL {
            let name = service.name(lang);
            let message = error.message(lang);
            assert!(
                !name.is_empty() && !name.contains("invitation."),
                "{service:?}"
            );
            assert_eq!(message.matches(name.as_str()).count(), 2, "{message}");
        }
    }
    assert_eq!(
        MeetingIdError::OtherService(OtherService::TencentMeeting).message(Lang::En),
        "This is a Tencent Meeting invitation: open it in Tencent Meeting."
    );
    assert_eq!(
        MeetingIdError::OtherService(OtherService::TencentMeeting).message(Lang::ZhCn),
        "这是腾讯会议的会议邀请，请在腾讯会议中打开。"
    );
    assert_eq!(OtherService::TencentMeeting.id(), "tencent_meeting");
}

#[test]
fn a_link_suffix_never_shows_in_debug_output() {
    let text =
        format!("https://meeting.huaweicloud.com/#/j/987654321/{SUFFIX_33}\n会议密码：135790");
    let invitation = Invitation::read(&text).unwrap();
    let shown = format!("{invitation:?}");
    assert!(
        !shown.contains(SUFFIX_33) && !shown.contains("135790"),
        "{shown}"
    );
    assert!(
        invitation
            .link
            .as_ref()
            .is_some_and(|l| l.carries_password())
    );
}

#[test]
fn the_other_site_is_judged_only_between_the_official_sites() {
    use meetjoin::Server;
    let intl = Invitation::read("https://intl.meeting.huaweicloud.com/#/j/931550672").unwrap();
    assert_eq!(intl.other_site(&Server::Cn), Some(Site::International));
    assert_eq!(intl.other_site(&Server::Intl), None);
    let custom = Server::parse("https://meeting.example.com").unwrap();
    assert_eq!(
        intl.other_site(&custom),
        None,
        "no judgement for a private deployment"
    );
    let china = Invitation::read("https://bmeeting.huaweicloud.com/#/j/931550672").unwrap();
    assert_eq!(china.other_site(&Server::Intl), Some(Site::China));
    assert_eq!(china.other_site(&Server::Cn), None);
    let bare = Invitation::read("931 550 672").unwrap();
    assert_eq!(
        bare.other_site(&Server::Intl),
        None,
        "no link, no judgement"
    );
}
