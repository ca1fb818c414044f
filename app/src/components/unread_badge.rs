//! A count of what waits for the reader beside a menu entry: the
//! customer's tickets with a reply; in the admin menu, open tickets
//! nobody on staff has read and open top-up requests. The browser asks once the page is up and again on every
//! navigation; the server draws nothing. Rendered by the server, the badge
//! cost every signed-in page a resource, a query and a Suspense boundary
//! (a third of a simple page's render). Asked from an effect, not a
//! resource: in the admin shell it sits inside a Transition, which a
//! resource would hold on the server for ever.
use leptos::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unread {
    /// The signed-in customer's tickets with a reply they have not read.
    MyTickets,
    /// Open tickets with a customer's message no admin has read.
    StaffInbox,
    /// Customers' open top-up requests.
    TopUpRequests,
}

#[component]
pub fn UnreadBadge(of: Unread) -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    let count = RwSignal::new(0i64);
    Effect::new(move |_| {
        location.pathname.track();
        leptos::task::spawn_local(async move {
            let asked = match of {
                Unread::MyTickets => crate::support::unread_support().await,
                Unread::StaffInbox => crate::support::admin_unread_support().await,
                Unread::TopUpRequests => crate::top_up_requests::admin_open_top_up_requests().await,
            };
            if let Ok(n) = asked {
                count.set(n);
            }
        });
    });
    let (testid, what) = match of {
        Unread::MyTickets => ("support-unread", "unread"),
        Unread::StaffInbox => ("admin-support-unread", "unread"),
        Unread::TopUpRequests => ("admin-top-up-requests", "open"),
    };
    move || {
        let n = count.get();
        (n > 0).then(|| view! { <span class="nav-badge" data-testid=testid aria-label=format!("{n} {what}")>{n}</span> })
    }
}
