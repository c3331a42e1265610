//! A pasted invitation as it really arrives: which service it belongs to, the HUAWEI CLOUD
//! Meeting link in it (its site, and the suffix that stands for the guest password) and the
//! password written in it (API.md section 8).
//!
//! People receive Tencent Meeting, Zoom, Feishu and DingTalk invitations next to HUAWEI CLOUD
//! Meeting ones, and they look alike: a wrong ID sent with a password can count towards a
//! stranger's lockout. So another service's invitation is recognised and never read as a
//! meeting ID ([`MeetingIdError::OtherService`]). What decides, strongest first: a HUAWEI CLOUD
//! Meeting join link (then the meeting is that link's); another service's link or host; another
//! service's own wording (`#腾讯会议：`, 飞书视频会议, "Join Zoom Meeting"). A service named in a
//! subject line alone decides nothing.

use rust_i18n::t;
use secrecy::{ExposeSecret, SecretString};

use crate::i18n::Lang;
use crate::meeting_id::{
    MeetingId, MeetingIdError, invitation_password, label_end, normalize_char, text_at,
};
use crate::server::Server;

/// A meeting service other than HUAWEI CLOUD Meeting, recognised in a pasted text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OtherService {
    /// Tencent Meeting (腾讯会议).
    TencentMeeting,
    /// VooV Meeting, Tencent Meeting outside China.
    VooVMeeting,
    /// Zoom, WeLink meetings hosted on Zoom included.
    Zoom,
    /// Zhumu (瞩目), Zoom's Chinese edition, WeLink meetings hosted on it included: its links
    /// open in its own app, not in Zoom.
    Zhumu,
    /// Feishu (飞书) video meetings.
    Feishu,
    /// Lark, Feishu outside China.
    Lark,
    /// DingTalk (钉钉) meetings.
    DingTalk,
    /// Microsoft Teams.
    MicrosoftTeams,
    /// Webex.
    Webex,
    /// Google Meet.
    GoogleMeet,
}

impl OtherService {
    /// Every service meetjoin recognises.
    pub const ALL: [OtherService; 10] = [
        OtherService::TencentMeeting,
        OtherService::VooVMeeting,
        OtherService::Zoom,
        OtherService::Zhumu,
        OtherService::Feishu,
        OtherService::Lark,
        OtherService::DingTalk,
        OtherService::MicrosoftTeams,
        OtherService::Webex,
        OtherService::GoogleMeet,
    ];

    /// A stable snake_case name for scripts (`--json`'s `"service"`).
    pub fn id(self) -> &'static str {
        match self {
            OtherService::TencentMeeting => "tencent_meeting",
            OtherService::VooVMeeting => "voov_meeting",
            OtherService::Zoom => "zoom",
            OtherService::Zhumu => "zhumu",
            OtherService::Feishu => "feishu",
            OtherService::Lark => "lark",
            OtherService::DingTalk => "dingtalk",
            OtherService::MicrosoftTeams => "microsoft_teams",
            OtherService::Webex => "webex",
            OtherService::GoogleMeet => "google_meet",
        }
    }

    /// The service's name as its users know it, in `lang`.
    pub fn name(self, lang: Lang) -> String {
        lang.tr(match self {
            OtherService::TencentMeeting => "invitation.service.tencent_meeting",
            OtherService::VooVMeeting => "invitation.service.voov_meeting",
            OtherService::Zoom => "invitation.service.zoom",
            OtherService::Zhumu => "invitation.service.zhumu",
            OtherService::Feishu => "invitation.service.feishu",
            OtherService::Lark => "invitation.service.lark",
            OtherService::DingTalk => "invitation.service.dingtalk",
            OtherService::MicrosoftTeams => "invitation.service.microsoft_teams",
            OtherService::Webex => "invitation.service.webex",
            OtherService::GoogleMeet => "invitation.service.google_meet",
        })
    }

    /// "This is a Tencent Meeting invitation: open it in Tencent Meeting.", in `lang`.
    pub fn message(self, lang: Lang) -> String {
        t!(
            "invitation.other_service",
            locale = lang.code(),
            service = self.name(lang)
        )
        .into_owned()
    }
}

/// The two official sites of HUAWEI CLOUD Meeting; an invitation's link names one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Site {
    /// The Chinese mainland site (`meeting.`, `bmeeting.`, `c.meeting.huaweicloud.com`).
    China,
    /// The international site (`intl.meeting.huaweicloud.com`).
    International,
}

impl Site {
    /// The server that checks this site's meetings.
    pub fn server(self) -> Server {
        match self {
            Site::China => Server::Cn,
            Site::International => Server::Intl,
        }
    }

