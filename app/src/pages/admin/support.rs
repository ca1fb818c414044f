//! Admin: the support inbox and a ticket's thread (reply, close).
use leptos::{prelude::*, server_fn::ServerFn};
use leptos_router::hooks::use_params_map;

use crate::components::{data_table::DataTable, form::{after_success, draft_until_sent, error_alert, send_form, send_on_ctrl_enter, typed_into, ActionError, SearchForm}, loading::Loading, local_time::LocalTime, page_title::PageTitle, staff_news::StaffNews, unread_badge::BadgeRecount};
use crate::components::staff_notes::{NoteActions, StaffNotes};
use crate::staff_notes::AdminTicketNotes;
use crate::pages::support::{ticket_lease, thread_view};
use crate::support::{
    AdminSavedReplies, AdminSupportMail, AdminTicketThread, AdminTickets, AdminAddSavedReply, AdminCloseTicket, AdminDeleteSavedReply, AdminEditSavedReply, AdminReplyTicket,
    AdminSetSupportMail, SavedReply, TicketCustomer, INBOX_MAX, INBOX_PAGE,
};
use crate::wire::Sender;
use crate::reactive::{handler, CollectAny};

#[component]
pub fn AdminSupport() -> impl IntoView {
    let status = RwSignal::new("open".to_string());
    let search = RwSignal::new(String::new());
    // How many of the last updated: "Show more" adds a page.
    let shown = RwSignal::new(INBOX_PAGE);
    let tickets = crate::wire::resource(move || (status.get(), search.get(), shown.get()), |(status, search, shown)| AdminTickets { status: Some(status), search: Some(search), shown: Some(shown) });
    // A new ticket or message shows without a reload.
    StaffNews::on_ticket(move |_| tickets.refetch());
    let show_more = show_more_focus();
    view! {
        <PageTitle text="Admin · Support" />
        <h1>"Support inbox"</h1>
        <section class="card">
            <SearchForm id="inbox-search" label="Subject, message, customer or number" on_search=move |text| { shown.set(INBOX_PAGE); search.set(text) }>
                <div class="field">
                    <label for="inbox-status">"Show"</label>
                    <select id="inbox-status" on:change=handler(move |ev| { shown.set(INBOX_PAGE); status.set(event_target_value(&ev)) })>
                        <option value="open">"Open"</option>
                        <option value="closed">"Closed"</option>
                        <option value="all">"All"</option>
                    </select>
                </div>
            </SearchForm>
            <Loading fallback=|| view! { <p>"Loading…"</p> }>
                {move || tickets.get().map(|r| match r {
                    Err(e) => error_alert(&e),
                    Ok(inbox) => {
                        let (count, more) = (inbox.tickets.len(), inbox.more);
                        let none = (count == 0).then(|| {
                            let text = match (search.with_untracked(String::is_empty), status.get_untracked().as_str()) {
                                (false, _) => "No ticket matches.",
                                (true, "open") => "No open tickets.",
                                (true, "closed") => "No closed tickets.",
                                _ => "No tickets yet.",
                            };
                            view! { <tr><td colspan="4" class="muted" data-testid="inbox-empty">{text}</td></tr> }
                        });
                        let rows = inbox.tickets.into_iter().map(|t| view! {
                            <tr>
                                <td>
                                    <a href=format!("/admin/support/{}", t.id)>{t.subject.clone()}</a>
                                    {t.unread.then(|| view! { " " <span class="badge badge-info">"unread"</span> })}
                                </td>
                                <td data-label="Customer">{t.customer.clone().map(customer_link)}</td>
                                <td data-label="Status">{t.status_label()}</td>
                                <td data-label="Updated"><LocalTime millis=t.updated_at /></td>
                            </tr>
                        }).collect_any();
                        view! {
                            <DataTable label="Support inbox" headers=&["Subject", "Customer", "Status", "Updated"] testid="inbox" stacked=true>
                                {none}
                                {rows}
                            </DataTable>
                            {more.then(|| view! {
                                <p class="muted small" data-testid="inbox-more">
                                    {format!("The {count} last updated, unread first.")}
                                    {if count < INBOX_MAX as usize {
                                        view! { " " <button type="button" class="btn btn-small" node_ref=show_more.button
                                            on:click=handler(move |_| { show_more.keep(); shown.update(|n| *n = (*n + INBOX_PAGE).min(INBOX_MAX)) })>
                                            {format!("Show {} more", INBOX_PAGE.min(INBOX_MAX - count as u32))}
                                        </button> }.into_any()
                                    } else {
                                        " Search to find others.".into_any()
                                    }}
                                </p>
                            })}
                        }.into_any()
                    }
                })}
            </Loading>
        </section>
        <SavedReplies />
        <SupportMail />
    }
}

