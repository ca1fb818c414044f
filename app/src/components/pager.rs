//! "Newer" and "Older" for a list read a page at a time, newest first,
//! each page after a cursor (`before`) its predecessor returned; or
//! "Previous" and "Next" for a list in another order.
use leptos::prelude::*;
use crate::reactive::handler;

/// Where a paged list stands: the cursor of the page shown, and those of
/// the pages before it, for "Newer".
#[derive(Debug, Clone, Copy)]
pub struct PageCursor {
    before: RwSignal<Option<i64>>,
    earlier: RwSignal<Vec<Option<i64>>>,
}

impl PageCursor {
    pub fn new() -> Self {
        Self { before: RwSignal::new(None), earlier: RwSignal::new(Vec::new()) }
    }

    /// The cursor to read the shown page with (tracked).
    pub fn before(&self) -> Option<i64> {
        self.before.get()
    }

    /// Whether a newer page than the shown one exists (tracked).
    pub fn has_earlier(&self) -> bool {
        self.earlier.with(|e| !e.is_empty())
    }

    /// Back to the newest page (after a filter changed).
    pub fn reset(&self) {
        self.earlier.set(Vec::new());
        self.before.set(None);
    }
}

impl Default for PageCursor {
    fn default() -> Self {
        Self::new()
    }
}

/// The two buttons; `next` is the shown page's cursor for the one after
/// it (None on the last page). `labels` name them (default "Newer",
/// "Older"). A single page hides them: two disabled buttons only say
/// there is nothing else.
#[component]
pub fn Pager(
    cursor: PageCursor,
    #[prop(into)] next: Signal<Option<i64>>,
    #[prop(optional)] labels: Option<(&'static str, &'static str)>,
) -> impl IntoView {
    let PageCursor { before, earlier } = cursor;
    let (back, forth) = labels.unwrap_or(("Newer", "Older"));
    let single = move || earlier.with(Vec::is_empty) && next.get().is_none();
    view! {
        <div class="pager" hidden=single>
            <button class="btn btn-small" disabled=move || earlier.with(Vec::is_empty)
                on:click=handler(move |_| {
                    let previous = earlier.try_update(Vec::pop).flatten().flatten();
                    before.set(previous);
                })>{back}</button>
            <button class="btn btn-small" disabled=move || next.get().is_none()
                on:click=handler(move |_| {
                    if let Some(next) = next.get_untracked() {
                        earlier.update(|c| c.push(before.get_untracked()));
                        before.set(Some(next));
                    }
                })>{forth}</button>
        </div>
    }
}
