//! Property tests of the auth random reply decoder (`decode_auth_random`, the decoding the
//! client runs on every 200 reply): it never panics, a valid random survives any other fields
//! of any type, an optional field of the wrong type is unknown, and nothing but 1 to 64 ASCII
//! letters and digits is ever taken for a random.
//!
//! Each property runs 256 cases; `PROPTEST_CASES=1000000 cargo test --release --test
//! proptest_reply` runs a million (proptest reads the variable in `ProptestConfig::default`).
//! No strategy rejects cases, so any count runs without hitting proptest's reject limits.

use meetjoin::api::random::decode_auth_random;
use meetjoin::api::{ConfMode, ErrorKind};
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use secrecy::ExposeSecret;
use serde_json::{Map, Number, Value, json};

/// The fields the decoder reads; extra fields never take these names.
const KNOWN_FIELDS: [&str; 6] = [
    "random",
    "subject",
    "conf_mode",
    "webinar",
    "need_password",
    "support_applets",
];

/// The only reasons a decoded body is refused once it is JSON of the right shape.
const RANDOM_REFUSALS: [&str; 2] = [
    "no random in the reply",
    "the random in the reply is malformed",
];

/// Any JSON value: scalars of every kind (unicode strings, negative, huge and fractional
/// numbers), and arrays and objects nested a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| Number::from_f64(f).map_or(Value::Null, Value::Number)),
        any::<String>().prop_map(Value::String),
        "[A-Za-z0-9 ]{0,16}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            btree_map("[a-z_]{0,12}|\\PC{0,8}", inner, 0..6)
                .prop_map(|fields| Value::Object(fields.into_iter().collect())),
        ]
    })
}

/// A valid random: 1 to 64 ASCII letters and digits.
fn valid_random() -> impl Strategy<Value = String> {
    "[A-Za-z0-9]{1,64}"
}

/// Whitespace a server may put around the random (it is trimmed).
fn padding() -> impl Strategy<Value = String> {
    "[ \t\r\n\u{3000}\u{a0}]{0,2}"
}

/// A value for a known optional field: usually of its own type, often of any other.
fn field_value(own: BoxedStrategy<Value>) -> impl Strategy<Value = Option<Value>> {
    proptest::option::of(prop_oneof![own, json_value()])
}

fn strings() -> BoxedStrategy<Value> {
    prop_oneof![
        any::<String>().prop_map(Value::String),
        prop_oneof![Just("COMMON"), Just("RTC"), Just("SFU")].prop_map(|s| json!(s)),
    ]
    .boxed()
}

fn bools() -> BoxedStrategy<Value> {
    any::<bool>().prop_map(Value::Bool).boxed()
}

/// True when `text` is a random the decoder must accept (after trimming).
fn is_valid_random(text: &str) -> bool {
    (1..=64).contains(&text.len()) && text.chars().all(|c| c.is_ascii_alphanumeric())
}

/// Text the decoder keeps as it is: no control or bidi characters, trimmed, short enough.
fn is_plain(text: &str, max_chars: usize) -> bool {
    text.chars().count() <= max_chars
        && text.trim() == text
        && !text.chars().any(|c| {
            c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        })
}

/// Server text as shown: printable, bounded, and never holding the random. (Masking may
/// lengthen it: a one-letter random becomes `***`.)
fn check_shown_text(shown: &str, max_chars: usize, random: &str) -> Result<(), TestCaseError> {
    prop_assert!(
        shown.chars().count() <= 3 * max_chars,
        "{shown:?} is too long"
    );
    prop_assert!(!shown.chars().any(char::is_control), "{shown:?}");
    prop_assert!(!shown.contains(random), "the random shows in {shown:?}");
    Ok(())
}

/// The decoded value of a field that must be `T` when sent as a `T`, and unknown otherwise.
fn expect_lenient<T: serde::de::DeserializeOwned>(sent: &Option<Value>) -> Option<T> {
    sent.clone().and_then(|v| serde_json::from_value(v).ok())
}

