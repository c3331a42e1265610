//! Rebuilds when a translation file changes: rust-i18n embeds them at compile time.

fn main() {
    println!("cargo:rerun-if-changed=assets/locales");
}