/// "Show more" is drawn again with the longer list: the keyboard focus
/// goes back to it rather than to the top of the page.
#[derive(Clone, Copy)]
struct ShowMoreFocus {
    button: NodeRef<leptos::html::Button>,
    pressed: StoredValue<bool>,
}

impl ShowMoreFocus {
    fn keep(self) {
        self.pressed.set_value(true);
    }
}

fn show_more_focus() -> ShowMoreFocus {
    let focus = ShowMoreFocus { button: NodeRef::new(), pressed: StoredValue::new(false) };
    #[cfg(feature = "hydrate")]
    crate::reactive::effect(move || {
        if let Some(button) = focus.button.get() {
            if focus.pressed.get_value() {
                focus.pressed.set_value(false);
                let _ = button.focus();
            }
        }
    });
    focus
}

/// The answers support gives often; a reply on a ticket's page starts
/// from one.
#[component]
fn SavedReplies() -> impl IntoView {
    let add = Sender::<AdminAddSavedReply>::new();
    let edit = Sender::<AdminEditSavedReply>::new();
    let delete = Sender::<AdminDeleteSavedReply>::new();
    let replies = crate::wire::resource(move || (add.version().get(), edit.version().get(), delete.version().get()), |_| AdminSavedReplies {});
    // The reply whose "Edit" was pressed: the form below rewrites it.
    let editing = RwSignal::new(None::<SavedReply>);
    // The form empties once a reply is saved, ready for the next.
    let (title, body) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    crate::reactive::effect(move || {
        if let Some(Ok(_)) = add.value().get() {
            title.set(String::new());
            body.set(String::new());
        }
    });
    view! {
        <section class="card" aria-labelledby="saved-replies-heading">
            <h2 id="saved-replies-heading">"Saved replies"</h2>
            <p class="muted small">"Answers you give often. On a ticket, choose one to start your reply from, then edit it before sending."</p>
            <Loading fallback=|| view! { <p>"Loading…"</p> }>
                {move || replies.get().map(|r| match r {
                    Ok(list) if list.is_empty() => view! { <p class="muted">"None yet."</p> }.into_any(),
                    Ok(list) => view! {
                        <DataTable label="Saved replies" headers=&["Title", "Text", ""] testid="saved-replies" stacked=true>
                            {list.into_iter().map(|r| view! {
                                <tr>
                                    <td data-label="Title">{r.title.clone()}</td>
                                    <td data-label="Text" class="pre-wrap">{r.body.clone()}</td>
                                    <td>
                                        <button type="button" class="btn btn-small" on:click=handler({
                                            let r = r.clone();
                                            move |_| editing.set(Some(r.clone()))
                                        })>"Edit"<span class="sr-only">{format!(" {}", r.title)}</span></button>
                                        " "
                                        <form class="inline-form" method="post" action=AdminDeleteSavedReply::url() on:submit=send_form(delete)>
                                            <input type="hidden" name="id" value=r.id />
                                            <button type="submit" class="btn btn-small btn-danger">"Delete"<span class="sr-only">{format!(" {}", r.title)}</span></button>
                                        </form>
                                    </td>
                                </tr>
                            }).collect_any()}
                        </DataTable>
                    }.into_any(),
                    Err(e) => error_alert(&e),
                })}
            </Loading>
            <ActionError value=add.value() />
            <ActionError value=edit.value() />
            <ActionError value=delete.value() />
            {move || match editing.get() {
                Some(reply) => view! { <EditSavedReply reply edit editing /> }.into_any(),
                None => view! {
                    <form class="form" method="post" action=AdminAddSavedReply::url() on:submit=send_form(add)>
                        <div class="field">
                            <label for="saved-reply-title">"Title"</label>
                            <input id="saved-reply-title" name="title" maxlength="60" required prop:value=title on:input=typed_into(title) />
                        </div>
                        <div class="field">
                            <label for="saved-reply-body">"Text"</label>
                            <textarea id="saved-reply-body" name="body" rows="3" maxlength="5000" required prop:value=body on:input=typed_into(body)></textarea>
                        </div>
                        <button type="submit" class="btn">"Save reply"</button>
                    </form>
                }.into_any(),
            }}
        </section>
    }
}

