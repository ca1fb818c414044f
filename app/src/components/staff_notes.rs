//! Staff notes on a customer (`crate::staff_notes`), on the admin user
//! page and beside a ticket: the newest first, a box to add one, and
//! "Delete" on those the reader may delete.
use leptos::{prelude::*, server_fn::ServerFn};
use crate::components::loading::Loading;
use crate::reactive::CollectAny;

use crate::{
    components::{form::{after_success, draft_until_sent, error_alert, send_form, typed_into, ActionError}, local_time::LocalTime, pager::{PageCursor, Pager}},
    staff_notes::{AdminAddStaffNote, AdminDeleteStaffNote, CustomerNotes, StaffNote, NOTE_MAX_CHARS},
};
use crate::wire::Sender;

/// The notes' actions, made with the page (as its resource must be), and
/// a count of their successes for that resource to follow: a refused note
/// leaves the list and the typed text as they were. The text being typed
/// and the page of notes shown live here too, so a redraw of the part
/// holding them keeps them; both start over when the page shows another
/// customer or ticket (`subject`) without being made again, so that a note
/// typed for one is never saved on the other.
#[derive(Clone, Copy)]
pub struct NoteActions {
    add: Sender<AdminAddStaffNote>,
    delete: Sender<AdminDeleteStaffNote>,
    changed: RwSignal<usize>,
    draft: RwSignal<String>,
    cursor: PageCursor,
}

impl NoteActions {
    pub fn new<S: PartialEq + Send + Sync + 'static>(subject: impl Fn() -> S + Send + Sync + 'static) -> Self {
        let (add, delete, changed, cursor) = (Sender::new(), Sender::new(), RwSignal::new(0), PageCursor::new());
        let draft = draft_until_sent(add.value());
        // A new note is the newest: show the page it is on.
        after_success(add.version(), add.value(), move || {
            cursor.reset();
            changed.update(|n| *n += 1);
        });
        after_success(delete.version(), delete.value(), move || changed.update(|n| *n += 1));
        Effect::watch(
            subject,
            move |now, before, _| {
                if before != Some(now) {
                    cursor.reset();
                    draft.set(String::new());
                }
            },
            false,
        );
        NoteActions { add, delete, changed, draft, cursor }
    }

    /// Tracked: what to read the notes with, which moves after each note
    /// added or deleted and with the page asked for.
    pub fn to_read(&self) -> (usize, Option<i64>) {
        (self.changed.get(), self.cursor.before())
    }
}

/// `notes` is None once the customer deleted their account.
#[component]
pub fn StaffNotes(notes: crate::wire::Fetched<Option<CustomerNotes>>, actions: NoteActions) -> impl IntoView {
    let draft = actions.draft;
    view! {
        <section class="card" aria-labelledby="staff-notes-heading" data-testid="staff-notes">
            <h2 id="staff-notes-heading">"Staff notes"</h2>
            <ActionError value=actions.add.value() />
            <ActionError value=actions.delete.value() />
            <Loading fallback=|| view! { <p>"Loading…"</p> }>
                {move || notes.get().map(|r| match r {
                    Err(e) => error_alert(&e),
                    Ok(None) => view! { <p class="muted">"The customer deleted their account; its notes went with it."</p> }.into_any(),
                    Ok(Some(customer)) => view! {
                        <form class="form" method="post" action=AdminAddStaffNote::url() on:submit=send_form(actions.add)>
                            <input type="hidden" name="public_id" value=customer.public_id />
                            <div class="field">
                                <label for="staff-note">"Add a note for staff"</label>
                                <textarea id="staff-note" name="body" rows="2" maxlength=NOTE_MAX_CHARS required prop:value=draft on:input=typed_into(draft) aria-describedby="staff-note-hint"></textarea>
                                <p class="hint" id="staff-note-hint">"The customer does not see notes in the app, but their data download includes them: write what you would say to them."</p>
                            </div>
                            <button type="submit" class="btn">"Save note"</button>
                        </form>
                        {note_list(customer.notes, actions.delete)}
                        {(customer.next_before.is_some() || actions.cursor.has_earlier()).then(|| view! {
                            <Pager cursor=actions.cursor next=Signal::derive(move || customer.next_before) />
                        })}
                    }.into_any(),
                })}
            </Loading>
        </section>
    }
}

fn note_list(notes: Vec<StaffNote>, delete: Sender<AdminDeleteStaffNote>) -> AnyView {
    if notes.is_empty() {
        return view! { <p class="muted">"No notes yet."</p> }.into_any();
    }
    view! {
        <div class="thread" data-testid="staff-note-list">
            {notes.into_iter().map(|n| view! {
                <div class="message">
                    <div class="meta">
                        {n.author} " · " <LocalTime millis=n.created_at />
                        {n.may_delete.then(|| view! {
                            " · "
                            <form class="inline-form" method="post" action=AdminDeleteStaffNote::url() on:submit=send_form(delete)>
                                <input type="hidden" name="id" value=n.id />
                                <button type="submit" class="btn btn-small">"Delete"</button>
                            </form>
                        })}
                    </div>
                    {n.body}
                </div>
            }).collect_any()}
        </div>
    }
    .into_any()
}
