use rustc_version::{version_meta, Channel};

fn main() {
    // Set cfg flags depending on release channel
    if matches!(version_meta().unwrap().channel, Channel::Nightly) {
        println!("cargo:rustc-cfg=rustc_nightly");
    }
    // US Num Hub patch: the browser's build of erased views gives every HTML
    // element one type (`DynTag`), so their code is compiled once, not per tag.
    if std::env::var_os("CARGO_CFG_ERASE_COMPONENTS").is_some()
        && std::env::var_os("CARGO_FEATURE_SSR").is_none()
    {
        println!("cargo:rustc-cfg=dyn_tags");
    }
}
