//! `/docs/api`: the reseller API, for people pointing an SMS-Activate
//! client or their own script at us.
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use crate::reactive::CollectAny;

#[cfg(feature = "ssr")]
use crate::components::data_table::DataTable;
use crate::components::{page_title::PageTitle, server_text::{ServerText, Text}};

#[cfg(feature = "ssr")]
const ACTIONS: [(&str, &str, &str); 12] = [
    ("getBalance", "", "ACCESS_BALANCE:12.34"),
    ("getNumber", "service (tg or telegram), country=187, maxPrice (optional)", "ACCESS_NUMBER:1234:12025550123"),
    ("getNumberV2", "as getNumber", "JSON: activationId, phoneNumber, activationCost, activationTime…"),
    ("getStatus", "id", "STATUS_WAIT_CODE · STATUS_OK:123456 · STATUS_CANCEL"),
    ("setStatus", "id, status: 1 ready · 3 another SMS · 6 done · 8 cancel", "ACCESS_READY · ACCESS_RETRY_GET · ACCESS_ACTIVATION · ACCESS_CANCEL"),
    ("getActiveActivations", "", "JSON: your open activations, each with activationId, phoneNumber, serviceCode, smsCode, smsText, activationStatus (\"0\" waiting, \"1\" a code arrived)… · NO_ACTIVATIONS"),
    ("getExtraActivation", "activationId: an ended one of yours; the same number again, for its service at today's price, while it is free", "ACCESS_NUMBER:1240:12025550123 · NO_NUMBERS"),
    ("getPrices", "service, country (optional); your prices, any discount of yours included", "JSON: {\"187\": {\"tg\": {\"cost\": 1.2, \"count\": 40}}}"),
    ("getNumbersStatus", "country (optional)", "JSON: {\"tg_0\": \"40\", \"wa_0\": \"12\"}"),
    ("getCountries", "", "JSON: the USA (187) only"),
    ("getServicesList", "", "JSON: service codes and names"),
    ("(any)", "", "BAD_KEY · BAD_ACTION · BAD_SERVICE · NO_BALANCE · NO_NUMBERS · WRONG_MAX_PRICE:1.20 · WRONG_ACTIVATION_ID · BAD_STATUS · EARLY_CANCEL_DENIED · TOO_MANY_ACTIVE_RENTALS"),
];

#[component]
pub fn ApiDocsPage() -> impl IntoView {
    view! {
        <PageTitle text="API" description="An SMS-Activate-compatible API to rent US numbers and read their codes from your own software." />
        <article class="card prose">
            <h1>"Reseller API"</h1>
            <ServerText text=Text::ApiDocs />
        </article>
    }
}

/// The API's description, rendered by the server only (`ServerText`).
#[cfg(feature = "ssr")]
pub(crate) fn api_text(site: crate::site_info::SiteInfo) -> impl IntoView {
    let base = site.public_url.unwrap_or_else(|| "https://<this site>".into());
    view! {
        <p>
            "We speak the SMS-Activate " <code>"handler_api.php"</code> " protocol. A bot written for it works with us when you change
            its base URL and its key. Create a key on your " <a href="/account#api-keys">"Account"</a>
            " page (a verified email is needed); it is shown once. Numbers rented through the API appear on your Get Number page, are paid
            from the same wallet and follow the same rules: a cancel before a code refunds the fee, an expiry without a code is refunded
            automatically, and nothing is refunded after a code."
        </p>
        <h2>"Endpoint"</h2>
        <p><code>{format!("{base}/stubs/handler_api.php")}</code> " — GET or POST (form), with " <code>"api_key"</code> " and " <code>"action"</code> "."</p>
        <DataTable label="Reseller API actions" headers=&["action", "parameters", "answers"]>
                    {ACTIONS.map(|(action, params, answers)| view! {
                        <tr><td class="mono">{action}</td><td>{params}</td><td class="mono small">{answers}</td></tr>
                    }).collect_any()}
        </DataTable>
        <p>
            "Services are our platform names (" <code>"telegram"</code> ") or the usual SMS-Activate codes (" <code>"tg"</code> ", "
            <code>"wa"</code> ", " <code>"go"</code> "…). Each key may make 10 requests a second (bursts of 30); beyond that the answer is HTTP 429 "
            <code>"TOO_MANY_REQUESTS"</code> "."
        </p>
        <h2>"curl"</h2>
        // Focusable: on a phone the examples scroll sideways.
        <pre tabindex="0" aria-label="curl example"><code>{format!(
"KEY=usnh_…
curl '{0}/stubs/handler_api.php?api_key='$KEY'&action=getBalance'
curl '{0}/stubs/handler_api.php?api_key='$KEY'&action=getNumber&service=tg&country=187'
# ACCESS_NUMBER:1234:12025550123
curl '{0}/stubs/handler_api.php?api_key='$KEY'&action=getStatus&id=1234'
curl '{0}/stubs/handler_api.php?api_key='$KEY'&action=setStatus&id=1234&status=6'", base)}</code></pre>
        <h2>"Python"</h2>
        <pre tabindex="0" aria-label="Python example"><code>{format!(
"import time, requests

API = \"{0}/stubs/handler_api.php\"
KEY = \"usnh_…\"

def call(action, **params):
    return requests.get(API, params={{\"api_key\": KEY, \"action\": action, **params}}, timeout=15).text

answer = call(\"getNumber\", service=\"tg\", country=187)
if not answer.startswith(\"ACCESS_NUMBER\"):
    raise SystemExit(answer)          # NO_BALANCE, NO_NUMBERS…
_, activation, phone = answer.split(\":\")
print(\"Send the code to +\" + phone)
while True:
    status = call(\"getStatus\", id=activation)
    if status.startswith(\"STATUS_OK:\"):
        print(\"Code:\", status.split(\":\", 1)[1])
        call(\"setStatus\", id=activation, status=6)   # done
        break
    if status == \"STATUS_CANCEL\":
        break                        # expired: refunded
    time.sleep(3)", base)}</code></pre>
        <h2>"Callbacks"</h2>
        <p>
            "A key may name a callback URL. When an SMS arrives on one of its numbers we POST JSON to it —"
            <code>"{\"event\":\"sms\",\"activationId\":1234,\"phone\":\"12025550123\",\"code\":\"123456\",\"text\":\"…\",\"receivedAt\":1795000000000}"</code>
            " — with " <code>"X-USNH-Timestamp"</code> " (unix seconds) and " <code>"X-USNH-Signature"</code>
            " = hex HMAC-SHA256 of the timestamp, a dot and the body, keyed with the callback secret shown when the key was created.
            Answer 2xx; otherwise we retry with growing pauses (2 s, 4 s, 8 s… up to an hour) about a day long."
        </p>
        <pre tabindex="0" aria-label="Checking a callback's signature in Python"><code>
"import hmac, hashlib

def valid(secret, timestamp, body, signature):
    expected = hmac.new(secret.encode(), f\"{timestamp}.\".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)"
        </code></pre>
    }
}