/// The form rewriting a saved reply, in place of the one adding them;
/// it takes the focus, and goes once the change is saved or given up.
#[component]
fn EditSavedReply(reply: SavedReply, edit: Sender<AdminEditSavedReply>, editing: RwSignal<Option<SavedReply>>) -> impl IntoView {
    let first_field = NodeRef::<leptos::html::Input>::new();
    #[cfg(feature = "hydrate")]
    crate::reactive::effect(move || {
        if let Some(field) = first_field.get() {
            let _ = field.focus();
        }
    });
    // Closed by this edit's answer, not by an earlier one's.
    after_success(edit.version(), edit.value(), move || editing.set(None));
    view! {
        <form class="form" data-testid="edit-saved-reply" method="post" action=AdminEditSavedReply::url() on:submit=send_form(edit)>
            <h3>"Edit \u{201c}" {reply.title.clone()} "\u{201d}"</h3>
            <input type="hidden" name="id" value=reply.id />
            <div class="field">
                <label for="edit-saved-reply-title">"Title"</label>
                <input id="edit-saved-reply-title" name="title" maxlength="60" required value=reply.title node_ref=first_field />
            </div>
            <div class="field">
                <label for="edit-saved-reply-body">"Text"</label>
                <textarea id="edit-saved-reply-body" name="body" rows="3" maxlength="5000" required>{reply.body}</textarea>
            </div>
            <div class="actions">
                <button type="submit" class="btn btn-primary">"Save changes"</button>
                <button type="button" class="btn" on:click=handler(move |_| editing.set(None))>"Cancel"</button>
            </div>
        </form>
    }
}

/// "Start from a saved reply": choosing one puts its text in the reply
/// box (`draft`); nothing when none is saved.
#[component]
fn SavedReplyPicker(replies: crate::wire::Fetched<Vec<SavedReply>>, draft: RwSignal<String>) -> impl IntoView {
    move || replies.get().and_then(|r| r.ok()).filter(|l: &Vec<SavedReply>| !l.is_empty()).map(|list| {
        let options = list.iter().map(|r| view! { <option value=r.id>{r.title.clone()}</option> }).collect_any();
        view! {
            <div class="field">
                <label for="saved-reply">"Start from a saved reply"</label>
                <select id="saved-reply" on:change=handler(move |ev| {
                    let chosen = event_target_value(&ev).parse::<i64>().ok();
                    if let Some(reply) = list.iter().find(|r| Some(r.id) == chosen) {
                        draft.set(reply.body.clone());
                    }
                })>
                    <option value="">"—"</option>
                    {options}
                </select>
            </div>
        }
    })
}

/// Whether this admin is mailed when a customer writes: on by default,
/// off for an admin who does not answer tickets.
#[component]
fn SupportMail() -> impl IntoView {
    let set = Sender::<AdminSetSupportMail>::new();
    let current = crate::wire::resource(move || set.version().get(), |_| AdminSupportMail {});
    view! {
        <section class="card" aria-labelledby="support-mail-heading">
            <h2 id="support-mail-heading">"Mail about new messages"</h2>
            <Loading fallback=|| view! { <p>"Loading…"</p> }>
                {move || current.get().map(|r| match r {
                    Ok(on) => view! {
                        <p data-testid="support-mail-state">{if on {
                            "A new ticket, or a customer's message in a ticket staff have read, is mailed to you (to your verified address)."
                        } else {
                            "You are not mailed about customers' messages."
                        }}</p>
                        <form method="post" action=AdminSetSupportMail::url() on:submit=send_form(set)>
                            <input type="hidden" name="enabled" value=if on { "off" } else { "on" } />
                            <button type="submit" class="btn btn-small" data-testid="support-mail-toggle">
                                {if on { "Stop these mails" } else { "Mail me about new messages" }}
                            </button>
                        </form>
                    }.into_any(),
                    Err(e) => error_alert(&e),
                })}
            </Loading>
            <ActionError value=set.value() />
        </section>
    }
}

