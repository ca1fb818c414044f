//! Finds the one-time code in an SMS: 4 to 8 digits, codes written with a
//! dash or space (105-876, 123 456), prefixed codes (G-123456), and
//! alphanumeric codes where the text calls them a code; phone numbers,
//! prices, dates, years and order numbers are not codes. The full text is
//! always kept too, for when this guesses wrong.
use std::sync::LazyLock;

use regex::Regex;

struct Patterns {
    grouped: Regex,
    prefixed: Regex,
    digits: Regex,
    alnum_after_keyword: Regex,
    phone: Regex,
    price: Regex,
    date: Regex,
    order: Regex,
    keyword: Regex,
}

// ASCII digits only: `\d` also matches other scripts' digits, which are
// not codes anyone types.
static PATTERNS: LazyLock<Patterns> = LazyLock::new(|| Patterns {
    // 123-456, 123 456, 12-34-56, 1234 5678
    grouped: Regex::new(r"(?:^|[^\w.,/$:-])([0-9]{2,4})[- ]([0-9]{2,4})(?:[- ]([0-9]{2,4}))?(?:$|[^\w$%/-])").expect("pattern"),
    // G-123456, TK-482913
    prefixed: Regex::new(r"\b[A-Z]{1,4}-([0-9]{4,8})\b").expect("pattern"),
    digits: Regex::new(r"[0-9]+").expect("pattern"),
    // "code: X7K2P9", "code is AB12CD", "passcode K4M9Q2"
    alnum_after_keyword: Regex::new(r"(?i)\b(?:code|passcode|otp|pin)\b(?:\s+is)?\s*[:\-]?\s*([A-Za-z0-9]{4,10})\b").expect("pattern"),
    phone: Regex::new(r"(?:\+?1[\s.-]?)?\(?\b[0-9]{3}\)?[\s.-][0-9]{3}[\s.-][0-9]{4}\b|\+[0-9]{10,15}\b|\b[0-9]{10,}\b").expect("pattern"),
    price: Regex::new(r"(?i)[$€£]\s?[0-9][0-9,]*(?:\.[0-9]{1,2})?|\b[0-9][0-9,]*(?:\.[0-9]{1,2})?\s?(?:usd|dollars?|eur|gbp)\b|\b[0-9]+\.[0-9]{2}\b").expect("pattern"),
    date: Regex::new(r"(?i)\b[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}\b|\b[0-9]{1,2}/[0-9]{1,2}/[0-9]{2,4}\b|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+[0-9]{1,2}(?:,?\s+[0-9]{4})?\b|\b[0-9]{1,2}:[0-9]{2}\b").expect("pattern"),
    order: Regex::new(r"(?i)\b(?:order|ref|reference|invoice|ticket|tracking|account|acct|id|no\.?|number)\s*(?:#|no\.?|number)?\s*[:#]?\s*[0-9]{3,}").expect("pattern"),
    keyword: Regex::new(r"(?i)code|otp|pin\b|passcode|verif|password|one[- ]time|confirm|login|log in|sign[- ]in|authenticat|security").expect("pattern"),
});

/// Where in the text something that is not a code sits.
fn blocked_spans(text: &str) -> Vec<(usize, usize)> {
    let p = &*PATTERNS;
    [&p.phone, &p.price, &p.date, &p.order]
        .iter()
        .flat_map(|re| re.find_iter(text).map(|m| (m.start(), m.end())))
        .collect()
}

fn overlaps(spans: &[(usize, usize)], start: usize, end: usize) -> bool {
    spans.iter().any(|&(s, e)| start < e && s < end)
}

/// The score of a candidate: closeness to words like "code", and a small
/// malus for what looks like a year.
fn score(text: &str, start: usize, value: &str) -> i64 {
    let p = &*PATTERNS;
    let distance = p
        .keyword
        .find_iter(text)
        .map(|m| if m.end() <= start { start - m.end() } else { m.start().saturating_sub(start) })
        .min()
        .unwrap_or(500) as i64;
    let mut score = 1000 - distance.min(500);
    let looks_like_year = value.len() == 4 && (value.starts_with("19") || value.starts_with("20"));
    if looks_like_year {
        score -= 300;
    }
    if (6..=8).contains(&value.len()) {
        score += 20;
    }
    score
}

