//! The line staff show above every page: its text, how it looks, and for
//! how long. Built only through `Announcement::parse`, on the admin's form
//! and again on the server.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnnouncementLevel {
    /// News: a new platform, a holiday's support hours.
    Info,
    /// Something is wrong: a platform's codes are slow, maintenance.
    Warning,
}

impl AnnouncementLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            AnnouncementLevel::Info => "info",
            AnnouncementLevel::Warning => "warning",
        }
    }

    pub fn parse(value: &str) -> Option<AnnouncementLevel> {
        match value {
            "info" => Some(AnnouncementLevel::Info),
            "warning" => Some(AnnouncementLevel::Warning),
            _ => None,
        }
    }
}

pub const MAX_ANNOUNCEMENT_CHARS: usize = 300;
/// Thirty days: an announcement nobody ends outlives its news otherwise.
pub const MAX_ANNOUNCEMENT_HOURS: u32 = 720;

/// What staff publish; `hours` None shows it until it is cleared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Announcement {
    text: String,
    level: AnnouncementLevel,
    hours: Option<u32>,
}

impl Announcement {
    pub fn parse(text: &str, level: &str, hours: &str) -> Result<Announcement, String> {
        let text = text.trim();
        if text.is_empty() || text.chars().count() > MAX_ANNOUNCEMENT_CHARS {
            return Err(format!("Write the announcement in 1 to {MAX_ANNOUNCEMENT_CHARS} characters."));
        }
        if text.chars().any(char::is_control) {
            return Err("Write the announcement on one line.".into());
        }
        let level = AnnouncementLevel::parse(level).ok_or("Choose how the announcement looks: info or warning.")?;
        let hours = match hours.trim() {
            "" => None,
            hours => match hours.parse::<u32>() {
                Ok(h) if (1..=MAX_ANNOUNCEMENT_HOURS).contains(&h) => Some(h),
                _ => return Err(format!("Show it for 1 to {MAX_ANNOUNCEMENT_HOURS} hours, or leave the hours empty.")),
            },
        };
        Ok(Announcement { text: text.to_string(), level, hours })
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn level(&self) -> AnnouncementLevel {
        self.level
    }

    pub fn hours(&self) -> Option<u32> {
        self.hours
    }
}

/// The announcement pages show now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShownAnnouncement {
    pub text: String,
    pub level: AnnouncementLevel,
    pub ends_at: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_staff_may_publish() {
        let a = Announcement::parse("  Telegram codes are slow today.  ", "warning", "").unwrap();
        assert_eq!((a.text(), a.level(), a.hours()), ("Telegram codes are slow today.", AnnouncementLevel::Warning, None));
        assert_eq!(Announcement::parse("Back at 9", "info", "12").unwrap().hours(), Some(12));
        assert!(Announcement::parse("   ", "info", "").unwrap_err().contains("1 to 300"));
        assert!(Announcement::parse(&"x".repeat(301), "info", "").is_err());
        assert!(Announcement::parse("Two\nlines", "info", "").unwrap_err().contains("one line"));
        assert!(Announcement::parse("Hi", "danger", "").unwrap_err().contains("info or warning"));
        for hours in ["0", "721", "-1", "1.5", "soon"] {
            assert!(Announcement::parse("Hi", "info", hours).unwrap_err().contains("1 to 720 hours"), "{hours}");
        }
    }
}
