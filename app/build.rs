fn main() {
    // `sqlx::migrate!` embeds the migration files at compile time; without
    // this a new migration file alone would not rebuild the crate.
    println!("cargo:rerun-if-changed=../migrations");

    // `cargo leptos ... --split` links the client with `--emit-relocs` so
    // that it can be cut into lazily loaded chunks; pages are split points
    // only then (a client built without it has nothing to load them from).
    println!("cargo:rustc-check-cfg=cfg(wasm_split)");
    println!("cargo:rerun-if-env-changed=CARGO_ENCODED_RUSTFLAGS");
    let wasm = std::env::var("CARGO_CFG_TARGET_FAMILY").is_ok_and(|f| f.split(',').any(|f| f == "wasm"));
    let relocs = std::env::var("CARGO_ENCODED_RUSTFLAGS").is_ok_and(|f| f.contains("--emit-relocs"));
    if wasm && relocs {
        println!("cargo:rustc-cfg=wasm_split");
    }
}