#[component]
pub fn AdminTicket() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
    let reply = Sender::<AdminReplyTicket>::new();
    let close = Sender::<AdminCloseTicket>::new();
    let thread = crate::wire::resource(move || (id(), reply.version().get(), close.version().get()), |(id, _, _)| AdminTicketThread { ticket_id: id });
    // Made with the page, not with the thread's view: a resource made in a
    // view that is drawn again would not match the server's on hydration.
    let saved = crate::wire::resource(|| (), |_| AdminSavedReplies {});
    let note_actions = NoteActions::new(id);
    let notes = crate::wire::resource(move || (id(), note_actions.to_read()), |(id, (_, before))| AdminTicketNotes { ticket_id: id, before });
    let draft = draft_until_sent(reply.value());
    // The customer's message shows as it arrives (and another admin's
    // reply); the draft stays as it is.
    StaffNews::on_ticket(move |ticket| {
        if ticket.is_none_or(|ticket| ticket == id()) {
            thread.refetch();
        }
    });
    // Reading the thread marks it read: once it arrived (after a link in
    // the app, not a page load, which reads it before the badge asks), and
    // again when a message heard live was read.
    BadgeRecount::after(move || (thread.get().and_then(|r| r.ok()).map(|t| (t.ticket.id, t.messages.len())), reply.version().get(), close.version().get()));
    view! {
        <PageTitle text="Admin · Ticket" />
        <p><a href="/admin/support">"← Inbox"</a></p>
        <Loading fallback=|| view! { <p>"Loading…"</p> }>
            <ActionError value=reply.value() />
            <ActionError value=close.value() />
            {move || thread.get().map(|r| match r {
                Err(e) => error_alert(&e),
                Ok(t) => view! {
                    <h1>{t.ticket.subject.clone()} " " <span class="badge" data-testid="ticket-status">{t.ticket.status_label()}</span></h1>
                    <p class="muted">"From " {t.ticket.customer.clone().map(customer_link)}</p>
                    {t.lease.map(ticket_lease)}
                    {thread_view(t.messages)}
                    <section class="card">
                        <form class="form" method="post" action=AdminReplyTicket::url() on:submit=send_form(reply)>
                            <input type="hidden" name="ticket_id" value=t.ticket.id />
                            <SavedReplyPicker replies=saved draft />
                            <div class="field">
                                <label for="admin-reply">"Reply"</label>
                                <textarea id="admin-reply" name="message" rows="4" maxlength="5000" required prop:value=draft on:input=typed_into(draft) on:keydown=send_on_ctrl_enter aria-describedby="admin-reply-hint"></textarea>
                                <p class="hint keyboard-hint" id="admin-reply-hint">"Ctrl+Enter sends."</p>
                            </div>
                            <button type="submit" class="btn btn-primary">"Send reply"</button>
                        </form>
                        {(t.ticket.status == "open").then(|| view! {
                            <form method="post" action=AdminCloseTicket::url() on:submit=send_form(close)>
                                <input type="hidden" name="ticket_id" value=t.ticket.id />
                                <button type="submit" class="btn">"Close ticket"</button>
                            </form>
                        })}
                    </section>
                }.into_any(),
            })}
        </Loading>
        <StaffNotes notes actions=note_actions />
    }
}

/// The customer, linked to their user page (wallet, leases, devices).
fn customer_link(c: TicketCustomer) -> impl IntoView {
    view! { <a href=format!("/admin/users/{}", c.public_id)>{c.public_id.clone()} " " {c.username}</a> }
}
