use leptos::prelude::*;

/// A UTC instant shown in the reader's own time zone once the page is
/// hydrated (the server, not knowing the zone, renders UTC).
#[component]
pub fn LocalTime(millis: i64) -> impl IntoView {
    let text = RwSignal::new(format_utc(millis));
    #[cfg(feature = "hydrate")]
    crate::reactive::effect(move || {
        let date = js_sys_date(millis);
        text.set(date);
    });
    view! { <time datetime=iso_utc(millis)>{text}</time> }
}

#[cfg(feature = "hydrate")]
fn js_sys_date(millis: i64) -> String {
    use wasm_bindgen::JsValue;
    let date = leptos::web_sys::js_sys::Date::new(&JsValue::from_f64(millis as f64));
    let opts = leptos::web_sys::js_sys::Object::new();
    for (key, value) in [("dateStyle", "medium"), ("timeStyle", "short")] {
        let _ = leptos::web_sys::js_sys::Reflect::set(&opts, &key.into(), &value.into());
    }
    date.to_locale_string("default", &opts).as_string().unwrap_or_else(|| format_utc(millis))
}

/// Days since 1970-01-01 to (year, month, day); proleptic Gregorian.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

fn parts(millis: i64) -> (i64, u32, u32, i64, i64) {
    let secs = millis.div_euclid(1000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    (y, m, d, rem / 3600, (rem % 3600) / 60)
}

pub fn format_utc(millis: i64) -> String {
    let (y, m, d, hh, mm) = parts(millis);
    format!("{y:04}-{m:02}-{d:02} {hh:02}:{mm:02} UTC")
}

pub fn iso_utc(millis: i64) -> String {
    let (y, m, d, hh, mm) = parts(millis);
    let ss = millis.div_euclid(1000).rem_euclid(60);
    format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(format_utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(iso_utc(1_795_000_000_000), "2026-11-18T11:06:40Z");
        assert_eq!(format_utc(951_782_400_000), "2000-02-29 00:00 UTC");
    }
}