/// The code in `text`, if there is one.
pub fn extract_code(text: &str) -> Option<String> {
    let p = &*PATTERNS;
    let blocked = blocked_spans(text);
    let mut candidates: Vec<(i64, usize, String)> = Vec::new();

    for c in p.prefixed.captures_iter(text) {
        let m = c.get(1)?;
        candidates.push((score(text, m.start(), m.as_str()) + 50, m.start(), m.as_str().to_string()));
    }
    for c in p.grouped.captures_iter(text) {
        let whole = c.get(0)?;
        let parts: Vec<&str> = (1..=3).filter_map(|i| c.get(i).map(|m| m.as_str())).collect();
        let joined: String = parts.concat();
        let start = c.get(1)?.start();
        let end = c.get(parts.len())?.end();
        let _ = whole;
        if (4..=8).contains(&joined.len()) && !overlaps(&blocked, start, end) && !text[start..end].contains('\n') {
            candidates.push((score(text, start, &joined) + 10, start, joined));
        }
    }
    for m in p.digits.find_iter(text) {
        let value = m.as_str();
        let before = text[..m.start()].chars().last();
        let after = text[m.end()..].chars().next();
        // Part of a decimal, a time, a word or a longer token: not a code.
        let glued = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '.' && value.len() < 4 || c == ',');
        if !(4..=8).contains(&value.len()) || overlaps(&blocked, m.start(), m.end()) || glued(before) || glued(after) {
            continue;
        }
        if before == Some('#') {
            continue; // "#482913" is an order or ticket
        }
        // Part of an identifier such as INV-2024-0042.
        let hyphen_joined = |at: usize, forward: bool| {
            let (hyphen, beyond) = if forward {
                (text[at..].chars().next(), text[at..].chars().nth(1))
            } else {
                (text[..at].chars().last(), text[..at].chars().rev().nth(1))
            };
            hyphen == Some('-') && beyond.is_some_and(|c| c.is_ascii_alphanumeric())
        };
        if hyphen_joined(m.end(), true) || (hyphen_joined(m.start(), false) && !p.prefixed.is_match(&text[..m.end()])) {
            continue;
        }
        candidates.push((score(text, m.start(), value), m.start(), value.to_string()));
    }
    for c in p.alnum_after_keyword.captures_iter(text) {
        let m = c.get(1)?;
        let value = m.as_str();
        let has_digit = value.bytes().any(|b| b.is_ascii_digit());
        let has_letter = value.bytes().any(|b| b.is_ascii_alphabetic());
        if has_digit && has_letter && !overlaps(&blocked, m.start(), m.end()) {
            candidates.push((score(text, m.start(), value) + 5, m.start(), value.to_string()));
        }
    }
    // A text that never speaks of a code, a PIN or a verification holds
    // none: its numbers are dates, amounts or references.
    if !p.keyword.is_match(text) {
        return None;
    }
    candidates.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    candidates.into_iter().next().map(|(_, _, code)| code)
}

#[cfg(test)]
mod tests {
    use super::extract_code;