    /// The site `server` belongs to; `None` for a custom server (a private deployment, the
    /// sandbox), whose meetings no link's host can be judged against.
    pub fn of(server: &Server) -> Option<Site> {
        match server {
            Server::Cn => Some(Site::China),
            Server::Intl => Some(Site::International),
            Server::Custom(_) => None,
        }
    }

    /// The value of `--server` for this site.
    pub fn flag(self) -> &'static str {
        match self {
            Site::China => "cn",
            Site::International => "intl",
        }
    }

    /// "the international site", in `lang`.
    pub fn name(self, lang: Lang) -> String {
        lang.tr(match self {
            Site::China => "invitation.site.china",
            Site::International => "invitation.site.international",
        })
    }
}

/// A HUAWEI CLOUD Meeting join link found in an invitation, for the invitation's meeting:
/// `https://meeting.huaweicloud.com/#/j/914047175/<suffix>`. The suffix (48 hex characters, or
/// 33 letters and digits in newer links) stands for the guest password: a secret, as the
/// password is, never shown, logged or kept.
#[derive(Clone, Debug)]
pub struct InvitationLink {
    /// The site the link's host belongs to.
    pub site: Site,
    /// The host, lowercase (`meeting.huaweicloud.com`, `intl.meeting.huaweicloud.com` ...).
    host: String,
    /// The meeting the link names.
    meeting_id: MeetingId,
    /// The suffix, case kept.
    suffix: Option<SecretString>,
}

impl InvitationLink {
    /// True when the link has the suffix that stands for the guest password.
    pub fn carries_password(&self) -> bool {
        self.suffix.is_some()
    }

    /// The link itself, to open in the browser (which hands it to the meeting app). A secret
    /// when it carries the suffix.
    pub fn url(&self) -> SecretString {
        let mut url = format!("https://{}/#/j/{}", self.host, self.meeting_id);
        if let Some(suffix) = &self.suffix {
            url.push('/');
            url.push_str(suffix.expose_secret());
        }
        SecretString::from(url)
    }
}

/// A pasted text read as an invitation: the meeting, the password written in it, and its
/// HUAWEI CLOUD Meeting link, if any. Both faces read pasted text through this.
#[derive(Clone, Debug)]
pub struct Invitation {
    /// The meeting.
    pub meeting_id: MeetingId,
    /// The guest password written in the text (`会议密码：`, `Password:`, `Passcode:` ...).
    pub password: Option<SecretString>,
    /// The HUAWEI CLOUD Meeting join link naming this meeting, if the text has one.
    pub link: Option<InvitationLink>,
}

impl Invitation {
    /// Reads a pasted text: bare digits, a whole invitation or a join link. Another service's
    /// invitation is [`MeetingIdError::OtherService`].
    pub fn read(text: &str) -> Result<Invitation, MeetingIdError> {
        let meeting_id = MeetingId::parse(text)?;
        let kept: Vec<char> = text.chars().filter_map(normalize_char).collect();
        let lower: Vec<char> = kept.iter().map(char::to_ascii_lowercase).collect();
        // The meeting's link that carries the password, else its first.
        let mut links: Vec<LinkAt> = huawei_links(&lower)
            .into_iter()
            .filter(|link| link.id == meeting_id.as_str())
            .collect();
        links.sort_by_key(|link| link.suffix.is_none());
        let link = links.into_iter().next().map(|link| InvitationLink {
            site: link.site,
            host: link.host,
            meeting_id: meeting_id.clone(),
            suffix: link
                .suffix
                .map(|range| SecretString::from(kept[range].iter().collect::<String>())),
        });
        Ok(Invitation {
            meeting_id,
            password: invitation_password(text).map(SecretString::from),
            link,
        })
    }

    /// The site the invitation's link belongs to when `server` is the other official site;
    /// `None` when they agree, the text has no link, or `server` is a custom one.
    pub fn other_site(&self, server: &Server) -> Option<Site> {
        let link = self.link.as_ref()?;
        let current = Site::of(server)?;
        (link.site != current).then_some(link.site)
    }
}

/// A HUAWEI CLOUD Meeting join link's place in a text.
pub(crate) struct LinkAt {
    /// The meeting ID's digits.
    pub id: String,
    /// The host, lowercase.
    pub host: String,
    /// The site of the host.
    pub site: Site,
    /// Where the password suffix is, if the link has one of the known shapes.
    pub suffix: Option<std::ops::Range<usize>>,
}

/// What a text says about the service it belongs to.
pub(crate) struct Signs {
    /// The HUAWEI CLOUD Meeting join links in it.
    pub huawei_links: Vec<LinkAt>,
    /// Another service it belongs to, by that service's strongest sign.
    pub other: Option<OtherService>,
}

