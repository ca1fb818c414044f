//! Admin: platforms and prices.
use leptos::prelude::*;

use crate::components::{data_table::DataTable, form::ActionError, page_title::PageTitle};
use crate::get_number::{admin_platforms, AdminUpdatePlatform};

#[component]
pub fn AdminCatalogue() -> impl IntoView {
    let update = ServerAction::<AdminUpdatePlatform>::new();
    let list = Resource::new(move || update.version().get(), |_| admin_platforms());
    view! {
        <PageTitle text="Admin · Platforms" />
        <Platforms update list />
    }
}

/// Platforms and prices; changes apply to the next confirmation.
#[component]
fn Platforms(
    update: ServerAction<AdminUpdatePlatform>,
    list: Resource<Result<Vec<crate::get_number::AdminPlatform>, crate::error::AppError>>,
) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Platforms and prices"</h2>
            <ActionError value=update.value() />
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
            <DataTable headers=&["Platform", "Price (USD)", "Window (min)", "Enabled", ""] testid="admin-platforms">
                            {move || list.get().and_then(|r| r.ok()).map(|rows| rows.into_iter().map(|p| {
                                let form_id = format!("platform-form-{}", p.slug);
                                let row_id = format!("admin-platform-{}", p.slug);
                                view! {
                                    <tr data-testid=row_id>
                                        <td>
                                            <ActionForm action=update attr:id=form_id.clone()>
                                                <input type="hidden" name="slug" value=p.slug.clone() />
                                                <input name="name" value=p.name.clone() aria-label="Name" maxlength="40" required />
                                            </ActionForm>
                                        </td>
                                        <td><input form=form_id.clone() name="price" aria-label="Price" inputmode="decimal" value=p.price.decimal() /></td>
                                        <td><input form=form_id.clone() name="lease_minutes" aria-label="Window" type="number" min="1" max="1440" value=p.lease_minutes /></td>
                                        <td><input form=form_id.clone() name="enabled" aria-label="Enabled" type="checkbox" value="yes" checked=p.enabled /></td>
                                        <td><button form=form_id.clone() type="submit" class="btn btn-small">"Save"</button></td>
                                    </tr>
                                }
                            }).collect_view())}
            </DataTable>
            </Transition>
        </section>
    }
}