    /// Real-world one-time-code messages. The wording follows the formats
    /// these services send, as published on their help pages and in
    /// public screenshots and SMS-receiving sites (for example WhatsApp
    /// "Your WhatsApp code: 123-456", Google "G-123456 is your Google
    /// verification code", Telegram "Telegram code: 12345"); digits were
    /// changed. Each pair: the text, the code expected.
    const WITH_CODE: &[(&str, &str)] = &[
        ("Your WhatsApp code: 105-876\nDon't share this code with others", "105876"),
        ("<#> Your WhatsApp Business code 482-913\nYou can also tap on this link to verify your phone: v.whatsapp.com/482913\nDon't share this code with others\n4sgLq1p5sV6", "482913"),
        ("Telegram code: 53171\n\nYou can also tap on this link to log in:\nhttps://t.me/login/53171", "53171"),
        ("G-418306 is your Google verification code.", "418306"),
        ("G-905211 is your Google verification code. Don't share your code with anyone.", "905211"),
        ("Your Google verification code is 771204", "771204"),
        ("FB-39441 is your Facebook confirmation code", "39441"),
        ("123 456 is your Instagram code. Don't share it.", "123456"),
        ("Use 731 904 to verify your Instagram account.", "731904"),
        ("[TikTok] 482913 is your verification code, valid for 5 minutes. To keep your account safe, never forward this code.", "482913"),
        ("Your X confirmation code is 5iwfcxah. Don't reply to this message with your code.", "5iwfcxah"),
        ("Your Twitter confirmation code is 839201.", "839201"),
        ("Your Discord verification code is: 619 482", "619482"),
        ("Use 8237 as Microsoft account security code", "8237"),
        ("Microsoft account security code: 2946051", "2946051"),
        ("448109 is your Amazon OTP. Do not share it with anyone.", "448109"),
        ("Your Amazon verification code is 338 215. Don't share this code with anyone; our employees will never ask for the code.", "338215"),
        ("Your Uber code: 4821. Never share this code. Reply STOP ALL to +1 415-237-0403 to unsubscribe.", "4821"),
        ("Uber: Your verification code is 9384. Never share this code.", "9384"),
        ("Your Signal registration code: 582-119", "582119"),
        ("SIGNAL: Your code is: 701283 Do not share this code", "701283"),
        ("Snapchat code: 842016. Happy Snapping!", "842016"),
        ("PayPal: Your security code is: 318092. Your code expires in 10 minutes. Please don't reply.", "318092"),
        ("PayPal: 719245 is your security code. Don't share your code.", "719245"),
        ("Your Apple ID Code is: 528174. Don't share it with anyone.", "528174"),
        ("Apple Account Code for your iPhone: 403 819. Don't share it.", "403819"),
        ("Your LinkedIn verification code is 840192.", "840192"),
        ("Your Tinder code is 274016 @tinder.com #274016", "274016"),
        ("Your Bumble verification code is 7214", "7214"),
        ("Your Venmo verification code is 602918. Venmo will never call you to ask for this code.", "602918"),
        ("Cash App: 419-222 is your sign-in code. Don't share it.", "419222"),
        ("Your Coinbase verification code is: 9028411. Don't share this code with anyone.", "9028411"),
        ("Your Binance verification code: 481920. Never share it.", "481920"),
        ("Your Steam Guard code is: F7K2P", "F7K2P"),
        ("Your Yahoo verification code is 29184730", "29184730"),
        ("Your Lyft code is 5529", "5529"),
        ("DoorDash: your verification code is 391847. It expires in 10 minutes.", "391847"),
        ("Your Airbnb verification code is: 1842.", "1842"),
        ("Your eBay security code is 775193. Please don't share it.", "775193"),
        ("Your Netflix verification code is 4821 9037", "48219037"),
        ("Your Line verification code is 8254.", "8254"),
        ("[Kakao] Verification code [481902]. Please enter it on the screen.", "481902"),
        ("WeChat verification code (381942) may only be used once to verify mobile number.", "381942"),
        ("Viber code: 419022", "419022"),
        ("Your Skype verification code is 392019", "392019"),
        ("Your Zoom verification code is 874290. It expires in 10 minutes.", "874290"),
        ("Slack confirmation code: 304-118. Enter it to continue.", "304118"),
        ("Your OpenAI verification code is: 627184", "627184"),
        ("Your Shopify verification code: 448-290", "448290"),
        ("Your Etsy security code is 629401. It expires in 15 minutes.", "629401"),
        ("Your Twitch code is 381-002", "381002"),
        ("Reddit: your verification code is 748192.", "748192"),
        ("Your Pinterest verification code is 3092", "3092"),
        ("Your Walmart verification code is 552193. Don't share it.", "552193"),
        ("Chase: Your one-time code is 19283746. Don't share it. We'll never call to ask for it.", "19283746"),
        ("Bank of America: Your authorization code is 502918. Do not share this code.", "502918"),
        ("Your Wise code is 481 203. Never share it.", "481203"),
        ("Your Revolut verification code is 628-191", "628191"),
        ("Use verification code 917384 for Claude authentication.", "917384"),
        ("Your Hinge verification code is 6681", "6681"),
        ("Your Grab verification code is 2041. It is valid for 5 minutes.", "2041"),
        ("Your code is 2024 for Zelle. Don't share it.", "2024"),
        ("Verification code: AB12CD. It expires in 10 minutes.", "AB12CD"),
        ("Your one-time passcode: K4M9Q2", "K4M9Q2"),
    ];

    /// Texts with numbers that are not codes.
    const WITHOUT_CODE: &[&str] = &[
        "Your order #482913 has shipped and will arrive on May 12, 2025.",
        "Reminder: your appointment is on 2025-03-14 at 10:30. Call (415) 555-0134 to reschedule.",
        "You paid $1,250.00 to John at 14:02. Balance: $312.44",
        "Happy new year 2025 from all of us!",
        "Order number 88213410 is ready for pickup.",
        "Call us at +1 800 555 0199 for help.",
        "Your invoice INV-2024-0042 of 49.99 USD is due 05/01/2025.",
        "Meet me at 7:45, room 12",
        "Tracking number 9400111899223344556677 for your package.",
        "Thanks for signing up! Reply STOP to unsubscribe.",
        // Digits of other scripts are not typed into a code field.
        "\u{116D0}{OTp",
    ];

    proptest::proptest! {
        /// Arbitrary text never panics, and any code found is 4 to 10
        /// letters or digits.
        #[test]
        fn never_panics(text in "\\PC{0,300}") {
            if let Some(code) = extract_code(&text) {
                proptest::prop_assert!((4..=10).contains(&code.len()) && code.chars().all(|c| c.is_ascii_alphanumeric()));
            }
        }
    }

    #[test]
    fn corpus_of_real_messages() {
        assert!(WITH_CODE.len() >= 60, "the corpus keeps at least 60 texts");
        let mut wrong = Vec::new();
        for (text, expected) in WITH_CODE {
            let got = extract_code(text);
            if got.as_deref() != Some(*expected) {
                wrong.push(format!("{text:?}: expected {expected}, got {got:?}"));
            }
        }
        for text in WITHOUT_CODE {
            if let Some(code) = extract_code(text) {
                wrong.push(format!("{text:?}: expected no code, got {code}"));
            }
        }
        assert!(wrong.is_empty(), "{} wrong:\n{}", wrong.len(), wrong.join("\n"));
    }
}