/// Reads the signs of `chars` (normalised, lowercase).
pub(crate) fn signs(chars: &[char]) -> Signs {
    let hosts = hosts(chars);
    let by_host = hosts.iter().find_map(|(_, host)| other_service_of(host));
    Signs {
        huawei_links: huawei_links_in(chars, &hosts),
        other: by_host.or_else(|| other_service_by_wording(chars)),
    }
}

/// The HUAWEI CLOUD Meeting join links of `chars` (normalised, lowercase).
fn huawei_links(chars: &[char]) -> Vec<LinkAt> {
    huawei_links_in(chars, &hosts(chars))
}

/// The join links among `hosts`: a HUAWEI CLOUD Meeting host followed by `/#/j/<digits>`.
fn huawei_links_in(chars: &[char], hosts: &[(usize, String)]) -> Vec<LinkAt> {
    const PATH: &str = "/#/j/";
    let mut links = Vec::new();
    for (end, host) in hosts {
        let official = on_domain(host, "meeting.huaweicloud.com")
            || on_domain(host, "bmeeting.huaweicloud.com");
        if !official || !text_at(chars, *end, PATH) {
            continue;
        }
        let start = end + PATH.len();
        let digits_end = (start..)
            .find(|&i| !chars.get(i).is_some_and(char::is_ascii_digit))
            .unwrap_or(start);
        if digits_end == start {
            continue;
        }
        let suffix = (chars.get(digits_end) == Some(&'/'))
            .then(|| {
                let from = digits_end + 1;
                let to = (from..)
                    .find(|&i| !chars.get(i).is_some_and(char::is_ascii_alphanumeric))
                    .unwrap_or(from);
                let suffix = &chars[from..to];
                let hex = suffix.len() == 48 && suffix.iter().all(char::is_ascii_hexdigit);
                (hex || suffix.len() == 33).then_some(from..to)
            })
            .flatten();
        let site = if on_domain(host, "intl.meeting.huaweicloud.com") {
            Site::International
        } else {
            Site::China
        };
        links.push(LinkAt {
            id: chars[start..digits_end].iter().collect(),
            host: host.clone(),
            site,
            suffix,
        });
    }
    links
}

/// Every host name in `chars` (letters, digits, dots and dashes with at least one dot, not
/// part of an e-mail address), with the index just past it.
fn hosts(chars: &[char]) -> Vec<(usize, String)> {
    let is_host = |c: &char| c.is_ascii_alphanumeric() || *c == '.' || *c == '-';
    let mut found = Vec::new();
    let mut at = 0;
    while at < chars.len() {
        if !is_host(&chars[at]) {
            at += 1;
            continue;
        }
        let start = at;
        while chars.get(at).is_some_and(is_host) {
            at += 1;
        }
        let mut end = at;
        while end > start && matches!(chars[end - 1], '.' | '-') {
            end -= 1;
        }
        let mailbox = start > 0 && chars[start - 1] == '@';
        let host: String = chars[start..end].iter().collect();
        if !mailbox && host.contains('.') {
            found.push((end, host));
        }
    }
    found
}

/// True when `host` is `domain` or one of its subdomains.
fn on_domain(host: &str, domain: &str) -> bool {
    host.strip_suffix(domain)
        .is_some_and(|rest| rest.is_empty() || rest.ends_with('.'))
}

/// The hosts of other services (API.md section 8); a subdomain counts as its domain.
const OTHER_HOSTS: [(&str, OtherService); 17] = [
    ("meeting.tencent.com", OtherService::TencentMeeting),
    ("voovmeeting.com", OtherService::VooVMeeting),
    ("zoom.us", OtherService::Zoom),
    ("zoom.com", OtherService::Zoom),
    ("zoom.com.cn", OtherService::Zoom),
    ("zhumu.com", OtherService::Zhumu),
    ("zhumu.me", OtherService::Zhumu),
    ("vc.feishu.cn", OtherService::Feishu),
    ("meetings.feishu.cn", OtherService::Feishu),
    ("vc.larksuite.com", OtherService::Lark),
    ("meetings.larksuite.com", OtherService::Lark),
    ("meeting.dingtalk.com", OtherService::DingTalk),
    ("teams.microsoft.com", OtherService::MicrosoftTeams),
    ("teams.live.com", OtherService::MicrosoftTeams),
    ("webex.com", OtherService::Webex),
    ("webex.com.cn", OtherService::Webex),
    ("meet.google.com", OtherService::GoogleMeet),
];

/// The service whose host `host` is, if any.
fn other_service_of(host: &str) -> Option<OtherService> {
    OTHER_HOSTS
        .iter()
        .find(|(domain, _)| on_domain(host, domain))
        .map(|&(_, service)| service)
}

