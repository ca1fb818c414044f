//! Charts drawn as SVG by the server (and kept by hydration): no chart
//! script, nothing from a CDN. Inline `style` attributes are avoided (the
//! CSP forbids them); colours come from classes in main.css.
use leptos::prelude::*;
use crate::reactive::CollectAny;

/// One bar group per label: a primary value and an optional second one
/// drawn over it (e.g. revenue and refunds).
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: i64,
    pub overlay: i64,
}

const WIDTH: i64 = 720;
const HEIGHT: i64 = 160;

/// A coordinate with one decimal, written with integers: printing an
/// `f64` brings Rust's float formatting (some 5 KB gzip) into the admin
/// console's WASM.
fn coordinate(v: f64) -> String {
    let tenths = (v * 10.0).round() as i64;
    let sign = if tenths < 0 { "-" } else { "" };
    format!("{sign}{}.{}", tenths.abs() / 10, tenths.abs() % 10)
}

/// Vertical bars with every `label_every`-th label under them. The bars
/// are an SVG stretched to the width; the figures around them are HTML,
/// so they keep the page's text size on a phone (SVG text shrank with the
/// drawing, to a third of it at 320 px).
#[component]
pub fn BarChart(
    bars: Vec<Bar>,
    #[prop(into)] title: String,
    #[prop(into)] legend: String,
    #[prop(optional, into)] overlay_legend: Option<String>,
    #[prop(default = 5)] label_every: usize,
    /// Formats the largest value for the axis.
    format: fn(i64) -> String,
) -> impl IntoView {
    let max = bars.iter().map(|b| b.value.max(b.overlay)).max().unwrap_or(0);
    let (width_px, height_px) = (WIDTH as f64, HEIGHT as f64);
    let scale = if max > 0 { (height_px - 4.0) / max as f64 } else { 0.0 };
    let slot = width_px / bars.len().max(1) as f64;
    let width = (slot * 0.7).max(1.0);
    let summary = format!("{title}: highest {}", format(max));
    let every = label_every.max(1);
    // One cell per `every` bars, so each label starts under its bar.
    let labels: Vec<String> = bars.iter().step_by(every).map(|b| b.label.clone()).collect();
    view! {
        <figure class="chart">
            <figcaption>
                {title.clone()} " "
                <span class="legend"><span class="swatch swatch-primary"></span>{legend}</span>
                {overlay_legend.map(|l| view! { " " <span class="legend"><span class="swatch swatch-overlay"></span>{l}</span> })}
            </figcaption>
            <div class="chart-label">{format(max)}</div>
            <svg class="chart-bars" viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=summary preserveAspectRatio="none">
                {bars.into_iter().enumerate().map(|(i, bar)| {
                    let x = i as f64 * slot + (slot - width) / 2.0;
                    let h = bar.value as f64 * scale;
                    let o = bar.overlay as f64 * scale;
                    let (x, width) = (coordinate(x), coordinate(width));
                    view! {
                        <g>
                            <title>{format!("{}: {}", bar.label, format(bar.value))}</title>
                            <rect class="bar-primary" x=x.clone() y=coordinate(height_px - h) width=width.clone() height=coordinate(h) />
                            {(o > 0.0).then(|| view! { <rect class="bar-overlay" x=x y=coordinate(height_px - o) width=width height=coordinate(o) /> })}
                        </g>
                    }
                }).collect_any()}
            </svg>
            <div class="chart-axis-labels" aria-hidden="true">
                {labels.into_iter().map(|l| view! { <span class="chart-label">{l}</span> }).collect_any()}
            </div>
        </figure>
    }
}

/// Horizontal bars: one row per label, with its figure.
#[component]
pub fn BarList(rows: Vec<(String, i64, String)>, #[prop(into)] title: String) -> impl IntoView {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0);
    let empty = rows.is_empty();
    view! {
        <figure class="chart">
            <figcaption>{title}</figcaption>
            {empty.then(|| view! { <p class="muted small">"Nothing yet."</p> })}
            <div class="bar-list">
                {rows.into_iter().map(|(label, value, shown)| {
                    let w = if max > 0 { value as f64 / max as f64 * 100.0 } else { 0.0 };
                    view! {
                        <span class="chart-label">{label}</span>
                        <svg class="bar-list-bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">
                            <rect class="bar-primary" x="0" y="0" width=coordinate(w.max(0.5)) height="10" />
                        </svg>
                        <span class="chart-label">{shown}</span>
                    }
                }).collect_any()}
            </div>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::coordinate;

    #[test]
    fn a_coordinate_has_one_decimal_rounded() {
        assert_eq!(coordinate(12.34), "12.3");
        assert_eq!(coordinate(0.05), "0.1");
        assert_eq!(coordinate(720.0), "720.0");
        assert_eq!(coordinate(-1.25), "-1.3");
        assert_eq!(coordinate(-0.04), "0.0");
    }
}
