//! Support: the operator's contacts, the customer's tickets, and a
//! ticket's thread at `/support/:id`.
use leptos::{prelude::*, server_fn::ServerFn};
use crate::reactive::CollectAny;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

use crate::auth::use_viewer;
use crate::components::{form::{draft_until_sent, error_alert, send_form, send_on_ctrl_enter, typed_into, ActionError}, lease_messages::LeaseMessages, loading::Loading, local_time::LocalTime, page_title::PageTitle, unread_badge::BadgeRecount};
use crate::get_number::{MyLeases, LeaseView};
use crate::site_info::use_site_info;
use crate::support::{MyTickets, TicketThread, CloseTicket, OpenTicket, ReplyTicket, TicketMessage};
use crate::wire::Sender;

#[component]
fn Contacts() -> impl IntoView {
    let s = use_site_info();
    view! {
        <section class="card">
            <h2>"Contact"</h2>
            <p>
                "WhatsApp: " <a href=s.whatsapp_link(&format!("Hello, I need help with {}.", s.brand_name)) rel="noopener" target="_blank" data-testid="support-whatsapp">{s.whatsapp_display()}</a>
                " · Email: " <a href=format!("mailto:{}", s.support_email)>{s.support_email.clone()}</a>
            </p>
            <p class="muted small">"For a wallet recharge, send your user ID over WhatsApp. For anything about a number, a ticket below keeps the details together; once your email address is verified, support's answers are emailed to you too."</p>
        </section>
    }
}

pub fn thread_view(messages: Vec<TicketMessage>) -> impl IntoView {
    view! {
        <div class="thread" data-testid="thread">
            {messages.into_iter().map(|m| view! {
                <div class="message" class:message-staff=m.from_staff>
                    <div class="meta">{m.author} " · " <LocalTime millis=m.at /></div>
                    {m.body}
                </div>
            }).collect_any()}
        </div>
    }
}

/// Answers to what customers ask most, before they write (each follows
/// from the rules on the Policies page).
#[component]
fn CommonQuestions() -> impl IntoView {
    let s = use_site_info();
    view! {
        <section class="card faq" aria-labelledby="faq-heading" data-testid="faq">
            <h2 id="faq-heading">"Common questions"</h2>
            <details>
                <summary>"My code has not arrived."</summary>
                <p>"Codes usually come within a minute or two, and show on Get Number by themselves. If none comes before the countdown ends, the fee goes back to your wallet automatically. You can also cancel at any time before a code arrives (refunded at once), or Switch to take a number for another platform."</p>
            </details>
            <details>
                <summary>"The platform refuses the number."</summary>
                <p>"Some platforms turn some numbers away. While no code has arrived, press the lease's \"… refused it\" button: the fee comes back, and others get that number for the platform only when no other is free. Ask again and you get a different number whenever another is free. Once a code has arrived, the lease is not refunded: see " <a href="/policies#refunds">"Refunds"</a> "."</p>
            </details>
            <details>
                <summary>"I chose the wrong platform."</summary>
                <p>"Cancel before a code arrives and the fee comes back; then choose the right one. A number is rented for one platform, and a code from another is not guaranteed."</p>
            </details>
            <details>
                <summary>"How do I add money?"</summary>
                <p>"On the " <a href="/wallet">"Wallet"</a> " page, send us your user ID and the amount over WhatsApp. We credit your wallet by hand and email you when it is done; every top-up shows in your wallet history."</p>
            </details>
            <details>
                <summary>"A platform asks for a code again on a number I had."</summary>
                <p>"Rent the same number again: " <a href="/numbers">"Your numbers"</a> " shows \"Rent again\" beside each number you can take back now, for the platform you used it for, at today's price. A code you received keeps the number from other customers for that platform (see the " <a href="/policies#terms">"Policies"</a> "), not from you. Numbers from our suppliers and numbers someone else is using cannot be taken back."</p>
            </details>
            <details>
                <summary>"Where are the codes I received before?"</summary>
                <p>"In " <a href="/numbers">"Your numbers"</a> ": every number you rented and each text it received. A text is erased " {s.sms_retention_hours} " hours after its lease ended; the code stays."</p>
            </details>
        </section>
    }
}

