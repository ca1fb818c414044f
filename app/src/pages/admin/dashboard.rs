//! Admin dashboard: today and the last 30 days, with SVG charts.
use leptos::{prelude::*, server_fn::ServerFn};

use crate::admin_dashboard::{PeriodFigures, SupportFigures, WalletFigures};
use crate::announcement::{AdminAnnouncement, describe, Announce, ClearAnnouncement};
use crate::components::{charts::{Bar, BarChart, BarList}, form::{empty_when_sent, error_alert, send_form, ActionError}, loading::Loading, local_time::format_utc, page_title::PageTitle};
use crate::domain::announcement::{MAX_ANNOUNCEMENT_CHARS, MAX_ANNOUNCEMENT_HOURS};
use crate::domain::Money;
use crate::wire::Sender;

fn dollars(cents: i64) -> String {
    Money::from_cents(cents).to_string()
}

fn count(n: i64) -> String {
    n.to_string()
}

fn duration(secs: Option<i64>) -> String {
    match secs {
        None => "—".into(),
        Some(s) if s < 120 => format!("{s} s"),
        Some(s) if s < 2 * 3600 => format!("{} min", s / 60),
        Some(s) => {
            // Hours to one decimal, rounded, without float formatting (see charts).
            let tenths = (s * 10 + 1800) / 3600;
            format!("{}.{} h", tenths / 10, tenths % 10)
        }
    }
}

