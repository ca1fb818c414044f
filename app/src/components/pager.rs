//! "Newer" and "Older" for a list read a page at a time, newest first,
//! each page after a cursor (`before`) its predecessor returned; or
//! "Previous" and "Next" for a list in another order.
use leptos::prelude::*;
use crate::reactive::handler;

/// Where a paged list stands: the cursors of the pages read so far, the
/// shown one last (None for the newest), so "Newer" goes back one.
#[derive(Debug, Clone, Copy)]
pub struct PageCursor {
    pages: RwSignal<Vec<Option<i64>>>,
}

impl PageCursor {
    pub fn new() -> Self {
        Self { pages: RwSignal::new(vec![None]) }
    }

    /// The cursor to read the shown page with (tracked).
    pub fn before(&self) -> Option<i64> {
        self.pages.with(|pages| pages.last().copied().flatten())
    }

    /// Whether a newer page than the shown one exists (tracked).
    pub fn has_earlier(&self) -> bool {
        self.pages.with(|pages| pages.len() > 1)
    }

    /// Back to the newest page (after a filter changed).
    pub fn reset(&self) {
        self.pages.set(vec![None]);
    }

    /// One page newer; the newest page stays (the stack is never empty).
    fn newer(&self) {
        self.pages.update(|pages| {
            if pages.len() > 1 {
                pages.pop();
            }
        });
    }

    /// The page after the shown one, read with `next`.
    fn older(&self, next: i64) {
        self.pages.update(|pages| pages.push(Some(next)));
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
    let (back, forth) = labels.unwrap_or(("Newer", "Older"));
    let single = move || !cursor.has_earlier() && next.get().is_none();
    view! {
        <div class="pager" hidden=single>
            <button class="btn btn-small" disabled=move || !cursor.has_earlier()
                on:click=handler(move |_| cursor.newer())>{back}</button>
            <button class="btn btn-small" disabled=move || next.get().is_none()
                on:click=handler(move |_| {
                    if let Some(next) = next.get_untracked() {
                        cursor.older(next);
                    }
                })>{forth}</button>
        </div>
    }
}