/// The lease a ticket is about, for the customer and for support alike:
/// what was rented, how it stands and every message the number received.
pub fn ticket_lease(lease: LeaseView) -> impl IntoView {
    let outcome = lease.outcome();
    view! {
        <section class="card" data-testid="ticket-about">
            <h2>"About " {lease.platform} " " <span class="mono">{lease.number_display}</span></h2>
            <dl class="details">
                <dt>"Lease"</dt><dd>"#" {lease.id}</dd>
                <dt>"Rented"</dt><dd><LocalTime millis=lease.created_at /></dd>
                <dt>"Status"</dt><dd>{outcome}</dd>
                <dt>"Price"</dt><dd>{lease.price.to_string()}</dd>
            </dl>
            {lease.messages.is_empty().then(|| view! { <p class="muted">"No message arrived."</p> })}
            <LeaseMessages messages=lease.messages open=true />
        </section>
    }
}

#[component]
pub fn SupportPage() -> impl IntoView {
    let viewer = use_viewer();
    let open = Sender::<OpenTicket>::new();
    let tickets = crate::wire::resource(move || open.version().get(), |_| MyTickets {});
    let leases = crate::wire::resource(|| (), |_| MyLeases {});
    // Support's answer marks its ticket "new reply" without a reload
    // (the list is read again once the stream is open: it has no cursor).
    #[cfg(feature = "hydrate")]
    crate::reactive::effect(move || {
        use crate::components::live_updates::{AccountStream, CatchUp};
        if viewer.signed_in_untracked() {
            AccountStream::open_on(&["support", "lease"], CatchUp::Always, move || tickets.refetch());
        }
    });
    // And the menu's count with it.
    BadgeRecount::after(move || tickets.get().and_then(|r| r.ok()).map(|list| list.iter().filter(|t| t.unread).count()));
    // `/support?lease=…`: the lease a customer asks about, chosen already.
    let asked_about = use_query_map().with_untracked(|q| q.get("lease").and_then(|id| id.parse::<i64>().ok()));
    let navigate = use_navigate();
    crate::reactive::effect(move || {
        if let Some(Ok(id)) = open.value().get() {
            navigate(&format!("/support/{id}"), Default::default());
        }
    });
    view! {
        <PageTitle text="Support" description="Answers to common questions, and how to reach us: in-app tickets, WhatsApp and email." />
        <h1>"Support"</h1>
        <Contacts />
        <CommonQuestions />
        <Loading fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let (_, _, v) = (tickets.track(), leases.track(), viewer.get());
                match v {
                    None => view! {
                        <section class="card">
                            <p>"Sign in to open a ticket and follow the answers here."</p>
                            <a class="btn btn-primary" href="/sign-in?next=/support">"Sign in"</a>
                        </section>
                    }.into_any(),
                    Some(_) => view! {
                        <section class="card">
                            <h2>"Open a ticket"</h2>
                            <ActionError value=open.value() />
                            <form class="form" method="post" action=OpenTicket::url()
                                on:submit=send_form(open)>
                                <div class="field">
                                    <label for="ticket-subject">"Subject"</label>
                                    <input id="ticket-subject" name="subject" maxlength="120" required />
                                </div>
                                <div class="field">
                                    <label for="ticket-lease">"About a number (optional)"</label>
                                    <select id="ticket-lease" name="lease_id">
                                        <option value="">"—"</option>
                                        {move || leases.get().and_then(|r| r.ok()).map(|o| {
                                            let listed: Vec<_> = o.open.into_iter().chain(o.recent).collect();
                                            // An older lease asked about from "Your numbers" is
                                            // offered too (the server checks it is the customer's).
                                            let older = asked_about.filter(|id| !listed.iter().any(|l| l.id == *id));
                                            let older = older.map(|id| view! { <option value=id.to_string() selected>{format!("#{id}")}</option> });
                                            let listed = listed.into_iter().map(|l| view! {
                                                <option value=l.id.to_string() selected=asked_about == Some(l.id)>{format!("#{} {}", l.id, l.described())}</option>
                                            }).collect_any();
                                            (listed, older)
                                        })}
                                    </select>
                                </div>
                                <div class="field">
                                    <label for="ticket-message">"Message"</label>
                                    <textarea id="ticket-message" name="message" rows="5" maxlength="5000" required></textarea>
                                </div>
                                <button type="submit" class="btn btn-primary">"Send"</button>
                            </form>
                        </section>
                        <section class="card">
                            <h2>"Your tickets"</h2>
                            <ul class="plain-list" data-testid="tickets">
                                {move || tickets.get().and_then(|r| r.ok()).map(|list| {
                                    if list.is_empty() {
                                        return view! { <li class="muted">"No tickets yet."</li> }.into_any();
                                    }
                                    list.into_iter().map(|t| view! {
                                        <li>
                                            <a href=format!("/support/{}", t.id)>{t.subject.clone()}</a>
                                            " " <span class="badge">{t.status.clone()}</span>
                                            {t.unread.then(|| view! { " " <span class="badge badge-info">"new reply"</span> })}
                                            " " <span class="muted small"><LocalTime millis=t.updated_at /></span>
                                        </li>
                                    }).collect_any().into_any()
                                })}
                            </ul>
                        </section>
                    }.into_any(),
                }
            }}
        </Loading>
    }
}

