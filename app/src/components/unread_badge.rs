//! A count of what waits for the reader beside a menu entry: the
//! customer's tickets with a reply; in the admin menu, open tickets
//! nobody on staff has read, open top-up requests and what on the Supply
//! page needs an operator. The browser asks once the page is up and again
//! on every navigation; the server draws nothing. Rendered by the server,
//! the badge cost every signed-in page a resource, a query and a Suspense
//! boundary (a third of a simple page's render). Asked from an effect, not a
//! resource: in the admin shell it sits inside a Transition, which a
//! resource would hold on the server for ever.
use leptos::prelude::*;

use crate::components::staff_news::StaffNews;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unread {
    /// The signed-in customer's tickets with a reply they have not read.
    MyTickets,
    /// Open tickets with a customer's message no admin has read.
    StaffInbox,
    /// Customers' open top-up requests.
    TopUpRequests,
    /// What on the Supply page waits for an operator.
    SupplyProblems,
}

/// Makes the badges below ask again when a page's action changed what
/// they count (a dismissed SMS, a filled top-up request), without waiting
/// for the next navigation. Provided by the app's root.
#[derive(Debug, Clone, Copy)]
pub struct BadgeRecount(RwSignal<usize>);

impl BadgeRecount {
    pub fn provide() {
        provide_context(BadgeRecount(RwSignal::new(0)));
    }

    /// The badges recount whenever `changed` (an action's version, say)
    /// changes after the page was drawn.
    pub fn after<D: PartialEq + 'static>(changed: impl Fn() -> D + 'static) {
        let Some(BadgeRecount(round)) = use_context::<BadgeRecount>() else { return };
        // A plain effect, not `Effect::watch`: a resource read in the
        // latter's dependencies counts as read outside an effect while
        // hydrating, and Leptos warns.
        let mut before = None;
        crate::reactive::effect(move || {
            let now = changed();
            if before.as_ref().is_some_and(|b| *b != now) {
                round.update(|n| *n += 1);
            }
            before = Some(now);
        });
    }
}

#[component]
pub fn UnreadBadge(of: Unread) -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    let recount = use_context::<BadgeRecount>();
    // usize like the other counters: one signal type in the WASM.
    let count = RwSignal::new(0usize);
    crate::reactive::effect(move || {
        location.pathname.track();
        if let Some(BadgeRecount(round)) = recount {
            round.track();
        }
        // A customer's message counts as it arrives.
        if of == Unread::StaffInbox {
            StaffNews::track();
        }
        leptos::task::spawn_local(async move {
            let asked = match of {
                Unread::MyTickets => crate::wire::call(crate::support::UnreadSupport {}).await,
                Unread::StaffInbox => crate::wire::call(crate::support::AdminUnreadSupport {}).await,
                Unread::TopUpRequests => crate::wire::call(crate::top_up_requests::AdminOpenTopUpRequests {}).await,
                Unread::SupplyProblems => crate::wire::call(crate::number_pool::AdminSupplyAttention {}).await,
            };
            if let Ok(n) = asked {
                count.set(usize::try_from(n).unwrap_or(0));
            }
        });
    });
    let (testid, what) = match of {
        Unread::MyTickets => ("support-unread", "unread"),
        Unread::StaffInbox => ("admin-support-unread", "unread"),
        Unread::TopUpRequests => ("admin-top-up-requests", "open"),
        Unread::SupplyProblems => ("admin-supply-attention", "need attention"),
    };
    move || {
        let n = count.get();
        (n > 0).then(|| view! { <span class="nav-badge" data-testid=testid aria-label=format!("{n} {what}")>{n}</span> })
    }
}
