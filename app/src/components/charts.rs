//! Charts drawn as SVG by the server (and kept by hydration): no chart
//! script, nothing from a CDN. Inline `style` attributes are avoided (the
//! CSP forbids them); colours come from classes in main.css.
use leptos::prelude::*;

/// One bar group per label: a primary value and an optional second one
/// drawn over it (e.g. revenue and refunds).
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub overlay: f64,
}

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 180.0;
const AXIS: f64 = 22.0;

/// Vertical bars with every `label_every`-th label under them.
#[component]
pub fn BarChart(
    bars: Vec<Bar>,
    #[prop(into)] title: String,
    #[prop(into)] legend: String,
    #[prop(optional, into)] overlay_legend: Option<String>,
    #[prop(default = 5)] label_every: usize,
    /// Formats the largest value for the axis.
    format: fn(f64) -> String,
) -> impl IntoView {
    let max = bars.iter().map(|b| b.value.max(b.overlay)).fold(0.0, f64::max);
    let scale = if max > 0.0 { (HEIGHT - AXIS - 8.0) / max } else { 0.0 };
    let slot = WIDTH / bars.len().max(1) as f64;
    let width = (slot * 0.7).max(1.0);
    let base = HEIGHT - AXIS;
    let summary = format!("{title}: highest {}", format(max));
    view! {
        <figure class="chart">
            <figcaption>
                {title.clone()} " "
                <span class="legend"><span class="swatch swatch-primary"></span>{legend}</span>
                {overlay_legend.map(|l| view! { " " <span class="legend"><span class="swatch swatch-overlay"></span>{l}</span> })}
            </figcaption>
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=summary preserveAspectRatio="none">
                <line class="chart-axis" x1="0" y1=base x2=WIDTH y2=base />
                <text class="chart-label" x="2" y="10">{format(max)}</text>
                {bars.into_iter().enumerate().map(|(i, bar)| {
                    let x = i as f64 * slot + (slot - width) / 2.0;
                    let h = bar.value * scale;
                    let o = bar.overlay * scale;
                    view! {
                        <g>
                            <title>{format!("{}: {}", bar.label, format(bar.value))}</title>
                            <rect class="bar-primary" x=x y=base - h width=width height=h />
                            {(o > 0.0).then(|| view! { <rect class="bar-overlay" x=x y=base - o width=width height=o /> })}
                            {(i % label_every.max(1) == 0).then(|| view! {
                                <text class="chart-label" x=x y=HEIGHT - 6.0>{bar.label.clone()}</text>
                            })}
                        </g>
                    }
                }).collect_view()}
            </svg>
        </figure>
    }
}

/// Horizontal bars: one row per label, with its figure.
#[component]
pub fn BarList(rows: Vec<(String, f64, String)>, #[prop(into)] title: String) -> impl IntoView {
    let max = rows.iter().map(|r| r.1).fold(0.0, f64::max);
    let row_height = 22.0;
    let height = (rows.len().max(1) as f64) * row_height;
    let empty = rows.is_empty();
    view! {
        <figure class="chart">
            <figcaption>{title.clone()}</figcaption>
            {empty.then(|| view! { <p class="muted small">"Nothing yet."</p> })}
            <svg viewBox=format!("0 0 {WIDTH} {height}") role="img" aria-label=title>
                {rows.into_iter().enumerate().map(|(i, (label, value, shown))| {
                    let y = i as f64 * row_height;
                    let w = if max > 0.0 { value / max * (WIDTH - 260.0) } else { 0.0 };
                    view! {
                        <g>
                            <text class="chart-label" x="0" y=y + 15.0>{label}</text>
                            <rect class="bar-primary" x="140" y=y + 4.0 width=w.max(1.0) height=row_height - 8.0 />
                            <text class="chart-label" x=150.0 + w y=y + 15.0>{shown}</text>
                        </g>
                    }
                }).collect_view()}
            </svg>
        </figure>
    }
}
