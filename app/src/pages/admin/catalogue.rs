//! Admin: platforms and prices.
use leptos::{prelude::*, server_fn::ServerFn};
use crate::reactive::CollectAny;

use crate::domain::is_catch_all;
use crate::components::{data_table::DataTable, form::{empty_when_sent, send_form, ActionError}, loading::Loading, page_title::PageTitle};
use crate::get_number::{AdminPlatforms, AdminAddPlatform, AdminMovePlatform, AdminPlatform, AdminUpdatePlatform};
use crate::wire::Sender;

/// What a new platform's colour field starts at: the site's own blue.
const DEFAULT_COLOR: &str = "#1f5eff";

#[component]
pub fn AdminCatalogue() -> impl IntoView {
    let update = Sender::<AdminUpdatePlatform>::new();
    let add = Sender::<AdminAddPlatform>::new();
    let moved = Sender::<AdminMovePlatform>::new();
    let list = crate::wire::resource(move || (update.version().get(), add.version().get(), moved.version().get()), |_| AdminPlatforms {});
    view! {
        <PageTitle text="Admin · Platforms" />
        <h1>"Platforms"</h1>
        <Platforms update moved list />
        <AddPlatform add />
    }
}

/// Platforms and prices; changes apply to the next confirmation.
#[component]
fn Platforms(
    update: Sender<AdminUpdatePlatform>,
    moved: Sender<AdminMovePlatform>,
    list: crate::wire::Fetched<Vec<AdminPlatform>>,
) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Platforms and prices"</h2>
            <p class="muted small">"Customers see them in this order; “Other” stays last."</p>
            <ActionError value=update.value() />
            // Without it a save looks like nothing happened: the row keeps what was typed either way.
            {move || matches!(update.value().get(), Some(Ok(()))).then(|| view! {
                <div class="alert alert-success" data-testid="platform-saved">"Saved. The next number taken on it follows these terms."</div>
            })}
            <ActionError value=moved.value() />
            <Loading fallback=|| view! { <p>"Loading…"</p> }>
            <DataTable label="Platforms and prices" headers=&["Platform", "Colour", "Price (USD)", "Window (min)", "Enabled", "", "Order"] testid="admin-platforms" stacked=true>
                            {move || list.get().and_then(|r| r.ok()).map(|rows| rows.into_iter().map(|p| {
                                let form_id = format!("platform-form-{}", p.slug);
                                let row_id = format!("admin-platform-{}", p.slug);
                                let slug = p.slug.clone();
                                let order = (!is_catch_all(&p.slug)).then(|| {
                                    let (slug, name) = (p.slug.clone(), p.name.clone());
                                    view! {
                                        <MoveButton moved slug=slug.clone() name=name.clone() up=true />
                                        <MoveButton moved slug name up=false />
                                    }
                                });
                                // The page to share with customers, while it is on offer.
                                let page = p.enabled.then(|| {
                                    let (href, name) = (crate::pages::platform::platform_page_href(&p.slug), p.name.clone());
                                    view! { <a class="small" href=href>"Its page" <span class="sr-only">" for " {name}</span></a> }
                                });
                                let color = p.color.as_ref().map_or(DEFAULT_COLOR.to_string(), |c| c.to_string());
                                view! {
                                    <tr data-testid=row_id>
                                        <td data-label="Platform">
                                            <form id=form_id.clone() method="post" action=AdminUpdatePlatform::url() on:submit=send_form(update)>
                                                <input type="hidden" name="slug" value=p.slug.clone() />
                                                <input name="name" value=p.name.clone() aria-label="Name" maxlength="40" required />
                                            </form>
                                            <div class="muted small mono" title="Its name in the API and in upstream mappings">{slug}</div>
                                            {page}
                                        </td>
                                        <td data-label="Colour"><input form=form_id.clone() name="color" aria-label="Colour" type="color" value=color /></td>
                                        <td data-label="Price (USD)"><input form=form_id.clone() name="price" aria-label="Price" inputmode="decimal" value=p.price.decimal() /></td>
                                        <td data-label="Window (min)"><input form=form_id.clone() name="lease_minutes" aria-label="Window" type="number" min="1" max="1440" value=p.lease_minutes /></td>
                                        <td data-label="Enabled"><input form=form_id.clone() name="enabled" aria-label="Enabled" type="checkbox" value="yes" checked=p.enabled /></td>
                                        <td><button form=form_id.clone() type="submit" class="btn btn-small">"Save"</button></td>
                                        <td class="nowrap" data-label="Order">{order}</td>
                                    </tr>
                                }
                            }).collect_any())}
            </DataTable>
            </Loading>
        </section>
    }
}

/// One step up or down the catalogue, as a form of its own.
#[component]
fn MoveButton(moved: Sender<AdminMovePlatform>, slug: String, name: String, up: bool) -> impl IntoView {
    let (direction, arrow) = if up { ("up", "↑") } else { ("down", "↓") };
    view! {
        <form class="inline-form" method="post" action=AdminMovePlatform::url() on:submit=send_form(moved)>
            <input type="hidden" name="slug" value=slug />
            <input type="hidden" name="direction" value=direction />
            <button type="submit" class="btn btn-small" aria-label=format!("Move {name} {direction}")>{arrow}</button>
        </form>
    }
}

/// A new platform, enabled at once. Its numbers come from the pool until
/// an upstream mapping in the config names its slug.
#[component]
fn AddPlatform(add: Sender<AdminAddPlatform>) -> impl IntoView {
    let form = NodeRef::new();
    empty_when_sent(form, add.version(), add.value());
    view! {
        <section class="card" data-testid="add-platform">
            <h2>"Add a platform"</h2>
            <ActionError value=add.value() />
            {move || add.value().get().and_then(|r| r.ok()).map(|slug| view! {
                <div class="alert alert-success" data-testid="platform-added">
                    "Added, enabled, as " <code>{slug}</code> ". Customers see it now; numbers come from the pool unless an upstream in the config maps this slug."
                </div>
            })}
            <form class="form-inline" node_ref=form method="post" action=AdminAddPlatform::url() on:submit=send_form(add)>
                <div class="field">
                    <label for="new-platform-name">"Name"</label>
                    <input id="new-platform-name" name="name" maxlength="40" placeholder="Yahoo" required />
                </div>
                <div class="field">
                    <label for="new-platform-price">"Price (USD)"</label>
                    <input id="new-platform-price" name="price" inputmode="decimal" placeholder="1.00" required />
                </div>
                <div class="field">
                    <label for="new-platform-window">"Window (min)"</label>
                    <input id="new-platform-window" name="lease_minutes" type="number" min="1" max="1440" value="20" required />
                </div>
                <div class="field">
                    <label for="new-platform-color">"Colour"</label>
                    <input id="new-platform-color" name="color" type="color" value=DEFAULT_COLOR />
                </div>
                <button type="submit" class="btn btn-primary">"Add platform"</button>
            </form>
        </section>
    }
}