#[component]
pub fn TicketPage() -> impl IntoView {
    #[cfg(feature = "hydrate")]
    let signed_in = use_viewer().signed_in_untracked();
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
    let reply = Sender::<ReplyTicket>::new();
    let close = Sender::<CloseTicket>::new();
    let thread = crate::wire::resource(move || (id(), reply.version().get(), close.version().get()), |(id, _, _)| TicketThread { ticket_id: id });
    let draft = draft_until_sent(reply.value());
    // Support's answer shows without a reload, and so does a text arriving
    // for the lease the ticket is about.
    #[cfg(feature = "hydrate")]
    crate::reactive::effect(move || {
        use crate::components::live_updates::{AccountStream, CatchUp};
        let catch_up = match thread.get_untracked() {
            Some(Ok(t)) => CatchUp::After(t.events_cursor),
            Some(Err(_)) => return, // not the customer's, or signed out
            None => CatchUp::Always,
        };
        if signed_in {
            AccountStream::open_on(&["support", "lease"], catch_up, move || thread.refetch());
        }
    });
    // Reading the thread marks it read: once it arrived (after a link in
    // the app, not a page load, which reads it before the badge asks).
    BadgeRecount::after(move || thread.get().and_then(|r| r.ok()).map(|t| t.ticket.id));
    view! {
        <PageTitle text="Support ticket" />
        <p><a href="/support">"← All tickets"</a></p>
        <Loading fallback=|| view! { <p>"Loading…"</p> }>
            {move || thread.get().map(|r| match r {
                Err(e) => error_alert(&e),
                Ok(t) => view! {
                    <h1>{t.ticket.subject.clone()} " " <span class="badge">{t.ticket.status.clone()}</span></h1>
                    {t.lease.map(ticket_lease)}
                    {thread_view(t.messages)}
                    <section class="card">
                        <ActionError value=reply.value() />
                        <ActionError value=close.value() />
                        <form class="form" method="post" action=ReplyTicket::url() on:submit=send_form(reply)>
                            <input type="hidden" name="ticket_id" value=t.ticket.id />
                            <div class="field">
                                <label for="reply-message">"Reply"</label>
                                <textarea id="reply-message" name="message" rows="4" maxlength="5000" required prop:value=draft on:input=typed_into(draft) on:keydown=send_on_ctrl_enter aria-describedby="reply-hint"></textarea>
                                <p class="hint keyboard-hint" id="reply-hint">"Ctrl+Enter sends."</p>
                            </div>
                            <button type="submit" class="btn btn-primary">"Send"</button>
                        </form>
                        {(t.ticket.status == "open").then(|| view! {
                            <form method="post" action=CloseTicket::url() on:submit=send_form(close)>
                                <input type="hidden" name="ticket_id" value=t.ticket.id />
                                <button type="submit" class="btn">"Solved: close the ticket"</button>
                            </form>
                        })}
                        {(t.ticket.status == "closed").then(|| view! { <p class="muted small" data-testid="ticket-closed">"This ticket is closed. Writing again reopens it."</p> })}
                    </section>
                }.into_any(),
            })}
        </Loading>
    }
}