/// Found by `arbitrary_json_is_decoded_or_refused`: a derived struct also reads a JSON array,
/// field by position, so `[0]` was a reply with the random "0".
#[test]
fn a_reply_that_is_not_an_object_is_refused() {
    for body in [
        "[0]",
        "[\"abc123\"]",
        "[\"abc123\", \"Weekly\", \"RTC\", false, false, true]",
        "[[\"abc123\"]]",
        "\"abc123\"",
        "123",
        "null",
        "true",
    ] {
        let refused = decode_auth_random(body.as_bytes());
        assert!(refused.is_err(), "{body} was decoded");
        assert_eq!(
            refused.err().unwrap().kind,
            ErrorKind::UnreadableReply,
            "{body}"
        );
    }
    let object = decode_auth_random(b"{\"random\": \"abc123\"}").unwrap();
    assert_eq!(object.random.expose_secret(), "abc123");
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..512)) {
        match decode_auth_random(&bytes) {
            Ok(reply) => prop_assert!(is_valid_random(reply.random.expose_secret())),
            Err(e) => prop_assert_eq!(e.kind, ErrorKind::UnreadableReply),
        }
    }

    #[test]
    fn arbitrary_json_is_decoded_or_refused(value in json_value(), cut in any::<prop::sample::Index>()) {
        let body = serde_json::to_vec(&value).unwrap();
        // The whole body, and the body cut short anywhere (a reply cut off in transit).
        let short = &body[..cut.index(body.len() + 1)];
        for bytes in [body.as_slice(), short] {
            match decode_auth_random(bytes) {
                Ok(reply) => {
                    prop_assert!(is_valid_random(reply.random.expose_secret()));
                    prop_assert!(value.is_object(), "not an object, yet decoded: {value}");
                }
                Err(e) => prop_assert_eq!(e.kind, ErrorKind::UnreadableReply),
            }
        }
    }

    #[test]
    fn a_valid_random_survives_any_other_fields(
        random in valid_random(),
        lead in padding(),
        trail in padding(),
        subject in field_value(strings()),
        conf_mode in field_value(strings()),
        webinar in field_value(bools()),
        need_password in field_value(bools()),
        support_applets in field_value(bools()),
        extra in btree_map("[a-z_]{1,16}|\\PC{1,8}", json_value(), 0..8),
    ) {
        let mut body: Map<String, Value> = extra
            .into_iter()
            .filter(|(name, _)| !KNOWN_FIELDS.contains(&name.as_str()))
            .collect();
        body.insert("random".into(), json!(format!("{lead}{random}{trail}")));
        for (name, value) in [
            ("subject", &subject),
            ("conf_mode", &conf_mode),
            ("webinar", &webinar),
            ("need_password", &need_password),
            ("support_applets", &support_applets),
        ] {
            if let Some(value) = value {
                body.insert(name.into(), value.clone());
            }
        }
        let bytes = serde_json::to_vec(&Value::Object(body)).unwrap();
        let reply = decode_auth_random(&bytes);
        prop_assert!(reply.is_ok(), "refused: {:?}", reply.err());
        let reply = reply.unwrap();
        prop_assert_eq!(reply.random.expose_secret(), random.as_str());

        // The lenient-field rule: a value of the right type is kept, any other is unknown.
        prop_assert_eq!(reply.webinar, expect_lenient::<bool>(&webinar));
        prop_assert_eq!(reply.need_password, expect_lenient::<bool>(&need_password));
        prop_assert_eq!(reply.support_applets, expect_lenient::<bool>(&support_applets));

        let sent_subject = expect_lenient::<String>(&subject);
        prop_assert_eq!(reply.subject.is_some(), sent_subject.is_some());
        if let (Some(shown), Some(sent)) = (&reply.subject, &sent_subject) {
            check_shown_text(shown, 512, &random)?;
            if is_plain(sent, 512) && !sent.contains(random.as_str()) {
                prop_assert_eq!(shown, sent);
            }
        }

        let sent_mode = expect_lenient::<String>(&conf_mode);
        prop_assert_eq!(reply.conf_mode.is_some(), sent_mode.is_some());
        if let (Some(mode), Some(sent)) = (&reply.conf_mode, &sent_mode) {
            let masked = sent.contains(random.as_str());
            match (sent.as_str(), mode) {
                ("COMMON", ConfMode::Mcu) | ("RTC", ConfMode::Mmr) => prop_assert!(!masked),
                (_, ConfMode::Unknown(shown)) => {
                    check_shown_text(shown, 32, &random)?;
                    if is_plain(sent, 32) && !masked {
                        prop_assert_eq!(shown, sent);
                    }
                }
                (sent, mode) => prop_assert!(false, "{sent:?} decoded as {mode:?}"),
            }
        }
    }

    #[test]
    fn a_random_sent_as_a_number_is_its_digits(n in any::<u64>()) {
        let reply = decode_auth_random(json!({ "random": n }).to_string().as_bytes()).unwrap();
        prop_assert_eq!(reply.random.expose_secret(), n.to_string());
    }

    #[test]
    fn only_ascii_letters_and_digits_make_a_random(
        random in prop_oneof![
            any::<String>(),
            "[A-Za-z0-9]{0,70}",
            ("[A-Za-z0-9]{0,40}", "\\PC", "[A-Za-z0-9]{0,40}").prop_map(|(a, b, c)| a + &b + &c),
            ("[ \t\n]{0,2}", "[A-Za-z0-9]{60,70}", "[ \t\n]{0,2}").prop_map(|(a, b, c)| a + &b + &c),
        ],
    ) {
        let body = json!({ "random": random, "subject": "Weekly" }).to_string();
        match decode_auth_random(body.as_bytes()) {
            Ok(reply) => {
                prop_assert!(is_valid_random(random.trim()), "accepted {random:?}");
                prop_assert_eq!(reply.random.expose_secret(), random.trim());
            }
            Err(e) => {
                prop_assert!(!is_valid_random(random.trim()), "refused {random:?}");
                prop_assert_eq!(e.kind, ErrorKind::UnreadableReply);
                // The refusal never quotes what the server sent.
                prop_assert!(RANDOM_REFUSALS.contains(&e.detail.as_deref().unwrap_or("")), "{e:?}");
            }
        }
    }

    #[test]
    fn a_random_of_another_type_is_refused(
        random in prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            (i64::MIN..0).prop_map(Value::from),
            any::<f64>().prop_map(|f| Number::from_f64(f).map_or(Value::Null, Value::Number)),
            vec(json_value(), 0..4).prop_map(Value::Array),
            btree_map("[a-z]{0,8}", json_value(), 0..4)
                .prop_map(|fields| Value::Object(fields.into_iter().collect())),
        ],
    ) {
        // A float that happens to be whole is still a float in JSON ("5.0"): refused too.
        let body = json!({ "random": random, "subject": "Weekly" }).to_string();
        let refused = decode_auth_random(body.as_bytes());
        prop_assert!(refused.is_err(), "accepted {random}");
        let e = refused.err().unwrap();
        prop_assert_eq!(e.kind, ErrorKind::UnreadableReply);
        prop_assert!(RANDOM_REFUSALS.contains(&e.detail.as_deref().unwrap_or("")), "{e:?}");
    }
}