/// Named figures side by side.
fn figure_grid<const N: usize>(items: [(&'static str, String); N]) -> impl IntoView {
    view! {
        <div class="figures">
            {items.map(|(name, value)| view! { <div class="figure"><span class="value">{value}</span><span class="name">{name}</span></div> })}
        </div>
    }
}

/// How support keeps up; the title leads to the inbox.
#[component]
fn SupportFiguresView(figures: SupportFigures) -> impl IntoView {
    let items = [
        ("Open tickets", figures.open.to_string()),
        ("Awaiting our reply", figures.awaiting_reply.to_string()),
        ("Opened, last 30 days", figures.opened_last_30_days.to_string()),
        ("Median first reply", duration(figures.median_secs_to_first_reply)),
    ];
    view! {
        <h2><a href="/admin/support">"Support"</a></h2>
        <div data-testid="support-figures">{figure_grid(items)}</div>
    }
}

/// The customers' money: held now and topped up; the title leads to the
/// wallets page.
#[component]
fn WalletFiguresView(figures: WalletFigures, top_ups_today: Money, top_ups_last_30_days: Money) -> impl IntoView {
    let items = [
        ("Held in wallets", figures.held.to_string()),
        ("Wallets with money", figures.funded.to_string()),
        ("Top-ups today", top_ups_today.to_string()),
        ("Top-ups, last 30 days", top_ups_last_30_days.to_string()),
    ];
    view! {
        <h2><a href="/admin/wallets">"Wallets"</a></h2>
        <div data-testid="wallet-figures">{figure_grid(items)}</div>
    }
}

#[component]
fn Figures(title: &'static str, figures: PeriodFigures) -> impl IntoView {
    let items = [
        ("Revenue", figures.revenue.to_string()),
        ("Refunds", figures.refunds.to_string()),
        ("Net", figures.net.to_string()),
        ("Leases", figures.leases.to_string()),
        ("Got a code", figures.code_share_percent().map(|p| format!("{p} %")).unwrap_or_else(|| "—".into())),
        ("Median time to code", duration(figures.median_secs_to_code)),
        ("New users", figures.new_users.to_string()),
    ];
    view! {
        <h2>{title}</h2>
        {figure_grid(items)}
    }
}

#[component]
pub fn AdminDashboard() -> impl IntoView {
    let data = crate::wire::resource(|| (), |_| crate::admin_dashboard::AdminDashboard {});
    view! {
        <PageTitle text="Admin · Dashboard" />
        <h1>"Dashboard"</h1>
        <Loading fallback=|| view! { <p>"Loading…"</p> }>
            {move || data.get().map(|r| match r {
                Err(e) => error_alert(&e),
                Ok(d) => {
                    let label = |day: i64| format_utc(day)[5..10].to_string();
                    let money: Vec<Bar> = d.days.iter().map(|x| Bar {
                        label: label(x.day),
                        value: x.revenue.cents(),
                        overlay: x.refunds.cents(),
                    }).collect();
                    let leases: Vec<Bar> = d.days.iter().map(|x| Bar { label: label(x.day), value: x.leases, overlay: 0 }).collect();
                    let outcomes: Vec<(String, i64, String)> = d.by_outcome.iter().map(|(l, n)| (l.clone(), *n, n.to_string())).collect();
                    let platforms: Vec<(String, i64, String)> = d.by_platform.iter().map(|(p, n, c)| {
                        (p.clone(), *n, format!("{n} ({} with a code)", c))
                    }).collect();
                    view! {
                        <section class="card" data-testid="dashboard">
                            <Figures title="Today (UTC)" figures=d.today.clone() />
                            <Figures title="Last 30 days" figures=d.last_30_days.clone() />
                            <WalletFiguresView figures=d.wallets.clone() top_ups_today=d.today.top_ups top_ups_last_30_days=d.last_30_days.top_ups />
                            <SupportFiguresView figures=d.support.clone() />
                        </section>
                        <section class="card">
                            <BarChart bars=money title="Revenue per day" legend="revenue" overlay_legend="refunds" format=dollars />
                            <BarChart bars=leases title="Leases per day" legend="leases" format=count />
                        </section>
                        <section class="card">
                            <BarList rows=outcomes title="Leases by outcome (30 days)" />
                            <BarList rows=platforms title="Leases by platform (30 days)" />
                        </section>
                    }.into_any()
                }
            })}
        </Loading>
        <AnnouncementEditor />
    }
}

/// The line above every page: published, replaced or taken down here.
#[component]
fn AnnouncementEditor() -> impl IntoView {
    let publish = Sender::<Announce>::new();
    let clear = Sender::<ClearAnnouncement>::new();
    let current = crate::wire::resource(move || (publish.version().get(), clear.version().get()), |_| AdminAnnouncement {});
    let announcement_form = NodeRef::new();
    empty_when_sent(announcement_form, publish.version(), publish.value());
    view! {
        <section class="card" aria-labelledby="announcement-heading">
            <h2 id="announcement-heading">"Announcement"</h2>
            <p class="muted small">"One line above every page, for everyone: a platform's codes are slow, maintenance tonight. Publishing replaces the one shown."</p>
            <Loading fallback=|| view! { <p>"Loading…"</p> }>
                {move || current.get().map(|r| match r {
                    Ok(Some(a)) => view! {
                        {describe(&a)}
                        <form method="post" action=ClearAnnouncement::url() on:submit=send_form(clear)>
                            <button type="submit" class="btn btn-small" data-testid="clear-announcement">"Take it down"</button>
                        </form>
                    }.into_any(),
                    Ok(None) => view! { <p data-testid="current-announcement">"None is shown."</p> }.into_any(),
                    Err(e) => error_alert(&e),
                })}
            </Loading>
            <form class="form" node_ref=announcement_form method="post" action=Announce::url() on:submit=send_form(publish)>
                <div class="field">
                    <label for="announcement-text">"Text"</label>
                    <input id="announcement-text" name="text" maxlength=MAX_ANNOUNCEMENT_CHARS.to_string() required />
                </div>
                <div class="field">
                    <label for="announcement-level">"Looks like"</label>
                    <select id="announcement-level" name="level">
                        <option value="info">"Information"</option>
                        <option value="warning">"Warning"</option>
                    </select>
                </div>
                <div class="field">
                    <label for="announcement-hours">"Hours to show it (empty: until taken down)"</label>
                    <input id="announcement-hours" name="hours" inputmode="numeric" placeholder=format!("1 to {MAX_ANNOUNCEMENT_HOURS}") />
                </div>
                <button type="submit" class="btn btn-primary" data-testid="publish-announcement">"Publish"</button>
            </form>
            <ActionError value=publish.value() />
            <ActionError value=clear.value() />
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::duration;

    #[test]
    fn a_duration_reads_in_seconds_minutes_or_hours() {
        assert_eq!(duration(None), "—");
        assert_eq!(duration(Some(59)), "59 s");
        assert_eq!(duration(Some(600)), "10 min");
        assert_eq!(duration(Some(5400)), "90 min");
        assert_eq!(duration(Some(7200)), "2.0 h");
        assert_eq!(duration(Some(8999)), "2.5 h");
        assert_eq!(duration(Some(86_400)), "24.0 h");
    }
}