/// Each service's own wording in its invitations, lowercase, after normalisation (`：` is
/// `:`); a space stands for optional spaces. A name alone is not wording: a subject may
/// mention any service.
const OTHER_WORDING: [(&str, OtherService); 29] = [
    ("#腾讯会议", OtherService::TencentMeeting),
    ("腾讯会议:", OtherService::TencentMeeting),
    ("邀请您参加腾讯会议", OtherService::TencentMeeting),
    ("#tencent meeting", OtherService::TencentMeeting),
    ("tencent meeting:", OtherService::TencentMeeting),
    ("tencent meeting id", OtherService::TencentMeeting),
    ("#voov meeting", OtherService::VooVMeeting),
    ("voov meeting:", OtherService::VooVMeeting),
    ("voov meeting id", OtherService::VooVMeeting),
    ("to a voov meeting", OtherService::VooVMeeting),
    ("join zoom meeting", OtherService::Zoom),
    ("scheduled zoom meeting", OtherService::Zoom),
    ("加入 zoom 会议", OtherService::Zoom),
    ("预先安排的 zoom 会议", OtherService::Zoom),
    ("加入瞩目会议", OtherService::Zhumu),
    ("join zhumu meeting", OtherService::Zhumu),
    ("飞书视频会议", OtherService::Feishu),
    ("feishu video meeting", OtherService::Feishu),
    ("lark video meeting", OtherService::Lark),
    ("钉钉会议", OtherService::DingTalk),
    ("钉钉视频会议", OtherService::DingTalk),
    ("dingtalk meeting", OtherService::DingTalk),
    ("microsoft teams meeting", OtherService::MicrosoftTeams),
    ("microsoft teams 会议", OtherService::MicrosoftTeams),
    ("join webex meeting", OtherService::Webex),
    ("webex meeting number", OtherService::Webex),
    ("加入 webex 会议", OtherService::Webex),
    ("join with google meet", OtherService::GoogleMeet),
    ("google meet joining info", OtherService::GoogleMeet),
];

/// Labels that start a subject line, lowercase: a service named there decides nothing.
const SUBJECT_LABELS: [&str; 10] = [
    "会议主题",
    "主题",
    "会议名称",
    "标题",
    "subject",
    "meeting subject",
    "topic",
    "meeting topic",
    "title",
    "meeting name",
];

/// The first service whose wording appears in `chars` outside subject lines.
fn other_service_by_wording(chars: &[char]) -> Option<OtherService> {
    chars
        .split(|&c| c == '\n')
        .filter(|line| !is_subject_line(line))
        .find_map(|line| {
            (0..line.len()).find_map(|at| {
                OTHER_WORDING
                    .iter()
                    .find(|(wording, _)| label_end(line, at, wording).is_some())
                    .map(|&(_, service)| service)
            })
        })
}

/// True when `line` starts (after spaces or a bullet) with a subject label.
fn is_subject_line(line: &[char]) -> bool {
    let start = line
        .iter()
        .position(|c| !matches!(c, ' ' | '#' | '*' | '-' | '•'))
        .unwrap_or(line.len());
    SUBJECT_LABELS
        .iter()
        .any(|label| label_end(line, start, label).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lower(text: &str) -> Vec<char> {
        text.chars()
            .filter_map(normalize_char)
            .map(|c| c.to_ascii_lowercase())
            .collect()
    }

    #[test]
    fn hosts_and_domains() {
        assert!(on_domain("us02web.zoom.us", "zoom.us"));
        assert!(on_domain("zoom.us", "zoom.us"));
        assert!(!on_domain("notzoom.us", "zoom.us"));
        assert!(!on_domain(
            "bmeeting.huaweicloud.com",
            "meeting.huaweicloud.com"
        ));
        let found: Vec<String> = hosts(&lower("mail a@zoom.us, see https://vc.feishu.cn/j/1."))
            .into_iter()
            .map(|(_, host)| host)
            .collect();
        assert_eq!(found, ["vc.feishu.cn"]);
    }

    #[test]
    fn a_subject_names_a_service_without_deciding() {
        let text = lower("会议主题：从腾讯会议：迁移\nSubject: Join Zoom Meeting retro");
        assert_eq!(other_service_by_wording(&text), None);
        let text = lower("会议主题：周会\n#腾讯会议：382-197-699");
        assert_eq!(
            other_service_by_wording(&text),
            Some(OtherService::TencentMeeting)
        );
    }

    #[test]
    fn ids_are_distinct_and_snake_case() {
        let mut ids: Vec<&str> = OtherService::ALL.iter().map(|s| s.id()).collect();
        assert!(
            ids.iter()
                .all(|id| id.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        );
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), OtherService::ALL.len());
    }
}
